"""Form widgets that render in Python what Django renders through one template per option.

A filter of 203 participants costs 203 template includes with Django's `Select`: most of a
list page's time. These widgets write the very same markup with `format_html`.
"""

import hashlib
import uuid

from django import forms
from django.core.cache import cache
from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import compiled

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

    # The rows as `read_rows` read them with those of the form's other CachedSelects, if it did.
    rows: list[tuple] | None = None

    def __init__(self, attrs=None, choices=(), *, depends_on: tuple[str, ...]) -> None:
        super().__init__(attrs, choices)
        self.depends_on = depends_on

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        if not isinstance(self.choices, ModelChoiceIterator):
            return super().render(name, value, attrs, renderer)
        rows = self.rows
        if rows is None:
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


def read_rows(form: forms.BaseForm, sql_key: tuple | None = None) -> list[list[tuple]]:
    """The rows the options of each of the form's `CachedSelect`s name, read in one query (a
    UNION of their querysets) rather than one each, and given to each widget for its key.

    Each row is its pk and `depends_on` values as text, in the order of the pks: the options'
    order follows from the values. With `sql_key` (all the querysets depend on), the query is
    built once per process and key (`compiled.rows`)."""
    selects = [
        (field.widget, field.queryset)
        for field in form.fields.values()
        if isinstance(field, forms.ModelChoiceField)
        and isinstance(field.widget, CachedSelect)
        and field.queryset is not None
    ]
    if not selects:
        return []

    def union() -> QuerySet:
        width = max(len(widget.depends_on) for widget, _queryset in selects)
        parts = [
            queryset.order_by().values_list(
                Value(index),
                *(Cast(name, TextField()) for name in ("pk", *widget.depends_on)),
                *[Value("")] * (width - len(widget.depends_on)),
            )
            for index, (widget, queryset) in enumerate(selects)
        ]
        return parts[0].union(*parts[1:], all=True)

    found: list[list[tuple]] = [[] for _ in selects]
    read = (
        union()
        if sql_key is None
        else compiled.rows(selects[0][1].model, ("options", *sql_key), union)
    )
    for index, *row in read:
        found[index].append(tuple(row[: 1 + len(selects[index][0].depends_on)]))
    for (widget, _queryset), rows in zip(selects, found, strict=True):
        rows.sort(key=lambda row: row[0])
        widget.rows = rows
    return found


def cached_form_html(
    form: forms.BaseForm, request: HttpRequest, sql_key: tuple | None = None
) -> str:
    """A filter form (GET, no token) through `includes/_form.html`, kept in the cache per state
    of the rows its `CachedSelect`s name (`read_rows`: one query), the values it was given and
    the language: what its fields, options and errors show depends on nothing else."""
    data = form.data
    given = [
        (key, data.getlist(key) if isinstance(data, QueryDict) else data.get(key))
        for key in map(form.add_prefix, form.fields)
    ]
    state = (
        _STARTED,
        type(form).__qualname__,
        form.is_bound,
        read_rows(form, sql_key),
        given,
        translation.get_language(),
    )
    key = "form:" + hashlib.sha256(repr(state).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render_to_string("includes/_form.html", {"form": form}, request)
        cache.set(key, html, OPTIONS_SECONDS)
    return html


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


def _template_attrs(attrs: dict) -> SafeString:
    # Django's attrs.html, in the attributes' own order (flatatt puts the bare ones last).
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class CachedCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """`forms.CheckboxSelectMultiple` of model choices whose boxes are written once per
    language and per state of the rows they name, then kept in the cache.

    The cycle forms' 203 participants cost 600 template includes with Django's widget. The
    same markup is written here in Python and kept as its pieces between the boxes' places
    for `checked`, keyed as `CachedSelect`'s options are (the rows' `depends_on` values), so
    each request only marks its own choices.
    """

    def __init__(self, attrs=None, choices=(), *, depends_on: tuple[str, ...]) -> None:
        super().__init__(attrs, choices)
        self.depends_on = depends_on

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        if not isinstance(self.choices, ModelChoiceIterator):
            return super().render(name, value, attrs, renderer)
        field = self.choices.field
        state = (
            _STARTED,  # a new deployment may bring new translations of the labels
            type(field).__qualname__,
            name,
            list(self.build_attrs(self.attrs, attrs).items()),  # their order is the markup's
            translation.get_language(),
            list(self.choices.queryset.values_list("pk", *self.depends_on)),
        )
        key = "checkboxes:" + hashlib.sha256(repr(state).encode()).hexdigest()
        pieces = cache.get(key)
        if pieces is None:
            pieces = self._pieces(name, attrs)
            cache.set(key, pieces, OPTIONS_SECONDS)
        parts, values = pieces
        chosen = set(self.format_value(value))
        html = [parts[0]]
        for option_value, part in zip(values, parts[1:], strict=True):
            html.append(" checked" + part if option_value in chosen else part)
        return mark_safe("".join(html))  # noqa: S308 - every part is built by format_html

    def _pieces(self, name, attrs) -> tuple[list[str], list[str]]:
        """Django's markup with no box checked, cut where each box's `checked` goes (the end of
        its tag: Django adds it after the other attributes), and the boxes' values in order."""
        widget = self.get_context(name, [], attrs)["widget"]
        parts: list[str] = []
        values: list[str] = []
        html: list[str] = []
        outer_id, outer_class = widget["attrs"].get("id"), widget["attrs"].get("class")
        html.append(
            format_html(
                "<div{}{}>",
                format_html(' id="{}"', outer_id) if outer_id else "",
                format_html(' class="{}"', outer_class) if outer_class else "",
            )
        )
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html("\n  <div><label>{}</label>", group_name))
            for option in options:
                option_id = option["attrs"].get("id")
                html.append(
                    format_html(
                        '<div>\n    <label{}><input type="{}" name="{}" value="{}"{}',
                        format_html(' for="{}"', option_id) if option_id else "",
                        option["type"],
                        option["name"],
                        str(option["value"]),
                        _template_attrs(option["attrs"]),
                    )
                )
                parts.append("".join(html))
                values.append(str(option["value"]))
                # Django's option templates end with line breaks.
                html = [format_html(">\n {}</label>\n\n</div>", option["label"])]
            if group_name:
                html.append("\n  </div>")
        html.append("\n</div>")
        parts.append("".join(html))
        return parts, values
