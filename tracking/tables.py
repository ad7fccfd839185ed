"""Tables of the tracking pages (django-tables2)."""

import html
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import Promise, cached_property
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import BoundColumn, ManyToManyColumn
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import A, AttributeDict, signature

from declarations.models import Paragraph

from . import compiled
from .models import (
    Action,
    EvidenceDownload,
    Match,
    Need,
    Offer,
    Participant,
    Report,
    ReportingCycle,
    Submission,
)
from .templatetags.tracking_tags import day, moment

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# The most rows one page shows, whatever `?per_page=` asks: 3,200 actions took 2 s and 846 KB.
MAX_PER_PAGE = 100


def _capped(paginator_class: type[Paginator]) -> type[Paginator]:
    # A subclass of whichever paginator is given; a type checker cannot follow that.
    class Capped(paginator_class):  # type: ignore[valid-type,misc]
        def __init__(self, object_list, per_page, *args, **kwargs) -> None:
            per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
            super().__init__(object_list, per_page, *args, **kwargs)

    return Capped


def configure_table(
    request: HttpRequest,
    table: tables.Table,
    *,
    per_page: int | None = 25,
    paginator_class: type[Paginator] = Paginator,
) -> tables.Table:
    """Sorts and paginates a table from the request, never more than MAX_PER_PAGE rows a page.

    Every view that shows a table configures it here; per_page=None shows one unpaginated page
    (only for lists that stay short by nature).
    """
    paginate = {"per_page": per_page, "paginator_class": _capped(paginator_class)}
    return tables.RequestConfig(request, paginate=paginate if per_page else False).configure(table)


# What a cell's render method may ask for, as django-tables2 passes it. A column that asks
# for anything else, and the columns django-tables2 treats apart, are left to it.
_CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "bound_row", "table"})
_COLUMNS_LEFT_TO_TABLES2 = (BaseLinkColumn, ManyToManyColumn)

Cell = Callable[[BoundRow], str]


class LeanTable(tables.Table):
    """A table whose rows are written in Python, with the very markup django-tables2's
    `row.items` and `column.attrs.td` gave `tables/table.html`.

    django-tables2 works out afresh for every cell how to reach its value (the field's
    choices, the accessor, the render method's signature) and recomputes every cell's
    attributes: most of a list's rendering time. Here each column's way is worked out once a
    page, then applied to each row: the same values, `render_<name>` methods, columns and
    links, localised and escaped as `{{ cell }}` does.
    """

    def body_html(self) -> SafeString:
        """The `<tr>` of each row of the current page."""
        cells = [(self._td_attrs(column), self._cell(column)) for column in self.columns]
        per_row_attrs = callable_anywhere(self.row_attrs)
        rows = []
        for row in self.paginated_rows:
            attrs = row.attrs if per_row_attrs else self._row_attrs(row)
            tds = "".join(f"<td {td}>{cell(row)}</td>" for td, cell in cells)
            rows.append(f"<tr {attrs.as_html()}>\n        {tds}\n      </tr>")
        # Every part comes from format_html, conditional_escape or AttributeDict.as_html.
        return mark_safe("\n      ".join(rows))  # noqa: S308

    def _row_attrs(self, row: BoundRow) -> AttributeDict:
        # BoundRow.attrs without computed_values: the table's row attributes hold no callable.
        even_odd = row.get_even_odd_css_class()
        extra = self.row_attrs.get("class")
        return AttributeDict(
            {**self.row_attrs, "class": f"{extra} {even_odd}" if extra else even_odd}
        )

    def _td_attrs(self, column: BoundColumn) -> str:
        return column.attrs["td"].as_html()

    def _cell(self, column: BoundColumn) -> Cell:
        """How to write one column's cells, worked out once for every row."""
        name, render, link = column.name, column.render, column.link
        if getattr(render, "__func__", None) is tables.Column.render:
            wanted: tuple[str, ...] = ()  # the plain Column shows the value itself
        else:
            arguments, catch_all = signature(render)
            wanted = tuple(_CELL_ARGUMENTS) if catch_all else tuple(arguments)
        if (
            not _CELL_ARGUMENTS.issuperset(wanted)
            or isinstance(column.column, _COLUMNS_LEFT_TO_TABLES2)
            or callable_anywhere(dict(self.attrs))
            or callable_anywhere(column.column.attrs)
        ):
            return lambda row: _as_text(row.get_cell(name))
        empty_values = column.column.empty_values
        if empty_values or link or "value" in wanted:
            value_of = _value_getter(column, getattr(self.data, "model", None))
        else:  # a column that renders every record from the record alone
            value_of = _no_value
        default = _as_text(column.default)
        # What the render method asks for that is the same in every row.
        fixed = {"column": column.column, "bound_column": column, "table": self}
        fixed = {key: value for key, value in fixed.items() if key in wanted}
        wants_value, wants_record, wants_row = (key in wanted for key in _PER_ROW)
        # linkify=True: a link to the value's get_absolute_url(), else the record's.
        to_absolute_url = (
            type(link) is LinkTransform
            and link.url is None
            and not link.reverse_args
            and not link.attrs
        )

        def cell(row: BoundRow) -> str:
            record = row.record
            value = value_of(record)
            if value in empty_values:
                return default
            content = value
            if wanted:
                given = fixed.copy()
                if wants_value:
                    given["value"] = value
                if wants_record:
                    given["record"] = record
                if wants_row:
                    given["bound_row"] = row
                content = render(**given)
            if to_absolute_url:
                target = value if hasattr(value, "get_absolute_url") else record
                url = target.get_absolute_url()
                if url is not None:  # LinkTransform's markup
                    return f'<a href="{_as_text(url)}">{_as_text(content)}</a>'
            elif link:
                content = link(content, value=value, record=record, column=column.column,
                               bound_column=column, bound_row=row, table=self)  # fmt: skip
            return _as_text(content)

        return cell


