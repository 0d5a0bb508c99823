from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from gpleadership.templatetags.portal_forms import select_options

# The widget templates that are only {% include "django/forms/widgets/input.html" %} (Django's own), drawn by
# _input below.
_INPUTS = frozenset(f"django/forms/widgets/{name}.html" for name in ("text", "email", "number", "hidden", "password",
                                                                    "url", "checkbox", "date", "datetime", "time",
                                                                    "search", "tel", "file"))
# The widget types whose field group includes/field.html draws, drawn by _field_group below; any other is left to
# the template.
_FIELD_GROUP_TYPES = frozenset({"text", "email", "number", "password", "url", "date", "datetimelocal", "phone",
                                "file", "textarea", "select", "longselect", "nullbooleanselect", "selectmultiple",
                                "checkbox", "radioselect", "checkboxselectmultiple", "daymonthyear"})
_FIELDSET_TYPES = frozenset({"radioselect", "checkboxselectmultiple", "daymonthyear"})
# The radios and checkboxes templates, drawn by _choice_list below: the NHS.UK class of each, and the template of the
# options each draws in Python (an option of another template is left to the widget's template).
_CHOICE_LISTS = {"django/forms/widgets/radio.html": ("nhsuk-radios", "django/forms/widgets/radio_option.html"),
                 "django/forms/widgets/checkbox_select.html": ("nhsuk-checkboxes",
                                                               "django/forms/widgets/checkbox_option.html")}


