from django.forms.renderers import TemplatesSetting


class NHSFormRenderer(TemplatesSetting):
    """Render every form (ours and allauth's) with NHS.UK frontend markup: error summary, hints, inline errors."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