_PER_ROW = ("value", "record", "bound_row")


def callable_anywhere(attrs: dict) -> bool:
    """Whether attributes hold a callable (then they differ from row to row)."""
    return any(
        callable(value) or (isinstance(value, dict) and callable_anywhere(value))
        for value in attrs.values()
    )


def _no_value(record: Any) -> None:
    return None


def _as_text(content: Any) -> str:
    """A cell as `{{ cell }}` writes it: in local time, localised, escaped."""
    if type(content) is str:  # most cells: what conditional_escape does with them, directly
        return html.escape(content)
    if isinstance(content, SafeData):
        return str(content)
    return conditional_escape(localize(template_localtime(content)))


def _value_getter(column: BoundColumn, model: type | None) -> Callable[[Any], Any]:
    """A cell's value as django-tables2 finds it: the display of a field with choices, else
    what the accessor reaches (None where it fails)."""
    accessor = A(column.accessor)
    bits = tuple(accessor.bits)
    field = accessor.get_field(model) if model is not None else None
    if field is None or not getattr(field, "choices", None):
        return lambda record: _walk(record, bits, accessor)
    path, display, attname = bits[:-1], f"get_{bits[-1]}_display", field.attname
    # get_FOO_display translates every label of the field at each call: once a page will do.
    labels: dict[Any, Any] = {}

    def choice(record: Any) -> Any:
        owner = _walk(record, path, accessor)
        method = getattr(owner, display, None) if isinstance(owner, models.Model) else None
        if method is None:
            return _walk(record, bits, accessor)
        stored = getattr(owner, attname)
        if stored not in labels:
            labels[stored] = method()
        return labels[stored]

    return choice


def _walk(record: Any, bits: tuple[str, ...], accessor: A) -> Any:
    """Accessor.resolve for model instances: attribute by attribute, calling what is callable,
    stopping at None. Anything else (a dictionary, an index, a failure) goes to resolve itself."""
    current = record
    try:
        for bit in bits:
            current = getattr(current, bit)
            if callable(current):
                if getattr(current, "alters_data", False) or getattr(
                    current, "do_not_call_in_templates", False
                ):
                    return accessor.resolve(record, quiet=True)
                current = current()
            if current is None:
                break
    except Exception:
        return accessor.resolve(record, quiet=True)
    return current


class DayColumn(tables.Column):
    """A date (a datetime's local date) as the `day` filter shows it, like `DateColumn` but
    without rendering a template per cell: that was a third of a list page's time."""

    def render(self, value) -> str:
        return day(value)


class MomentColumn(tables.Column):
    """A datetime in the site's time zone, to the minute, as the `moment` filter shows it."""

    def render(self, value) -> str:
        return moment(value)


