"""Form widgets that render in Python what Django renders through one template per option.

A filter of 203 participants costs 203 template includes with Django's `Select`: most of a
list page's time. These widgets write the very same markup with `format_html`.
"""

import hashlib
import uuid

from django import forms
from django.core.cache import cache
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Options are rebuilt at least this often, and after every start of the process.
OPTIONS_SECONDS = 24 * 60 * 60
_STARTED = uuid.uuid4().hex


def _attrs(attrs: dict) -> SafeString:
    # Django's attrs.html: True is a bare attribute, False is left out.
    return flatatt({name: value for name, value in attrs.items() if value is not False})


class Select(forms.Select):
    """`forms.Select` with the same HTML, built without a template per option."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                # Django's option template ends with a line break.
                '\n  <option value="{}"{}>{}</option>\n',
                ((str(o["value"]), _attrs(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                rendered = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, rendered
                )
            parts.append(rendered)
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            mark_safe("".join(parts)),  # noqa: S308 - every part is built by format_html
        )


class LanguageSelect(forms.Select):
    """Each language's option says which language its name is in, for screen readers."""

    def create_option(self, name, value, *args, **kwargs) -> dict:
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


class CachedSelect(Select):
    """`Select` of model choices whose options are written once per language and per state of
    the rows they name, then kept in the cache.

    Naming 203 participants in the page's language and sorting them costs more than the rest
    of a list page. The key holds the rows' `depends_on` values (every field the option labels
    show, read in one plain query), so a renamed, added or removed row makes a new key at once,
    in every process, with no invalidation to forget. The chosen value is marked afterwards:
    it is not in the key.
    """

    def __init__(self, attrs=None, choices=(), *, depends_on: tuple[str, ...]) -> None:
        super().__init__(attrs, choices)
        self.depends_on = depends_on

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        if not isinstance(self.choices, ModelChoiceIterator):
            return super().render(name, value, attrs, renderer)
        rows = list(self.choices.queryset.values_list("pk", *self.depends_on))
        field = self.choices.field
        state = (
            _STARTED,  # a new deployment may bring new translations of the labels
            type(field).__qualname__,
            name,
            sorted(self.build_attrs(self.attrs, attrs).items()),
            translation.get_language(),
            str(field.empty_label),
            rows,
        )
        key = "options:" + hashlib.sha256(repr(state).encode()).hexdigest()
        html = cache.get(key)
        if html is None:
            html = str(super().render(name, [], attrs, renderer))  # no option chosen
            cache.set(key, html, OPTIONS_SECONDS)
        return mark_safe(_choose(html, self.format_value(value), self.allow_multiple_selected))  # noqa: S308


class CachedSelectMultiple(CachedSelect, forms.SelectMultiple):
    """`CachedSelect` for a choice of several (the report form's participants and paragraphs)."""


def _choose(html: str, values: list[str], multiple: bool) -> str:
    """Marks the options of these values chosen, as Django does: only the first for a single
    choice."""
    for value in values:
        option = format_html('<option value="{}">', value)
        if option in html:
            html = html.replace(option, f"{option[:-1]} selected>", 1)
            if not multiple:
                break
    return html
