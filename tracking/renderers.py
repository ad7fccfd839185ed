"""A form renderer that writes Django's own widget and label templates in Python.

Django draws every input, label and option through templates (an input is two: the input
and its attributes; a checkbox of a list four): on a page with a form, more than the rest of
the page. `PythonRenderer` (the site's FORM_RENDERER) writes the very same markup with
`format_html` for the templates it knows, and leaves any other (or an option of a custom
template) to Django's templates.
tests/tracking/test_renderers.py compares the two, widget by widget.
"""

from collections.abc import Callable

from django.forms import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
# Django's input templates that only include input.html.
INPUTS = {
    f"{WIDGETS}{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime",
        "time", "search", "tel", "color", "file", "checkbox",
    )
}  # fmt: skip
OPTIONS = {f"{WIDGETS}select_option.html", f"{WIDGETS}checkbox_option.html"}


def _attrs(attrs: dict) -> SafeString:
    """attrs.html: in their order; True a bare name, False left out."""
    return mark_safe(  # noqa: S308 - every part is built by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


def _input(widget: dict) -> SafeString:
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', value) if value is not None else "",
        _attrs(widget["attrs"]),
    )


def _textarea(widget: dict) -> SafeString:
    return format_html(
        '<textarea name="{}"{}>\n{}</textarea>',
        widget["name"],
        _attrs(widget["attrs"]),
        widget["value"] or "",
    )


def _option(option: dict) -> SafeString | None:
    """An option as select_option.html or checkbox_option.html writes it (with the line
    break its template ends with); None for another template."""
    if option["template_name"] == f"{WIDGETS}select_option.html":
        return format_html(
            '<option value="{}"{}>{}</option>\n',
            option["value"],
            _attrs(option["attrs"]),
            option["label"],
        )
    if option["template_name"] == f"{WIDGETS}checkbox_option.html" and option["wrap_label"]:
        # input_option.html: the input's template ends with a line break, and so do both.
        label_for = option["attrs"].get("id")
        return format_html(
            "<label{}>{}\n {}</label>\n\n",
            format_html(' for="{}"', label_for) if label_for else "",
            _input(option),
            option["label"],
        )
    return None


def _options(options: list[dict]) -> list[SafeString] | None:
    written = [_option(option) for option in options]
    return None if None in written else written  # type: ignore[return-value]


def _grouped(widget: dict, option_html: str, opening: str, closing: str) -> str | None:
    """The widget's options, each in `option_html`, a named group's between `opening` (with
    its name) and `closing`; None if an option has a template of its own."""
    parts: list[str] = []
    for group_name, options, _index in widget["optgroups"]:
        written = _options(options)
        if written is None:
            return None
        if group_name:
            parts.append(format_html(opening, group_name))
        parts.extend(format_html(option_html, option) for option in written)
        if group_name:
            parts.append(closing)
    return "".join(parts)


def _select(widget: dict) -> SafeString | None:
    parts = _grouped(widget, "\n  {}", '\n  <optgroup label="{}">', "\n  </optgroup>")
    if parts is None:
        return None
    return format_html(
        '<select name="{}"{}>{}\n</select>',
        widget["name"],
        _attrs(widget["attrs"]),
        mark_safe(parts),  # noqa: S308 - every part is built by format_html
    )


def _checkboxes(widget: dict) -> SafeString | None:
    """checkbox_select.html, which is multiple_input.html."""
    parts = _grouped(widget, "<div>\n    {}</div>", "\n  <div><label>{}</label>", "\n  </div>")
    if parts is None:
        return None
    attrs = widget["attrs"]
    return format_html(
        "<div{}{}>{}\n</div>",
        format_html(' id="{}"', attrs["id"]) if attrs.get("id") else "",
        format_html(' class="{}"', attrs["class"]) if attrs.get("class") else "",
        mark_safe(parts),  # noqa: S308 - every part is built by format_html
    )


def _clearable_file_input(widget: dict) -> SafeString | None:
    # With a file already chosen, the template writes a link and a checkbox: left to it.
    return None if widget["is_initial"] else _input(widget)


def _label(context: dict) -> SafeString:
    """django/forms/label.html."""
    if not context["use_tag"]:
        return format_html("{}", context["label"])
    tag = context["tag"]
    return format_html("<{}{}>{}</{}>", tag, _attrs(context["attrs"] or {}), context["label"], tag)


WRITERS: dict[str, Callable[[dict], SafeString | None]] = {
    **{name: lambda context: _input(context["widget"]) for name in INPUTS},
    f"{WIDGETS}textarea.html": lambda context: _textarea(context["widget"]),
    f"{WIDGETS}select.html": lambda context: _select(context["widget"]),
    f"{WIDGETS}checkbox_select.html": lambda context: _checkboxes(context["widget"]),
    f"{WIDGETS}clearable_file_input.html": lambda context: _clearable_file_input(context["widget"]),
    "django/forms/label.html": _label,
}


class PythonRenderer(DjangoTemplates):
    """Django's template renderer, with the templates of `WRITERS` written in Python."""

    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        written = write(context) if write else None
        if written is None:
            return super().render(template_name, context, request)
        return written.strip()  # as Django's renderer does


def field_html(field: BoundField) -> SafeString:
    """templates/includes/_field.html (a form's field in its box, with its help and errors),
    written in Python: through the template, the boxes cost more than the widgets in them.
    tests/tracking/test_renderers.py compares the two."""
    error = " field--error" if field.errors else ""
    if field.use_fieldset:
        described = (
            format_html(' aria-describedby="{}_helptext"', field.auto_id) if field.help_text else ""
        )
        opening = format_html(
            '<fieldset class="field{}"{}>\n  <legend>{}</legend>\n  {}\n',
            error,
            described,
            field.label,
            field,
        )
    elif field.widget_type == "checkbox":
        opening = format_html(
            '<div class="field{}">\n  \n    {} {}\n  \n', error, field, field.label_tag()
        )
    else:
        opening = format_html(
            '<div class="field{}">\n  \n    {}\n    {}\n  \n', error, field.label_tag(), field
        )
    help_html = (
        format_html(
            '<p class="field__help" id="{}_helptext">{}</p>',
            field.auto_id,
            mark_safe(field.help_text),  # noqa: S308 - as the template's |safe: our own texts
        )
        if field.help_text
        else ""
    )
    errors = format_html_join(
        "",
        '<p class="field__error" id="{}_error">{}</p>',
        ((field.auto_id, error) for error in field.errors),
    )
    return format_html(
        "{}\n  {}\n  {}\n{}\n",
        opening,
        help_html,
        errors,
        mark_safe("</fieldset>" if field.use_fieldset else "</div>"),  # noqa: S308
    )