class ActionTable(LeanTable):
    # Every sort key ends with the pk, so that pages of tied rows neither repeat nor skip one;
    # each has an index that reads it in order (`Action.Meta.indexes`).
    caption = _("Actions")
    title = tables.Column(verbose_name=_("Title"), order_by=("title", "pk"))
    # By the official English short name in every language, as the index `participant_name_sort`
    # reads it: a sort by the page's localised names would sort every visible row. The
    # participant filter's options, short, are in the page language's order.
    participant = tables.Column(verbose_name=_("Participant"), order_by=("participant__name", "pk"))
    declaration = tables.Column(verbose_name=_("Declaration"), orderable=False)
    # Each cycle has its own copy of an ongoing action: the cycle tells them apart.
    cycle = tables.Column(
        verbose_name=_("Cycle"), accessor="submission__cycle__name", orderable=False
    )
    paragraphs = tables.Column(
        verbose_name=_("Operative paragraphs"), empty_values=(), orderable=False
    )
    lead_institution = tables.Column(
        verbose_name=_("Lead institution"), order_by=("lead_institution", "pk")
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
    progress = tables.Column(verbose_name=_("Progress"), order_by=("progress", "pk"))
    start_date = DayColumn(verbose_name=_("Start"), order_by=("start_date", "pk"))
    end_date = DayColumn(verbose_name=_("End"), order_by=("end_date", "pk"))
    updated_at = DayColumn(verbose_name=_("Last change"), order_by=("updated_at", "pk"))

    class Meta:
        model = Action
        fields = (
            "title",
            "participant",
            "declaration",
            "cycle",
            "paragraphs",
            "lead_institution",
            "status",
            "progress",
            "start_date",
            "end_date",
            "updated_at",
        )
        empty_text = _("No actions match these filters.")

    # The fields the columns read, for `QuerySet.only`: each action's description and partners,
    # and each declaration's texts, would cost more to load than the rest of its row.
    READS = (
        "title", "lead_institution", "status", "progress", "start_date", "end_date",
        "updated_at", "participant__code", "participant__name", "participant__kind",
        "declaration__short_title", "submission__cycle__name",
    )  # fmt: skip

    def render_title(self, record: Action) -> SafeString:
        """The title, linked to the action's page as `linkify=True` would."""
        head, tail = self._action_url
        link = f'<a href="{head}{record.pk}{tail}">{html.escape(record.title)}</a>'
        return mark_safe(link)  # noqa: S308 (escaped here)

    @cached_property
    def _action_url(self) -> tuple[str, str]:
        # `Action.get_absolute_url` around the pk, reversed once a page: once a row took more
        # time than the rest of the row.
        head, _zero, tail = reverse("tracking:action", args=[0]).rpartition("0")
        return html.escape(head), html.escape(tail)

    def render_paragraphs(self, record: Action) -> str:
        return self._paragraph_labels.get(record.pk) or "—"

    @cached_property
    def _paragraph_labels(self) -> dict[int, str]:
        """'OP4, OP6' for each action of the page, from one query: a prefetch would build a
        queryset and a model per paragraph."""
        shown = tuple(row.record.pk for row in self.paginated_rows)
        if not shown:
            return {}
        # Built once per process and number of rows: building it took longer than reading it.
        links = compiled.rows(
            Action,
            ("paragraph labels", len(shown)),
            lambda *ids: (
                Action.paragraphs.through.objects.filter(action_id__in=ids)
                .order_by("paragraph__declaration", "paragraph__position")
                .values_list("action_id", "paragraph__number", "paragraph__verb")
            ),
            *shown,
        )
        labels: dict[tuple[int | None, str], str] = {}  # a label translated once a page
        per_action: dict[int, list[str]] = {}
        for action_id, number, verb in links:
            if (number, verb) not in labels:
                labels[number, verb] = Paragraph(number=number, verb=verb).label
            per_action.setdefault(action_id, []).append(labels[number, verb])
        return {pk: conditional_escape(", ".join(names)) for pk, names in per_action.items()}

    def render_status(self, value: str) -> str:
        return format_html('<span class="badge">{}</span>', value)

    def render_progress(self, value: int) -> str:
        return f"{value}%"


class CompletenessAnnotations(TypedDict):
    """What `dashboards.completeness` annotates each participant with."""

    state: str | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    in_scope: bool
    chased_at: datetime | None
    chased_by: str | None


class CompletenessTable(LeanTable):
    caption = _("Submissions of the participants")
    name = tables.Column(verbose_name=_("Participant"))
    kind = tables.Column(verbose_name=_("Kind"))
    state = tables.Column(verbose_name=_("Submission"), empty_values=())
    submitted_at = DayColumn(verbose_name=_("Submitted on"))
    reviewed_at = DayColumn(verbose_name=_("Reviewed on"))
    chase = tables.Column(verbose_name=_("Chased"), empty_values=(), orderable=False)

    class Meta:
        model = Participant
        fields = ("name", "kind", "state", "submitted_at", "reviewed_at", "chase")
        empty_text = _("No participants.")

    def __init__(
        self, *args, cycle: ReportingCycle, csrf_token: str | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        self.today = timezone.localdate()
        self._badges: dict[str | None, str] = {}  # each state's, translated once a page
        if csrf_token is not None:  # a mark, for a table kept in the cache
            self._csrf_token = csrf_token

    def render_state(self, value: str | None) -> str:
        if value not in self._badges:
            labels: dict[str | None, str | Promise] = dict(Submission.State.choices)
            label = labels.get(value, _("No submission"))
            self._badges[value] = format_html('<span class="badge">{}</span>', label)
        return self._badges[value]

    @cached_property
    def _csrf_token(self) -> str:
        # One masked token for every form of the page: masking one anew for each of 50 rows
        # took a fifth of the page's time.
        return get_token(self.request)

    @cached_property
    def _chase(self) -> str:
        return gettext("Chase")

    def may_chase(self, record: "WithAnnotations[Participant, CompletenessAnnotations]") -> bool:
        """Late (in scope of an open cycle, nothing submitted) and not chased today: the rule of
        `services.participant_chase`, from the row's annotations."""
        late = self.cycle.is_open and record.in_scope and record.state in (None, "draft")
        chased_today = record.chased_at and timezone.localdate(record.chased_at) == self.today
        return late and not chased_today

    def render_chase(self, record: "WithAnnotations[Participant, CompletenessAnnotations]") -> str:
        parts = []
        if record.chased_at:
            values = {"date": day(record.chased_at),
                      "name": record.chased_by}  # fmt: skip
            parts.append(format_html("{}", gettext("Chased on %(date)s by %(name)s") % values))
        if self.may_chase(record):
            url = reverse("tracking:participant_chase", args=[self.cycle.pk, record.code])
            parts.append(
                format_html(
                    '<form method="post" action="{}" class="inline-form">'
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                    '<button type="submit" class="button button--secondary">{}'
                    '<span class="visually-hidden"> {}</span></button></form>',
                    url,
                    self._csrf_token,
                    self._chase,
                    record.name,
                )
            )
        return format_html_join(" ", "{}", ((part,) for part in parts)) or "—"


class CycleTable(LeanTable):
    caption = _("Reporting cycles")
    declaration = tables.Column(accessor="declaration__short_title", verbose_name=_("Declaration"))
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    period = tables.Column(
        verbose_name=_("Period"), empty_values=(), order_by=("starts_on", "ends_on")
    )
    due_on = DayColumn(verbose_name=_("Submissions due on"))
    state = tables.Column(verbose_name=_("State"))
    participant_count = tables.Column(verbose_name=_("Participants in scope"))
    submitted_count = tables.Column(verbose_name=_("Submitted"))
    approved_count = tables.Column(verbose_name=_("Approved"))

    class Meta:
        model = ReportingCycle
        fields = ()
        sequence = (
            "declaration", "name", "period", "due_on", "state", "participant_count",
            "submitted_count", "approved_count",
        )  # fmt: skip
        empty_text = _("No reporting cycles yet.")

    def render_period(self, record: ReportingCycle) -> str:
        return f"{day(record.starts_on)} – {day(record.ends_on)}"

    def render_state(self, value: str) -> str:
        return format_html('<span class="badge">{}</span>', value)


class ReportTable(LeanTable):
    number = tables.Column(accessor="pk", verbose_name=_("Report"))
    created_at = MomentColumn(verbose_name=_("Requested at"))
    requested_by = tables.Column(verbose_name=_("Requested by"), order_by="requested_by__username")
    declaration = tables.Column(accessor="declaration__short_title", verbose_name=_("Declaration"))
    cycle = tables.Column(accessor="cycle__name", verbose_name=_("Cycle"), default="—")
    scope = tables.TemplateColumn(
        template_name="tracking/_report_scope.html",
        verbose_name=_("Participants"),
        orderable=False,
    )
    format = tables.Column(verbose_name=_("Format"))
    language = tables.Column(
        accessor="language_name", verbose_name=_("Language"), order_by="language"
    )
    state = tables.TemplateColumn(
        template_name="tracking/_report_state.html", verbose_name=_("State")
    )
    commands = tables.TemplateColumn(
        template_name="tracking/_report_commands.html",
        verbose_name=_("Actions"),
        orderable=False,
    )

    class Meta:
        model = Report
        fields = ()
        sequence = (
            "number", "created_at", "requested_by", "declaration", "cycle", "scope", "format",
            "language", "state", "commands",
        )  # fmt: skip
        empty_text = _("No reports yet.")
        attrs = {"class": "table"}

    def render_number(self, value) -> str:
        return f"#{value}"

    def render_requested_by(self, value) -> str:
        return value.get_full_name() or value.get_username()


class EvidenceDownloadTable(LeanTable):
    caption = _("Downloads")
    at = MomentColumn(verbose_name=_("Downloaded at"))
    user = tables.Column(verbose_name=_("Downloaded by"), order_by="user__username")

    class Meta:
        model = EvidenceDownload
        fields = ()
        sequence = ("at", "user")
        empty_text = _("Nobody has downloaded it yet.")
        attrs = {"class": "table"}

    def render_user(self, value) -> str:
        return value.get_full_name() or value.get_username()


def _paragraph_numbers(paragraphs) -> str:
    return ", ".join(str(p.number) for p in paragraphs) or "—"


class NeedBoardTable(LeanTable):
    """The matching board: needs a user may see, with the published offers that fit each.

    `fitting` (need pk → offers) is set by the view for the page shown, and each need's
    `visible_matches` prefetched; `may_propose` says whether the user (the secretariat) may
    propose matches.
    """

    caption = _("Needs and the offers that fit them")
    participant = tables.Column(
        accessor="submission__participant", verbose_name=_("Participant"),
        order_by="submission__participant__name",
    )  # fmt: skip
    paragraph = tables.Column(verbose_name=_("Paragraph"), order_by="paragraph__position")
    kind = tables.Column(verbose_name=_("Kind of assistance"))
    priority = tables.Column(verbose_name=_("Priority"))
    description = tables.Column(verbose_name=_("What is needed"), orderable=False)
    matches = tables.Column(verbose_name=_("Matches"), empty_values=(), orderable=False)
    offers = tables.Column(verbose_name=_("Offers that fit"), empty_values=(), orderable=False)

    # Offers named per need; the offers list, filtered to the paragraph, shows the rest.
    OFFERS_SHOWN = 5

    class Meta:
        model = Need
        fields = ()
        sequence = (
            "participant", "paragraph", "kind", "priority", "description", "matches", "offers",
        )  # fmt: skip
        empty_text = _("No needs to show.")

    def __init__(self, *args, fitting=None, may_propose=False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fitting: dict[int, list] = fitting or {}
        self.may_propose = may_propose
        # A page names the same offers under many needs: each is written once.
        self._offer_links: dict[int, tuple[str, str]] = {}

    def render_paragraph(self, record: Need) -> str:
        return record.paragraph.label

    def render_description(self, value: str) -> str:
        return value if len(value) <= 160 else value[:160] + "…"

    def render_matches(self, record: Need) -> str:
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}</li>',
            (
                (m.get_absolute_url(), m.offer.provider, self._match_states[m.state])
                for m in record.visible_matches
            ),
        )
        return format_html("<ul>{}</ul>", items) if items else "—"

    @cached_property
    def _match_states(self) -> dict[str, str]:
        # get_state_display builds the field's choices anew at every call.
        return {value: str(label) for value, label in Match.State.choices}

    @cached_property
    def _propose_url(self) -> str:
        return reverse("tracking:match_propose")

    def _offer_link(self, offer: Offer) -> tuple[str, str]:
        """The offer's link with its provider, and the words of a link to propose it."""
        if offer.pk not in self._offer_links:
            provider = str(offer.provider)
            self._offer_links[offer.pk] = (
                format_html(
                    '<a href="{}">{}</a> ({})', offer.get_absolute_url(), offer.title, provider
                ),
                format_html(
                    "{}", gettext("Propose match with %(provider)s") % {"provider": provider}
                ),
            )
        return self._offer_links[offer.pk]

    def render_offers(self, record: Need) -> str:
        if not record.shareable:
            return format_html('<span class="muted">{}</span>', gettext("Not shared"))
        if record.submission.state != Submission.State.APPROVED:
            return format_html('<span class="muted">{}</span>', gettext("Shared once approved"))
        offers = self.fitting.get(record.pk, [])
        matched = {m.offer_id for m in record.visible_matches}
        items = []
        for offer in offers[: self.OFFERS_SHOWN]:
            link, propose_words = self._offer_link(offer)
            propose = ""
            if self.may_propose and offer.pk not in matched:
                url = f"{self._propose_url}?need={record.pk}&offer={offer.pk}"
                propose = format_html(' · <a href="{}">{}</a>', url, propose_words)
            items.append(format_html("<li>{}{}</li>", link, propose))
        if len(offers) > self.OFFERS_SHOWN:
            items.append(
                format_html(
                    '<li><a href="{}?paragraph={}&kind={}">{}</a></li>',
                    reverse("tracking:offers"),
                    record.paragraph_id,
                    record.kind,
                    gettext("All %(count)s offers") % {"count": len(offers)},
                )
            )
        if not items:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((item,) for item in items)))


