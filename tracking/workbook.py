"""The spreadsheet round trip for offline filing: a submission's workbook, and what an edited
one would change.

`build` writes the XLSX; `check_file` refuses what is not a workbook of reasonable size before
anything parses it; `read` takes the values out (never evaluating a formula); `compare` sets
them against the submission's records, row by row. The writes themselves are
`services.workbook_apply`, through the same services as the pages.
"""

import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import xlsxwriter
from django.conf import settings
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from declarations.models import Paragraph

from .exports import FORMULA_TRIGGERS, LONE_SURROGATE, xlsx_text
from .forms import AssessmentForm, WorkbookActionForm
from .models import Action, Assessment, Submission
from .versioning import FieldChange

FORMAT = 1
META_SHEET = "tracker"
# Checked in the ZIP directory before anything is unpacked (a zip bomb stops here).
MAX_UPLOAD_SIZE = 10 * 1024 * 1024
MAX_UNPACKED_SIZE = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 10_000

# (key, header): the columns of each sheet, in order; the first two are hidden.
RATING_COLUMNS = [
    ("number", gettext_lazy("Paragraph number")),
    ("version", gettext_lazy("Version")),
    ("label", gettext_lazy("Paragraph")),
    ("text", gettext_lazy("Text")),
    ("rating", gettext_lazy("Rating")),
    ("justification", gettext_lazy("Justification")),
]
ACTION_COLUMNS = [
    ("id", gettext_lazy("Id")),
    ("version", gettext_lazy("Version")),
    ("title", gettext_lazy("Title")),
    ("description", gettext_lazy("Description")),
    ("lead_institution", gettext_lazy("Lead institution")),
    ("partners", gettext_lazy("Partners")),
    ("paragraphs", gettext_lazy("Operative paragraphs")),
    ("start_date", gettext_lazy("Start date")),
    ("end_date", gettext_lazy("End date")),
    ("status", gettext_lazy("Status")),
    ("progress", gettext_lazy("Progress (%)")),
    ("latest_update", gettext_lazy("Latest update")),
    ("update_date", gettext_lazy("New update: date")),
    ("update_narrative", gettext_lazy("New update: narrative")),
]
# Shown for information; what is typed there is not read.
READ_ONLY = {"label", "text", "latest_update"}


class WorkbookRefused(Exception):
    """The file is not a workbook we read: nothing was read, nothing changed."""


def _sheet_name(text: str) -> str:
    """A sheet name Excel accepts: 31 characters at most, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in text).strip("' ")
    return cleaned[:31] or "Sheet"


def sheet_names() -> dict[str, str]:
    """The sheets' names in the active language."""
    return {
        "instructions": _sheet_name(_("Instructions")),
        "paragraphs": _sheet_name(_("Paragraphs")),
        "ratings": _sheet_name(_("Ratings")),
        "actions": _sheet_name(_("Actions")),
    }


def _written(text: str) -> str:
    """A text as the workbook holds it (what reading it back gives when nobody edited it)."""
    return xlsx_text(LONE_SURROGATE.sub("\ufffd", text))


def download_name(submission: Submission) -> str:
    cycle = submission.cycle
    return f"{cycle.declaration.slug}-{submission.participant.code}-{cycle.pk}-workbook.xlsx"


def _operative_paragraphs(submission: Submission) -> list[Paragraph]:
    return list(
        Paragraph.objects.operative()
        .filter(declaration_id=submission.cycle.declaration_id)
        .with_text_in()
        .order_by("position")
    )


def _actions(submission: Submission) -> list[Action]:
    """The submission's actions, each with its paragraphs' numbers (see _numbers)."""
    actions: list[Action] = list(
        Action.objects.filter(submission_id=submission.pk)
        .annotate(latest_update=Max("updates__date"))
        .order_by("pk")
    )
    # The numbers alone, in one query: a prefetch would build every paragraph with its text.
    numbers: defaultdict[int, list[int]] = defaultdict(list)
    links = Action.paragraphs.through.objects.filter(action__submission_id=submission.pk)
    for action_id, number in links.values_list("action_id", "paragraph__number"):
        numbers[action_id].append(number or 0)
    for action in actions:
        action.linked_numbers = sorted(numbers[action.pk])  # type: ignore[attr-defined]
    return actions


