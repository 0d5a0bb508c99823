"""`{% load decisions_public %}{% public_decisions %}` lists the decisions the chair chose to make public,
for the public About page."""

from django import template

from decisions import selectors

register = template.Library()


@register.inclusion_tag("decisions/includes/public_list.html")
def public_decisions(limit: int = 10, heading_level: int = 2):
    return {
        "items": selectors.public_decisions(limit=limit),
        "heading_level": heading_level,
    }