class OfferTable(LeanTable):
    caption = _("Offers of technical assistance")
    title = tables.Column(verbose_name=_("Offer"), linkify=True)
    provider = tables.Column(verbose_name=_("Provider"), order_by="provider__name")
    kind = tables.Column(verbose_name=_("Kind of assistance"))
    paragraphs = tables.Column(verbose_name=_("Paragraphs"), empty_values=(), orderable=False)
    themes = tables.Column(verbose_name=_("Themes"), empty_values=(), orderable=False)
    open_to = tables.Column(verbose_name=_("Open to"), empty_values=(), orderable=False)
    state = tables.Column(verbose_name=_("State"))

    class Meta:
        model = Offer
        fields = ()
        sequence = ("title", "provider", "kind", "paragraphs", "themes", "open_to", "state")
        empty_text = _("No offers to show.")

    def render_paragraphs(self, record: Offer) -> str:
        return _paragraph_numbers(record.paragraphs.all())

    def render_themes(self, record: Offer) -> str:
        return ", ".join(theme.name for theme in record.themes.all()) or "—"

    def render_open_to(self, record: Offer) -> str:
        names = [*record.region_labels, *(str(p) for p in record.open_participants.all())]
        return ", ".join(names) or gettext("Everyone")

    def render_state(self, value: str) -> str:
        return format_html('<span class="badge">{}</span>', value)


