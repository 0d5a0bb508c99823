"""Form rendering helpers for the NHS.UK widget templates (templates/django/forms/)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from members.rows import option

register = template.Library()


@register.filter
def select_options(widget) -> str:
    """A select's <option>s (and <optgroup>s) written in Python: a list of a place's people has hundreds of options,
    and the template language spends milliseconds on each (issue 12: group manage, invitations, interests). A
    members.forms.LongSelect has written its own already."""
    if "options_html" in widget:
        return widget["options_html"]
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option_ in group_choices:
            parts.append(option(option_["value"], option_["label"], selected=option_["selected"],
                                disabled=bool(option_["attrs"].get("disabled"))))
        if group_name:
            parts.append("</optgroup>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value and label is escaped above
