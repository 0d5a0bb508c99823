"""The representation pages' own menu, drawn in Python: five pages draw it, and the template language spends tens of
microseconds on each `{% url %}` and include (issue 12). `templates/representation/includes/subnav.html` stays as
the reference: tests/representation/test_subnav_drawing.py requires the same HTML from both."""

from django import template
from django.utils.safestring import mark_safe

from members.rows import address

register = template.Library()

# (label, address name) of each link; the requests queue only for those who triage (its own line below).
LINKS = [("Forums", "representation:forums"), ("Key relationships", "representation:relationships"),
         ("Action log", "representation:actions"), ("My actions", "representation:my_actions"),
         ("Reviews", "representation:reviews"), ("Leadership meeting agenda", "representation:agenda")]


@register.simple_tag(takes_context=True)
def representation_subnav(context):
    """The links between the representation pages (the requests queue for gatekeepers and the chair)."""
    nav = context.get("nav") or {}
    items = "".join(f'    <li><a href="{address(name)}">{label}</a></li>\n' for label, name in LINKS)
    queue = (f'<li><a href="{address("representation:requests")}">Requests queue</a></li>'
             if nav.get("is_gatekeeper") or nav.get("is_chair") else "")
    return mark_safe(  # noqa: S308 - our own words and addresses
        '<nav class="portal-no-print" aria-label="Representation">\n  <ul class="nhsuk-list portal-actions">\n'
        f"{items}    {queue}\n  </ul>\n</nav>\n")
