"""Cell values for spreadsheets and CSV files that people open in Excel or LibreOffice, and
the actions list's downloads: their rows, and the version under which a file is kept."""

import datetime
import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Func, Max, QuerySet, Subquery, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from declarations.models import Paragraph

from .models import Action, Participant, ReportingCycle, Submission, User
from .permissions import participant_ids

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Halves of a UTF-16 pair that lost its other half: no file encoding can hold one alone.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Excel's limit for one cell, counted in UTF-16 units as Excel and XlsxWriter count it.
XLSX_MAX_UNITS = 32_767


def neutralise(value: str) -> str:
    """Prefix a quote so that a spreadsheet shows the text instead of running it."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _non_finite(value: float | Decimal) -> str | None:
    """ "NaN", "Infinity" or "-Infinity" for a number no spreadsheet cell can hold, else None."""
    if isinstance(value, Decimal):
        if value.is_finite():
            return None
        if value.is_nan():
            return "NaN"
    elif math.isfinite(value):
        return None
    elif math.isnan(value):
        return "NaN"
    return "-Infinity" if value < 0 else "Infinity"


def cell(value: object) -> str | int | float | Decimal:
    """A safe cell: numbers stay numbers, dates become ISO text, text is neutralised.

    A number that is not finite becomes its name as text; a lone surrogate, which no file can
    encode, becomes U+FFFD (the replacement character).
    """
    if type(value) is str:  # most cells: one test, not six
        return neutralise(LONE_SURROGATE.sub("\ufffd", value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        name = _non_finite(value)
        return value if name is None else neutralise(name)
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(LONE_SURROGATE.sub("\ufffd", str(value)))


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def xlsx_text(text: str) -> str:
    """Text that XlsxWriter stores as the cell shows it, for a text already `cell()`-safe.

    XlsxWriter escapes control characters, U+FFFE/U+FFFF and literal `_xHHHH_` itself (Excel's
    `_xHHHH_` escape). Two of its rules would lose text silently: a text over 32,767 units is
    cut without a word, so the cut is said in the cell; and in constant_memory mode a text
    that starts with "<r>" and ends with "</r>" is written as raw XML, which breaks the file,
    so it is quoted as a formula would be.
    """
    if text.startswith("<r>") and text.endswith("</r>"):
        text = "'" + text
    if len(text) > XLSX_MAX_UNITS // 2 and _utf16_units(text) > XLSX_MAX_UNITS:
        note = _(" […cut: a cell holds at most 32,767 characters]")
        room = XLSX_MAX_UNITS - _utf16_units(note)
        kept, units = [], 0
        for char in text:
            units += 2 if ord(char) > 0xFFFF else 1
            if units > room:
                break
            kept.append(char)
        text = "".join(kept) + note
    return text


class XlsxRows:
    """Writes rows into an XlsxWriter sheet: dates as dates, numbers as numbers, text as text."""

    def __init__(self, workbook, sheet) -> None:
        self.sheet = sheet
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def write(self, row: int, values: Iterable) -> None:
        for column, value in enumerate(values):
            self._write(row, column, value)

    def _write(self, row: int, column: int, value: object) -> None:
        if value is None or value == "":
            return  # a blank cell
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                # Excel has no time zones: the time as the site shows it.
                value = timezone.localtime(value).replace(tzinfo=None)
            self.sheet.write_datetime(row, column, value, self.datetime)
        elif isinstance(value, datetime.date):
            self.sheet.write_datetime(row, column, value, self.date)
        else:
            value = cell(value)
            if isinstance(value, str):
                self.sheet.write_string(row, column, xlsx_text(value))
            else:
                self.sheet.write_number(row, column, float(value))


# What a row of the actions download shows, read as tuples: no model instance per row.
ACTION_COLUMNS = (
    "pk", "participant_id", "participant__code", "participant__name", "participant__kind",
    "submission__cycle__name", "title", "lead_institution", "partners", "status", "progress",
    "start_date", "end_date", "updated_at",
)  # fmt: skip


def _paragraph_labels(action_ids: list[int]) -> dict[int, str]:
    """'OP12, OP13' for each of the actions that has paragraphs, in the paragraphs' order."""
    labels: dict[tuple, str] = {}
    linked = defaultdict(list)
    # By a list of ids, as prefetch_related does: PostgreSQL reads the links of a subquery's
    # actions by scanning every link of every action.
    for start in range(0, len(action_ids), 2000):
        through = Action.paragraphs.through.objects.filter(
            action_id__in=action_ids[start : start + 2000]
        )
        # Paragraph's own order (`Meta.ordering`), as `action.paragraphs.all()` gives them.
        rows = through.order_by("paragraph__declaration", "paragraph__position")
        for action_id, number, verb in rows.values_list(
            "action_id", "paragraph__number", "paragraph__verb"
        ):
            label = labels.get((number, verb))
            if label is None:
                label = labels[number, verb] = Paragraph(number=number, verb=verb).label
            linked[action_id].append(label)
    return {action_id: ", ".join(names) for action_id, names in linked.items()}