class NHSFormRenderer(TemplatesSetting):
    """Render every form (ours and allauth's) with NHS.UK frontend markup: error summary, hints, inline errors.

    The form (includes/form.html, but for its error summary), the field group (includes/field.html) and the common
    widgets (input, file, select, textarea, radios, checkboxes, the date boxes) are drawn in Python, with the same
    HTML as their templates: a template render per form, field and widget cost a large part of every page with a
    form (issue 12). Any other template (and a field with a template of its own) is rendered as a template.
    tests/gpleadership/test_form_rendering.py renders every form of the project both ways and compares."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"

    def render(self, template_name, context, request=None):
        if template_name == self.form_template_name:
            html = _form(context["form"])
        elif template_name == self.field_template_name:
            html = _field_group(context["field"])
        elif template_name in _INPUTS:
            html = _input(context["widget"])
        elif template_name == "django/forms/widgets/select.html":
            html = _select(context["widget"])
        elif template_name == "django/forms/widgets/textarea.html":
            html = _textarea(context["widget"])
        elif template_name in _CHOICE_LISTS:
            html = _choice_list(context["widget"], _CHOICE_LISTS[template_name])
        elif template_name == "django/forms/widgets/day_month_year.html":
            html = _date_boxes(context["widget"])
        else:
            html = None
        return super().render(template_name, context, request) if html is None else html


class TemplateFormRenderer(TemplatesSetting):
    """NHSFormRenderer with every field and widget rendered by its template: what the Python drawing is compared
    with (tests/test_form_rendering.py)."""

    form_template_name = NHSFormRenderer.form_template_name
    field_template_name = NHSFormRenderer.field_template_name


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html: every attribute but class; True as a bare name, False left out. The file ends
    with a newline, which the widgets that include it keep before their closing ">"."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items() if name != "class" and value is not False) + "\n"


def _text(value) -> str:
    """A value as `{{ value|stringformat:'s' }}` writes it: escaped unless already safe."""
    return conditional_escape(value if isinstance(value, SafeString) else str(value))


def _extra_class(attrs) -> str:
    return f" {conditional_escape(attrs['class'])}" if attrs.get("class") else ""


def _input(widget) -> str:
    """django/forms/widgets/input.html."""
    kind = widget["type"]
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    nhs_class = {"checkbox": "nhsuk-checkboxes__input", "radio": "nhsuk-radios__input",
                 "file": "nhsuk-file-upload__input"}.get(kind, "nhsuk-input")
    return (f'<input type="{conditional_escape(kind)}" name="{conditional_escape(widget["name"])}"{value}'
            f' class="{nhs_class}{_extra_class(widget["attrs"])}"{_attrs(widget["attrs"])}>')


def _select(widget) -> str:
    """django/forms/widgets/select.html."""
    return (f'<select name="{conditional_escape(widget["name"])}" class="nhsuk-select{_extra_class(widget["attrs"])}"'
            f'{_attrs(widget["attrs"])}>\n{select_options(widget)}\n</select>')


def _textarea(widget) -> str:
    """django/forms/widgets/textarea.html."""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (f'<textarea name="{conditional_escape(widget["name"])}"'
            f' class="nhsuk-textarea{_extra_class(widget["attrs"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>')


def _choice_list(widget, kind) -> str | None:
    """django/forms/widgets/radio.html and checkbox_select.html: each option's input (its template includes
    input.html; both files end with a newline) and label."""
    nhs_class, option_template = kind
    options = [option for _group, group_options, _index in widget["optgroups"] for option in group_options]
    if any(option["template_name"] != option_template for option in options):
        return None
    widget_id = widget["attrs"].get("id")
    parts = [f'<div class="{nhs_class}"', f' id="{_text(widget_id)}">' if widget_id else ">"]
    for option in options:
        parts.append(f'\n  <div class="{nhs_class}__item">{_input(option)}\n\n\n'
                     f'    <label class="nhsuk-label {nhs_class}__label" for="{_var(option["attrs"], "id")}">'
                     f'{conditional_escape(option["label"])}</label>\n  </div>')
    parts.append("\n</div>")
    return "".join(parts)


def _date_boxes(widget) -> str:
    """django/forms/widgets/day_month_year.html (members.forms.DayMonthYearWidget): the NHS.UK date input."""
    parts = [f'<div class="nhsuk-date-input" id="{_var(widget["attrs"], "id")}">']
    for sub in widget["subwidgets"]:
        attrs, box_id = sub["attrs"], _var(sub["attrs"], "id")
        error = " nhsuk-input--error" if sub.get("error") else ""
        value = f' value="{_text(sub["value"])}"' if sub.get("value") else ""
        required = " required" if attrs.get("required") else ""
        parts.append(f'\n  <div class="nhsuk-date-input__item">\n    <div class="nhsuk-form-group">\n'
                     f'      <label class="nhsuk-label nhsuk-date-input__label" for="{box_id}">{_var(sub, "label")}'
                     f'</label>\n      <input class="nhsuk-input {_var(attrs, "class")}{error}" id="{box_id}"'
                     f' name="{_var(sub, "name")}" type="text" inputmode="numeric"{value}{required}>\n'
                     f'    </div>\n  </div>')
    parts.append("\n</div>")
    return "".join(parts)


def _var(mapping, key) -> str:
    """`{{ mapping.key }}`: nothing when the key is missing."""
    return _text(mapping[key]) if key in mapping else ""


def _errors(field, id_suffix, separator) -> str:
    return (f'<span class="nhsuk-error-message" id="{conditional_escape(field.auto_id)}{id_suffix}">'
            + separator.join(f'<span class="nhsuk-u-visually-hidden">Error:</span> {conditional_escape(e)}'
                             for e in field.errors)
            + "</span>")


def _form(form) -> str | None:
    """includes/form.html for a form without errors: its hidden fields, then each visible field's group (None for a
    form with errors, whose summary is left to the template)."""
    if form.errors:
        return None
    html = ("\n" + "".join(str(field) for field in form.hidden_fields()) + "\n"
            + "".join(field.as_field_group() for field in form.visible_fields()) + "\n")
    return html.strip()  # as the renderer strips what a template writes


def _field_group(field) -> str | None:
    """includes/field.html, for the widget types in _FIELD_GROUP_TYPES (None for any other)."""
    kind = field.widget_type
    if kind not in _FIELD_GROUP_TYPES:
        return None
    errors = field.errors
    help_text = field.help_text
    auto_id = conditional_escape(field.auto_id)
    label = conditional_escape(field.label)
    optional = "" if field.field.required or getattr(field.field, "conditional", None) else " (optional)"
    widget = conditional_escape(field)
    group = f'<div class="nhsuk-form-group{" nhsuk-form-group--error" if errors else ""}">\n'
    if kind in _FIELDSET_TYPES:
        described = ""
        if help_text or errors:
            described = (f' aria-describedby="{f"{auto_id}-hint" if help_text else ""}'
                         f'{f" {auto_id}-error" if errors else ""}"')
        hint = f'<div class="nhsuk-hint" id="{auto_id}-hint">{conditional_escape(help_text)}</div>' if help_text else ""
        error = _errors(field, "-error", "<br>") if errors else ""
        html = (f'{group}\n  <fieldset class="nhsuk-fieldset"{described}>\n'
                f'    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{label}{optional}</legend>\n'
                f'    {hint}\n    {error}\n    {widget}\n  </fieldset>\n\n</div>')
    elif kind == "checkbox":
        error = _errors(field, "-error", "") if errors else ""
        hint = (f'<div class="nhsuk-hint nhsuk-checkboxes__hint" id="{auto_id}_helptext">'
                f'{conditional_escape(help_text)}</div>') if help_text else ""
        html = (f'{group}\n  {error}\n  <div class="nhsuk-checkboxes">\n    <div class="nhsuk-checkboxes__item">\n'
                f'      {widget}\n      <label class="nhsuk-label nhsuk-checkboxes__label" for="{auto_id}">{label}'
                f'</label>\n      {hint}\n    </div>\n  </div>\n\n</div>')
    else:
        hint = (f'<div class="nhsuk-hint" id="{auto_id}_helptext">{conditional_escape(help_text)}</div>'
                if help_text else "")
        error = _errors(field, "_error", "<br>") if errors else ""
        html = (f'{group}\n  <label class="nhsuk-label" for="{auto_id}">{label}{optional}</label>\n'
                f'  {hint}\n  {error}\n  {widget}\n\n</div>')
    return mark_safe(html)  # noqa: S308 - every value above is escaped as the template's autoescape would
