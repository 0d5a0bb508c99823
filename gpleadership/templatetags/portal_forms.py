"""Form rendering helpers for the NHS.UK widget templates (templates/django/forms/)."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def select_options(widget) -> str:
    """A select's <option>s (and <optgroup>s) written in Python: a list of a place's people has hundreds of options,
    and the template language spends milliseconds on each (issue 12: group manage, invitations, interests)."""
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option in group_choices:
            parts.append('<option value="{}"{}{}>{}</option>'.format(
                escape(option["value"] if option["value"] is not None else ""),
                " selected" if option["selected"] else "",
                " disabled" if option["attrs"].get("disabled") else "",
                escape(option["label"]),
            ))
        if group_name:
            parts.append("</optgroup>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value and label is escaped above