class MatchTable(LeanTable):
    caption = _("Matches")
    number = tables.Column(accessor="pk", verbose_name=_("Match"), linkify=True)
    participant = tables.Column(
        accessor="need__submission__participant", verbose_name=_("Participant"),
        order_by="need__submission__participant__name",
    )  # fmt: skip
    paragraph = tables.Column(
        accessor="need__paragraph", verbose_name=_("Paragraph"),
        order_by="need__paragraph__position",
    )  # fmt: skip
    offer = tables.Column(verbose_name=_("Offer"), order_by="offer__title")
    provider = tables.Column(
        accessor="offer__provider", verbose_name=_("Provider"), order_by="offer__provider__name"
    )
    state = tables.Column(verbose_name=_("State"))
    updated_at = MomentColumn(verbose_name=_("Last change"))

    class Meta:
        model = Match
        fields = ()
        sequence = (
            "number", "participant", "paragraph", "offer", "provider", "state", "updated_at",
        )  # fmt: skip
        empty_text = _("No matches yet.")

    def render_number(self, value) -> str:
        return f"#{value}"

    def render_paragraph(self, value) -> str:
        return value.label

    def render_offer(self, record: Match) -> str:
        return format_html('<a href="{}">{}</a>', record.offer.get_absolute_url(), record.offer)

    def render_state(self, value: str) -> str:
        return format_html('<span class="badge">{}</span>', value)
