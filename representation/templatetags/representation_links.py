from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def link_to(url_name: str, pk) -> str:
    """A link into another app that may not have published its page yet: empty rather than an error."""
    try:
        return reverse(url_name, args=[pk])
    except NoReverseMatch:
        return ""
