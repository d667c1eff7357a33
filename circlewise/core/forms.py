"""How every form on the site draws its fields.

One template for a field, through Django's form renderer (settings.FORM_RENDERER): its label,
a mark on required fields (with circles/manage/_required_note.html saying what the mark means;
the `required` attribute tells assistive technology), the widget, help text and errors, each
tied to the widget by aria-describedby. Templates write `{{ field.as_field_group }}`.
"""

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """Django's own renderer (its widget templates, and every app's templates), with our field
    template in core/templates/core/field.html."""

    field_template_name = "core/field.html"