def _numbers(action: Action) -> str:
    return ", ".join(str(n) for n in action.linked_numbers)  # type: ignore[attr-defined]


class _Writer:
    def __init__(self, book, sheet) -> None:
        self.sheet = sheet
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        # Text that a spreadsheet would otherwise take for a formula stays text, unchanged.
        self.quoted = book.add_format({"quote_prefix": True})
        self.bold = book.add_format({"bold": True})

    def header(self, columns) -> None:
        for column, (_key, label) in enumerate(columns):
            self.sheet.write_string(0, column, str(label), self.bold)
        self.sheet.freeze_panes(1, 0)

    def write(self, row: int, values: list) -> None:
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, date):
                self.sheet.write_datetime(row, column, value, self.date)
            elif isinstance(value, int):
                self.sheet.write_number(row, column, value)
            else:
                text = _written(str(value))
                quoted = self.quoted if text.startswith(FORMULA_TRIGGERS) else None
                self.sheet.write_string(row, column, text, quoted)


def build(submission: Submission) -> bytes:
    """The submission's workbook, its headers and labels in the active language."""
    names = sheet_names()
    language = translation.get_language() or settings.LANGUAGE_CODE
    # Each label translated once, not once a row.
    ratings = {value: str(label) for value, label in Assessment.Rating.choices}
    statuses = {value: str(label) for value, label in Action.Status.choices}
    paragraphs = _operative_paragraphs(submission)
    assessments = {
        a.paragraph_id: a for a in Assessment.objects.filter(submission_id=submission.pk)
    }
    output = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(output, options)

    sheet = book.add_worksheet(names["instructions"])
    bold = book.add_format({"bold": True})
    sheet.set_column(0, 0, 110)
    lines = [
        _("%(participant)s: workbook for the %(cycle)s reporting cycle")
        % {"participant": submission.participant, "cycle": submission.cycle},
        _(
            "Downloaded %(moment)s. Upload it on the submission page, under “Workbook”, and press "
            "Preview: nothing changes until you confirm with “Apply changes”."
        )
        % {"moment": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        _(
            "“%(ratings)s”: one row per operative paragraph. Choose a rating from the list and say "
            "why; “Fully implemented”, “Not applicable” and “No information” need a "
            "justification."
        )
        % {"ratings": names["ratings"]},
        _(
            "“%(actions)s”: one row per action. Change what has changed; add a row for a new "
            "action. Paragraphs are numbers separated by commas (1, 5). Dates as 2026-03-01. "
            "Progress from 0 to 100."
        )
        % {"actions": names["actions"]},
        _(
            "To file a progress update, write its narrative (and its date, else today's) in the "
            "last columns: the action's status and progress then move as the update says."
        ),
        _(
            "Deleting a row deletes nothing. Do not change the hidden columns (id and version): "
            "they tell which record a row is, and whether someone changed it in the application "
            "since you downloaded the workbook (such rows are shown as conflicts and left as "
            "they are)."
        ),
        _("Type values, not formulas: a workbook with formulas is refused."),
    ]
    for row, line in enumerate(lines):
        sheet.write_string(row * 2, 0, _written(line), bold if row == 0 else None)

    sheet = book.add_worksheet(names["paragraphs"])
    writer = _Writer(book, sheet)
    writer.header([("label", _("Paragraph")), ("text", _("Text"))])
    sheet.set_column(1, 1, 120)
    for row, paragraph in enumerate(paragraphs, start=1):
        writer.write(row, [paragraph.label, paragraph.text_in().text])

    sheet = book.add_worksheet(names["ratings"])
    writer = _Writer(book, sheet)
    writer.header(RATING_COLUMNS)
    sheet.set_column(0, 1, None, None, {"hidden": True})
    sheet.set_column(3, 3, 60)
    sheet.set_column(4, 4, 28)
    sheet.set_column(5, 5, 60)
    for row, paragraph in enumerate(paragraphs, start=1):
        assessment = assessments.get(paragraph.pk)
        text = paragraph.text_in().text
        writer.write(
            row,
            [
                paragraph.number,
                assessment.version if assessment else 0,
                paragraph.label,
                text if len(text) <= 200 else text[:200] + "…",
                ratings[assessment.rating] if assessment else "",
                assessment.justification if assessment else "",
            ],
        )
    choose = {"validate": "list", "error_title": _("Choose from the list")}
    last = MAX_ROWS + 1
    sheet.data_validation(1, 4, last, 4, {**choose, "source": f"='{META_SHEET}'!$D$1:$D$6"})

    sheet = book.add_worksheet(names["actions"])
    writer = _Writer(book, sheet)
    writer.header(ACTION_COLUMNS)
    sheet.set_column(0, 1, None, None, {"hidden": True})
    sheet.set_column(2, 5, 40)
    sheet.set_column(6, 13, 16)
    for row, action in enumerate(_actions(submission), start=1):
        writer.write(
            row,
            [
                action.pk,
                action.version,
                action.title,
                action.description,
                action.lead_institution,
                action.partners,
                _numbers(action),
                action.start_date,
                action.end_date,
                statuses[action.status],
                action.progress,
                action.latest_update,  # type: ignore[attr-defined]
                None,
                None,
            ],
        )
    sheet.data_validation(1, 9, last, 9, {**choose, "source": f"='{META_SHEET}'!$E$1:$E$6"})
    sheet.data_validation(
        1, 10, last, 10,
        {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100,
         "error_title": _("From 0 to 100")},
    )  # fmt: skip

    meta = book.add_worksheet(META_SHEET)
    meta.very_hidden()
    for row, (key, value) in enumerate(
        [
            ("workbook", FORMAT),
            ("participant", submission.participant.code),
            ("cycle", submission.cycle_id),
            ("language", language),
            ("ratings", names["ratings"]),
            ("actions", names["actions"]),
        ]
    ):
        meta.write_string(row, 0, key)
        if isinstance(value, int):
            meta.write_number(row, 1, value)
        else:
            meta.write_string(row, 1, value)
    for row, label in enumerate(ratings.values()):
        meta.write_string(row, 3, label)
    for row, label in enumerate(statuses.values()):
        meta.write_string(row, 4, label)
    book.close()
    return output.getvalue()


# Reading


def check_size(size: int) -> None:
    if size > MAX_UPLOAD_SIZE:
        raise WorkbookRefused(
            _("The file is larger than %(limit)d MB: nothing was read.")
            % {"limit": MAX_UPLOAD_SIZE // 1024 // 1024}
        )


def check_file(data: bytes) -> None:
    """Refuses what is not an XLSX file, or would unpack to too much, before it is parsed."""
    check_size(len(data))
    not_xlsx = WorkbookRefused(
        _("This file is not an XLSX workbook. Download the workbook from this page, fill it "
          "in and upload it as it is saved (.xlsx).")
    )  # fmt: skip
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise not_xlsx
    unpacked = sum(member.file_size for member in members)
    squeezed = any(
        member.file_size > 1024 * 1024
        and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > MAX_UNPACKED_SIZE or squeezed or len(members) > 1000:
        raise WorkbookRefused(
            _("This file would unpack to more than %(limit)d MB, or is packed suspiciously "
              "tightly: it was refused unread.")
            % {"limit": MAX_UNPACKED_SIZE // 1024 // 1024}
        )  # fmt: skip


# Excel's escape of a character XML cannot hold (\r as _x000D_; a literal "_x000D_" is
# written _x005F_x000D_): openpyxl leaves it as it is in the file.
ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Value:
    """One cell as read: its value, where it is, and whether it held a formula."""

    value: Any
    ref: str
    formula: bool = False


@dataclass
class Parsed:
    """What a workbook holds: its metadata and the rows of the sheets that are read back."""

    meta: dict[str, Any]
    ratings_sheet: str
    actions_sheet: str
    ratings: list[tuple[int, dict[str, Value]]]
    actions: list[tuple[int, dict[str, Value]]]


def _rows(sheet, columns, counted: list[int]) -> list[tuple[int, dict[str, Value]]]:
    keys = [key for key, _label in columns]
    rows = []
    for counter, cells in enumerate(sheet.iter_rows(min_row=2, max_col=len(keys)), start=2):
        # Where the file says the row is (it may skip empty rows); else by counting.
        number = next((c.row for c in cells if getattr(c, "row", None)), counter)
        values = {}
        for column, (key, cell) in enumerate(zip(keys, cells, strict=False), start=1):
            value = cell.value
            if isinstance(value, str):
                value = _unescape(value) or None
            formula = getattr(cell, "data_type", None) == "f" or not isinstance(
                value, str | int | float | datetime | date | type(None)
            )
            values[key] = Value(value, f"{get_column_letter(column)}{number}", formula)
        for column, key in enumerate(keys[len(values) :], start=len(values) + 1):
            values[key] = Value(None, f"{get_column_letter(column)}{number}")
        if any(v.value is not None for k, v in values.items() if k not in READ_ONLY):
            counted[0] += 1
            if counted[0] > MAX_ROWS:
                raise WorkbookRefused(
                    _("The workbook has more than %(count)s rows: nothing was read.")
                    % {"count": f"{MAX_ROWS:,}"}
                )
            rows.append((number, values))
    return rows


def _check_headers(sheet, columns, name: str) -> None:
    found = [cell.value for cell in next(sheet.iter_rows(max_row=1, max_col=len(columns)), ())]
    for column, (_key, label) in enumerate(columns):
        value = found[column] if column < len(found) else None
        if value != str(label):
            raise WorkbookRefused(
                _("The columns of the sheet “%(sheet)s” were moved or renamed: %(cell)s should "
                  "be “%(label)s”. Download the workbook again.")
                % {"sheet": name, "cell": f"{get_column_letter(column + 1)}1", "label": label}
            )  # fmt: skip


def read(data: bytes) -> Parsed:
    """The values of a workbook downloaded from a submission page; WorkbookRefused otherwise."""
    check_file(data)
    try:
        book = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
        )
    except Exception:  # openpyxl raises many kinds on a malformed file
        raise WorkbookRefused(
            _("This file could not be read as an XLSX workbook: nothing was read.")
        ) from None
    try:
        if META_SHEET not in book.sheetnames:
            raise WorkbookRefused(
                _("This workbook was not downloaded from the tracker. Download the workbook "
                  "from this page and fill it in.")
            )  # fmt: skip
        meta = {}
        for key, value in book[META_SHEET].iter_rows(max_row=10, max_col=2, values_only=True):
            if isinstance(key, str):
                meta[key] = value
        names = (meta.get("ratings"), meta.get("actions"))
        if meta.get("workbook") != FORMAT or not all(n in book.sheetnames for n in names):
            raise WorkbookRefused(
                _("This workbook's sheets were renamed or removed. Download the workbook again.")
            )
        language = meta.get("language")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        meta["language"] = language
        counted = [0]
        with translation.override(language):
            ratings, actions = book[names[0]], book[names[1]]
            _check_headers(ratings, RATING_COLUMNS, str(names[0]))
            _check_headers(actions, ACTION_COLUMNS, str(names[1]))
            return Parsed(
                meta=meta,
                ratings_sheet=str(names[0]),
                actions_sheet=str(names[1]),
                ratings=_rows(ratings, RATING_COLUMNS, counted),
                actions=_rows(actions, ACTION_COLUMNS, counted),
            )
    except WorkbookRefused:
        raise
    except Exception:
        raise WorkbookRefused(
            _("This file could not be read as an XLSX workbook: nothing was read.")
        ) from None
    finally:
        book.close()


# Comparing


class CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _int(value: Any, reason: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(reason)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise CellError(reason)


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CellError(_("Not a date: write it as 2026-03-01.")) from None


def _choice(value: Any, choices: dict) -> str:
    """The code of a choice written as its label (in the workbook's language) or its code."""
    text = _text(value).casefold()
    for code, label in choices.items():
        if text in (str(label).casefold(), str(code).casefold()):
            return code
    raise CellError(
        _("Choose one of: %(labels)s.") % {"labels": ", ".join(map(str, choices.values()))}
    )


def _paragraph_numbers(value: Any, by_number: dict[int, Paragraph]) -> list[Paragraph]:
    text = _text(value).replace(";", ",")
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise CellError(_("Give at least one operative paragraph number."))
    chosen = []
    for part in parts:
        number = part.upper().removeprefix("OP")
        if not number.isdigit() or int(number) not in by_number:
            raise CellError(
                _("“%(value)s” is not an operative paragraph of this declaration.")
                % {"value": part}
            )
        chosen.append(by_number[int(number)])
    return chosen


class Kind:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    ERROR = "error"


KIND_LABELS = {
    Kind.NEW: gettext_lazy("New"),
    Kind.CHANGED: gettext_lazy("Changed"),
    Kind.UNCHANGED: gettext_lazy("Unchanged"),
    Kind.CONFLICT: gettext_lazy("In conflict"),
    Kind.ERROR: gettext_lazy("Error"),
}


@dataclass
class Row:
    """What one row of the workbook would do."""

    sheet: str  # "ratings" or "actions"
    sheet_name: str
    number: int
    subject: str
    kind: str = Kind.UNCHANGED
    changes: list[FieldChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    version: int = 0
    # What the services need to write it.
    record: Any = None
    paragraph: Paragraph | None = None
    # An action's own fields change (not only a progress update filed on it).
    edits: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    paragraphs: list[Paragraph] = field(default_factory=list)
    update: dict[str, Any] | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def key(self) -> str:
        return f"{self.sheet}:{self.number}"

    def describe(self) -> str:
        """The row named as the preview shows it, and what it does now."""
        return _("%(sheet)s, row %(number)s (%(subject)s): %(kind)s") % {
            "sheet": self.sheet_name,
            "number": self.number,
            "subject": self.subject,
            "kind": self.kind_label.lower(),
        }

    def fail(self, ref: str, reason: str) -> None:
        self.kind = Kind.ERROR
        self.errors.append(_("%(cell)s: %(reason)s") % {"cell": ref, "reason": reason})


@dataclass
class Plan:
    rows: list[Row]
    submission_id: int | None

    def count(self, kind: str) -> int:
        return sum(1 for row in self.rows if row.kind == kind)

    @property
    def has_errors(self) -> bool:
        return any(row.kind == Kind.ERROR for row in self.rows)

    @property
    def to_apply(self) -> list[Row]:
        return [row for row in self.rows if row.kind in (Kind.NEW, Kind.CHANGED)]

    @property
    def row_fingerprints(self) -> dict[str, str]:
        """Each row's (by `Row.key`): changes whenever what the row does would, or the version
        of the record it is compared with."""
        return {
            row.key: _digest([row.kind, getattr(row.record, "pk", None),
                              getattr(row.record, "version", None), [str(c) for c in row.changes]])
            for row in self.rows
        }  # fmt: skip

    @property
    def fingerprint(self) -> str:
        """Changes whenever the plan would: its submission, its rows and what each does."""
        return _digest([self.submission_id, list(self.row_fingerprints.items())])

    def moved_since(self, row_fingerprints: dict[str, str]) -> list[Row]:
        """The rows that do something else than in the plan those fingerprints are of."""
        now = self.row_fingerprints
        return [row for row in self.rows if row_fingerprints.get(row.key) != now[row.key]]


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()


def _formula_errors(row: Row, values: dict[str, Value]) -> None:
    for key, value in values.items():
        if value.formula and key not in READ_ONLY:
            row.fail(value.ref, _("a formula: type the value itself, formulas are not read."))


def _changes(
    labels: dict[str, str], old: dict, new: dict, choices: dict[str, dict]
) -> list[FieldChange]:
    def shown(key: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        return str(choices.get(key, {}).get(value, value))

    return [
        FieldChange(labels[key], shown(key, old.get(key)), shown(key, new[key]))
        for key in new
        if old.get(key) != new[key]
    ]


def _compare_rating(row_values, number, ctx) -> Row:
    name = ctx["parsed"].ratings_sheet
    key = row_values["number"]
    try:
        paragraph_number = _int(key.value, _("not a paragraph number."))
    except CellError as error:
        row = Row("ratings", name, number, "?")
        row.fail(key.ref, str(error))
        return row
    paragraph = ctx["paragraphs"].get(paragraph_number)
    row = Row("ratings", name, number, paragraph.label if paragraph else str(paragraph_number))
    _formula_errors(row, row_values)
    if row.errors:
        return row
    if paragraph is None:
        row.fail(key.ref, _("not an operative paragraph of this declaration."))
        return row
    if paragraph.pk in ctx["rated_rows"]:
        row.fail(key.ref, _("this paragraph already has a row above."))
        return row
    ctx["rated_rows"].add(paragraph.pk)
    existing: Assessment | None = ctx["assessments"].get(paragraph.pk)
    row.record, row.paragraph = existing, paragraph
    rating_cell, justification_cell = row_values["rating"], row_values["justification"]
    justification = _text(justification_cell.value)
    if rating_cell.value is None:
        if existing is not None:
            row.fail(rating_cell.ref, _("a rating cannot be removed: choose one."))
        elif justification:
            row.fail(rating_cell.ref, _("choose a rating for this justification."))
        return row
    try:
        rating = _choice(rating_cell.value, ctx["rating_labels"])
    except CellError as error:
        row.fail(rating_cell.ref, str(error))
        return row
    old = (
        {"rating": existing.rating, "justification": _as_read(existing.justification)}
        if existing
        else {}
    )
    new = {"rating": rating, "justification": justification}
    if old == new:
        return row
    current = existing.version if existing else 0
    if _text(row_values["version"].value or 0) != str(current):
        row.kind = Kind.CONFLICT
        return row
    if existing and old["justification"] == justification:
        justification = existing.justification  # kept exactly as it is
    form = AssessmentForm(
        {"rating": rating, "justification": justification, "version": current},
        instance=existing,
        submission=ctx["submission"],
        paragraph=paragraph,
    )
    if not form.is_valid():
        refs = {"rating": rating_cell.ref, "justification": justification_cell.ref}
        for field_name, errors in form.errors.items():
            for message in errors:
                row.fail(refs.get(field_name, rating_cell.ref), str(message))
        return row
    row.kind = Kind.CHANGED if existing else Kind.NEW
    row.version = current
    row.values = {"rating": rating, "justification": form.cleaned_data["justification"]}
    labels = {"rating": _("Rating"), "justification": _("Justification")}
    row.changes = _changes(labels, old, new, {"rating": dict(Assessment.Rating.choices)})
    return row


def _as_read(text: str) -> str:
    """A text as reading it back from its workbook gives it (openpyxl leaves Excel's escapes,
    and takes a literal "_x000D_" for one)."""
    return _text(_unescape(_written(text)))


def _unescape(text: str) -> str:
    return ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


TEXT_FIELDS = ("title", "description", "lead_institution", "partners")


def _current_action(action: Action) -> dict:
    return {
        **{key: _as_read(getattr(action, key)) for key in TEXT_FIELDS},
        "paragraphs": _numbers(action),
        "start_date": action.start_date,
        "end_date": action.end_date,
        "status": action.status,
        "progress": action.progress,
    }


def _read_action(row: Row, row_values: dict[str, Value], ctx) -> dict[str, Any]:
    """The row's values, typed; the errors of those that are not what the column wants."""
    readers = {
        "title": _text, "description": _text, "lead_institution": _text, "partners": _text,
        "paragraphs": lambda v: _paragraph_numbers(v, ctx["paragraphs"]),
        "start_date": _date, "end_date": _date,
        "status": lambda v: _choice(v, ctx["status_labels"]) if v is not None else "",
        "progress": lambda v: _int(v, _("a whole number from 0 to 100.")),
        "update_date": _date, "update_narrative": _text,
    }  # fmt: skip
    parsed: dict[str, Any] = {}
    for key, reader in readers.items():
        try:
            parsed[key] = reader(row_values[key].value)
        except CellError as error:
            row.fail(row_values[key].ref, str(error))
    return parsed


def _existing_action(row: Row, id_cell: Value, ctx) -> Action | None:
    """The action the row's id names, or None for a new one; an error when it is not one of
    this submission's (another participant's, or another cycle's) or has a row already."""
    if id_cell.value is None:
        return None
    try:
        pk = _int(id_cell.value, _("not an action id."))
    except CellError as error:
        row.fail(id_cell.ref, str(error))
        return None
    existing = ctx["actions"].get(pk)
    if existing is None:
        row.fail(id_cell.ref, _("no action of this submission has this id."))
    elif pk in ctx["action_rows"]:
        row.fail(id_cell.ref, _("this action already has a row above."))
    else:
        ctx["action_rows"].add(pk)
    return existing


def _compare_action(row_values, number, ctx) -> Row:
    row = Row("actions", ctx["parsed"].actions_sheet, number,
              _text(row_values["title"].value) or "—")  # fmt: skip
    _formula_errors(row, row_values)
    if row.errors:
        return row
    existing = row.record = _existing_action(row, row_values["id"], ctx)
    if row.errors:
        return row
    parsed = _read_action(row, row_values, ctx)
    if row.errors:
        return row
    paragraphs = parsed["paragraphs"]
    new = {
        **{key: parsed[key] for key in TEXT_FIELDS},
        "paragraphs": ", ".join(str(n) for n in sorted({p.number for p in paragraphs})),
        "start_date": parsed["start_date"],
        "end_date": parsed["end_date"],
        "status": parsed["status"],
        "progress": parsed["progress"],
    }
    old = _current_action(existing) if existing else {}
    narrative = parsed["update_narrative"]
    if existing and old == new and not narrative:
        return row
    current = existing.version if existing else 0
    if existing and _text(row_values["version"].value) != str(current):
        row.kind = Kind.CONFLICT
        return row
    data: dict[str, Any] = {key: "" if new[key] is None else new[key] for key in new}
    for key in TEXT_FIELDS:
        if existing and old[key] == new[key]:
            data[key] = getattr(existing, key)  # kept exactly as it is, even past Excel's limits
    del data["paragraphs"]
    form = WorkbookActionForm(data)
    if not form.is_valid():
        for key, errors in form.errors.items():
            ref = row_values[key].ref if key in row_values else row_values["title"].ref
            for message in errors:
                row.fail(ref, str(message))
        return row
    row.kind = Kind.CHANGED if existing else Kind.NEW
    row.version = current
    # With a progress update, status and progress move through the update alone.
    moved_by_update = ("status", "progress") if narrative else ()
    row.edits = any(old.get(key) != new[key] for key in new if key not in moved_by_update)
    row.values = form.values()
    row.paragraphs = paragraphs
    if existing:
        labels = {key: str(label) for key, label in ACTION_COLUMNS}
        row.changes = _changes(labels, old, new, {"status": dict(Action.Status.choices)})
    if narrative:
        row.update = {
            "date": parsed["update_date"] or timezone.localdate(),
            "narrative": narrative,
            "status": row.values["status"],
            "progress": row.values["progress"],
        }
        row.changes.append(FieldChange(_("New progress update"), "—", narrative))
    return row


def compare(submission: Submission, parsed: Parsed) -> Plan:
    """What applying the workbook to the submission would do, row by row. A query per changed
    row at most (the forms' checks), a handful for the rest."""
    if (
        parsed.meta.get("participant") != submission.participant.code
        or parsed.meta.get("cycle") != submission.cycle_id
    ):
        raise WorkbookRefused(
            _("This workbook belongs to another submission (%(code)s, cycle %(cycle)s). "
              "Download the workbook of this submission from this page.")
            % {"code": parsed.meta.get("participant"), "cycle": parsed.meta.get("cycle")}
        )  # fmt: skip
    paragraphs = _operative_paragraphs(submission)
    ctx: dict[str, Any] = {
        "parsed": parsed,
        "submission": submission,
        "declaration": submission.cycle.declaration,
        "paragraphs": {p.number: p for p in paragraphs},
        "assessments": {
            a.paragraph_id: a for a in Assessment.objects.filter(submission_id=submission.pk)
        },
        "actions": {a.pk: a for a in _actions(submission)},
        "rated_rows": set(),
        "action_rows": set(),
    }
    # The drop-downs' labels are in the workbook's language; messages in the page's.
    with translation.override(parsed.meta["language"]):
        ctx["rating_labels"] = {k: str(v) for k, v in Assessment.Rating.choices}
        ctx["status_labels"] = {k: str(v) for k, v in Action.Status.choices}
    rows = [_compare_rating(values, number, ctx) for number, values in parsed.ratings]
    rows += [_compare_action(values, number, ctx) for number, values in parsed.actions]
    return Plan(rows=rows, submission_id=submission.pk)
