"""Optimistic concurrency and readable audit trails, for every model with a `version` column
and a django-simple-history `history`.

A form carries the version it was loaded with. Saving locks the row, compares versions and
refuses when someone saved in between, naming what they changed, from the audit history.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from .templatetags.tracking_tags import day, moment

if TYPE_CHECKING:
    from .models import Action, Assessment, Match, Need, Offer, ProgressUpdate, Submission

# The models with a `version` column and a `history`.
Versioned = TypeVar(
    "Versioned", bound="Action | Assessment | ProgressUpdate | Submission | Need | Offer | Match"
)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str

    def __str__(self) -> str:
        # Translators: a field changed from the old value to the new one; in a language
        # written right to left the arrow points the other way: "←".
        return _("%(label)s: %(old)s → %(new)s") % {
            "label": self.label,
            "old": self.old,
            "new": self.new,
        }


# (field, old value, new value) as the history stores them: foreign keys as ids.
RawChange = tuple[models.Field, Any, Any]


def _raw_changes(new_record, old_record, excluded: tuple[str, ...]) -> list[RawChange]:
    delta = new_record.diff_against(old_record, excluded_fields=excluded)
    model = new_record.instance_type
    return [
        (model._meta.get_field(change.field), change.old, change.new) for change in delta.changes
    ]


def _label(obj: models.Model) -> str:
    if hasattr(obj, "get_full_name") and hasattr(obj, "get_username"):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _related_model(field: models.Field) -> type[models.Model]:
    """The model a foreign key points to: always a class once the models are loaded."""
    return cast(type[models.Model], field.related_model)


def _related_labels(
    changes: Iterable[RawChange], also: dict[type[models.Model], set[Any]] | None = None
) -> dict[tuple[type, Any], str]:
    """The labels of the objects the foreign keys in `changes` point to, and of the objects
    `also` names: one query per model, whatever the number of changes. `select_related()`
    joins what their `__str__` reads."""
    ids: defaultdict[type[models.Model], set[Any]] = defaultdict(set)
    for model, pks in (also or {}).items():
        ids[model].update(pks)
    for field, old, new in changes:
        if field.many_to_one or field.one_to_one:
            ids[_related_model(field)].update(value for value in (old, new) if value is not None)
    labels = {}
    for model, pks in ids.items():
        for pk, obj in model._default_manager.select_related().in_bulk(pks).items():
            labels[model, pk] = _label(obj)
    return labels


def _display(field: models.Field, value: Any, labels: dict[tuple[type, Any], str]) -> str:
    if value in (None, ""):
        return "—"
    if field.many_to_one or field.one_to_one:
        return labels.get((_related_model(field), value), _("#%(id)s (deleted)") % {"id": value})
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    return str(value)


def _described(changes: list[RawChange], labels: dict[tuple[type, Any], str]) -> list:
    return [
        FieldChange(
            str(field.verbose_name).capitalize(),
            _display(field, old, labels),
            _display(field, new, labels),
        )
        for field, old, new in changes
    ]


def field_changes(new_record, old_record, excluded: tuple[str, ...] = ("version",)) -> list:
    """What differs between two historical records, with labels and display values.

    Foreign keys show their object's label, read with one query per related model.
    """
    changes = _raw_changes(new_record, old_record, excluded)
    return _described(changes, _related_labels(changes))


def history_entries(records: list) -> list[dict]:
    """Consecutive historical records (newest first) as entries: who, when, which changes.

    The changes are raw (foreign keys as ids); `described` labels them all at once.
    """
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        entries.append(
            {
                "record": newer,
                "user": newer.history_user,
                "user_id": newer.history_user_id,
                "date": newer.history_date,
                "type": newer.get_history_type_display(),
                "changes": _raw_changes(newer, older, ("version",)) if older is not None else [],
            }
        )
    return entries


def _newest(queryset: models.QuerySet, limit: int, before: datetime | None) -> list:
    """The `limit` newest records of `queryset` (older than `before`), each with the record
    before it of the same object as `record.previous` (None for the first one): one query.

    The records before come in the same query, whatever their age or their number.
    """
    model = queryset.model
    if before is not None:
        queryset = queryset.filter(history_date__lt=before)
    newest = queryset.order_by("-history_date", "-history_id").values("history_id")[:limit]
    at = OuterRef("history_date")
    earlier = model._default_manager.filter(
        Q(history_date__lt=at) | Q(history_date=at, history_id__lt=OuterRef("history_id")),
        id=OuterRef("id"),
    )
    previous = Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1])
    records = list(
        model._default_manager.filter(
            Q(history_id__in=newest)
            | Q(
                history_id__in=model._default_manager.filter(history_id__in=newest)
                .annotate(previous=previous)
                .values("previous")
            )
        )
        .annotate(
            previous_id=previous,
            shown=ExpressionWrapper(Q(history_id__in=newest), output_field=BooleanField()),
        )
        .select_related("history_user")
    )
    by_id = {record.history_id: record for record in records}
    shown = [record for record in records if record.shown]
    for record in shown:
        record.previous = by_id.get(record.previous_id)
    return shown


def timeline(
    *histories: tuple[models.QuerySet, Callable[[Any], str]],
    limit: int | None = None,
    before: datetime | None = None,
) -> list[dict]:
    """The entries of several records' histories, newest first, each naming its subject.

    `histories` are (historical queryset, describe) pairs: one query each, whatever the number
    of records, so a page's query count stays constant. With `limit`, only the `limit` newest
    entries (older than `before`) are read and returned, so the cost does not grow with the
    history either. The changes are raw: `described` labels them.
    """
    entries = []
    for queryset, describe in histories:
        if limit is not None:
            for record in _newest(queryset, limit, before):
                older = record.previous
                entries.append(
                    {
                        "record": record,
                        "user": record.history_user,
                        "user_id": record.history_user_id,
                        "date": record.history_date,
                        "type": record.get_history_type_display(),
                        "changes": _raw_changes(record, older, ("version",)) if older else [],
                        "subject": describe(record),
                    }
                )
            continue
        by_record = defaultdict(list)
        ordered = queryset.select_related("history_user").order_by("-history_date", "-history_id")
        for record in ordered:
            by_record[record.id].append(record)
        for records in by_record.values():
            for entry in history_entries(records):
                entries.append({**entry, "subject": describe(entry["record"])})
    entries.sort(key=lambda entry: entry["date"], reverse=True)
    if limit is not None:
        entries = entries[:limit]
    return entries


def described(entries: list[dict]) -> list[dict]:
    """`timeline` entries with their changes labelled and `who` made them (empty for the
    system): one query per model that a changed foreign key points to. An entry without its
    `user` (one kept in a cache) has its user read with the others of that model, so names
    are always the current ones."""
    user_model = get_user_model()
    loaded = {entry["user_id"]: entry["user"] for entry in entries if entry.get("user")}
    unloaded = {
        entry["user_id"]
        for entry in entries
        if entry["user_id"] is not None and entry["user_id"] not in loaded
    }
    changes = (change for entry in entries for change in entry["changes"])
    labels = _related_labels(changes, also={user_model: unloaded})
    for pk, user in loaded.items():
        labels[user_model, pk] = _label(user)
    return [
        {
            **entry,
            "changes": _described(entry["changes"], labels),
            "who": labels.get((user_model, entry["user_id"]), "") if entry["user_id"] else "",
        }
        for entry in entries
    ]


class EditConflict(Exception):
    """Someone saved the record after the form was loaded; nothing was written."""

    def __init__(
        self,
        current: "Action | Assessment | ProgressUpdate | Submission | Need | Offer | Match",
        changes: list[FieldChange],
    ):
        self.current = current
        self.changes = changes
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if not self.changes:
            return _("Someone else saved this record after you opened it. Nothing was saved.")
        return _(
            "Someone else saved this record after you opened it, so nothing was saved. "
            "They changed: %(changes)s. Check the form and save again to replace their values."
        ) % {"changes": "; ".join(str(change) for change in self.changes)}


def changes_since(instance: Versioned, version: int) -> list[FieldChange]:
    """What changed in `instance` since it was at `version`, read from its audit history."""
    history = instance.history.order_by("-history_date", "-history_id")
    then = history.filter(version=version).first()
    now = history.first()
    if then is None or now is None or then.pk == now.pk:
        return []
    return field_changes(now, then)


def lock_and_check(queryset: models.QuerySet[Versioned], *, pk: int, version: int) -> Versioned:
    """The row with `pk`, locked until the transaction ends; EditConflict if its version moved.

    Call inside transaction.atomic.
    """
    current = queryset.select_for_update().get(pk=pk)
    if current.version != version:
        raise EditConflict(current, changes_since(current, version))
    return current


def save_new_version(instance: Versioned, values: dict[str, Any]) -> Versioned:
    """Set `values`, bump the version and save only those columns (and auto_now ones)."""
    for name, value in values.items():
        setattr(instance, name, value)
    instance.version += 1
    auto_now = [
        field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)
    ]
    instance.save(update_fields=[*values, "version", *auto_now])
    return instance


def save_versioned(
    queryset: models.QuerySet[Versioned], *, pk: int, version: int, values: dict[str, Any]
) -> Versioned:
    """Lock, check the version and save `values` with version + 1; EditConflict otherwise."""
    with transaction.atomic():
        return save_new_version(lock_and_check(queryset, pk=pk, version=version), values)