def action_rows(actions: QuerySet) -> Iterator[list]:
    """One row per action by id, as plain values: each format makes its own cells. The names
    in the active language are looked up once each, not once a row."""
    rows = list(actions.prefetch_related(None).order_by("pk").values_list(*ACTION_COLUMNS))
    paragraphs = _paragraph_labels([row[0] for row in rows])
    statuses = {code: str(label) for code, label in Action.Status.choices}
    names: dict[int, str] = {}
    for row in rows:
        pk, participant, code, name, kind, cycle, title, lead, partners, status = row[:10]
        shown = names.get(participant)
        if shown is None:
            shown = names[participant] = Participant(code=code, name=name, kind=kind).display_name
        linked, label = paragraphs.get(pk, ""), statuses.get(status, status)
        # ... progress, start date, end date, last change
        yield [pk, code, shown, cycle, title, lead, partners, linked, label, *row[10:]]


def _total(queryset: QuerySet, function: str, field: str = "pk") -> Subquery:
    """COUNT, MAX or SUM of `field` over `queryset` as a scalar subquery."""
    return Subquery(queryset.order_by().values(total=Func(F(field), function=function)))


def actions_version(actions: QuerySet, limit: int) -> str | None:
    """What a download of `actions` would hold, as a string that changes whenever any of its
    cells would; None when more than `limit` actions match. Two queries: the actions' own (at
    most `limit` + 1 rows), and index lookups for the records their rows name.

    Every write of an action saves it (a new `updated_at`, and from the services a new
    version); a new action has the highest id, a deleted one lowers the count. Which actions
    the secretariat sees changes with a submission's state, which bumps its version.
    Participants and cycles keep a history of every change; paragraphs and theme links are
    added or deleted, not changed in place.
    """
    window = actions.prefetch_related(None).order_by()[: limit + 1]
    own = window.aggregate(
        count=Count("pk"), last=Max("pk"), versions=Sum("version"), changed=Max("updated_at")
    )
    if own["count"] > limit:
        return None
    submissions = Submission.objects.all()
    themes = Paragraph.themes.through.objects.all()
    others = (
        Participant.objects.order_by()
        .values_list(
            _total(submissions, "COUNT"),
            _total(submissions, "MAX"),
            _total(submissions, "SUM", "version"),
            _total(Participant.history.all(), "MAX", "history_id"),
            _total(ReportingCycle.history.all(), "MAX", "history_id"),
            _total(Paragraph.objects.all(), "COUNT"),
            _total(Paragraph.objects.all(), "MAX"),
            _total(themes, "COUNT"),
            _total(themes, "MAX"),
        )
        .first()
    )
    return "|".join(map(str, [*own.values(), *(others or ())]))


def download_key(user: User, kind: str, filters: dict, version: str) -> str:
    """The cache key (and ETag) of a download: what the user may see, the filters, the
    language and time zone the cells are written in, and the version of the rows."""
    chosen = sorted((name, str(getattr(value, "pk", value))) for name, value in filters.items())
    scope = (user.is_secretariat, sorted(participant_ids(user)))
    written = (translation.get_language(), timezone.get_current_timezone_name())
    # The release (its catalogs) that writes the cells: the key prefix, if any, which the
    # cache adds itself but the ETag must hold too.
    release = settings.CACHES["default"].get("KEY_PREFIX", "")
    raw = f"{kind}|{scope}|{chosen}|{written}|{release}|{version}"
    return "actions-download:" + hashlib.sha256(raw.encode()).hexdigest()
