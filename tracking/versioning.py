"""Optimistic concurrency and readable audit trails, for every model with a `version` column
and a django-simple-history `history`.

A form carries the version it was loaded with. Saving locks the row, compares versions and
refuses when someone saved in between, naming what they changed, from the audit history.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


def _display(field: models.Field, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def field_changes(new_record, old_record, excluded: tuple[str, ...] = ("version",)) -> list:
    """What differs between two historical records, with labels and display values.

    Foreign keys compare as ids (no queries); the fields users edit are plain values.
    """
    delta = new_record.diff_against(old_record, excluded_fields=excluded)
    model = new_record.instance_type
    changes = []
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        changes.append(
            FieldChange(
                str(field.verbose_name).capitalize(),
                _display(field, change.old),
                _display(field, change.new),
            )
        )
    return changes


def history_entries(records: list) -> list[dict]:
    """Consecutive historical records (newest first) as entries: who, when, which changes."""
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        entries.append(
            {
                "record": newer,
                "user": newer.history_user,
                "date": newer.history_date,
                "type": newer.get_history_type_display(),
                "changes": field_changes(newer, older) if older is not None else [],
            }
        )
    return entries


def timeline(*histories: tuple[models.QuerySet, Callable[[Any], str]]) -> list[dict]:
    """The entries of several records' histories, newest first, each naming its subject.

    `histories` are (historical queryset, describe) pairs: one query each, whatever the number
    of records, so a page's query count stays constant.
    """
    entries = []
    for queryset, describe in histories:
        by_record = defaultdict(list)
        ordered = queryset.select_related("history_user").order_by("-history_date", "-history_id")
        for record in ordered:
            by_record[record.id].append(record)
        for records in by_record.values():
            for entry in history_entries(records):
                entries.append({**entry, "subject": describe(entry["record"])})
    entries.sort(key=lambda entry: entry["date"], reverse=True)
    return entries


class EditConflict(Exception):
    """Someone saved the record after the form was loaded; nothing was written."""

    def __init__(self, current: models.Model, changes: list[FieldChange]):
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


def changes_since(instance: models.Model, version: int) -> list[FieldChange]:
    """What changed in `instance` since it was at `version`, read from its audit history."""
    history = instance.history.order_by("-history_date", "-history_id")
    then = history.filter(version=version).first()
    now = history.first()
    if then is None or now is None or then.pk == now.pk:
        return []
    return field_changes(now, then)


def lock_and_check(queryset: models.QuerySet, *, pk: int, version: int) -> models.Model:
    """The row with `pk`, locked until the transaction ends; EditConflict if its version moved.

    Call inside transaction.atomic.
    """
    current = queryset.select_for_update().get(pk=pk)
    if current.version != version:
        raise EditConflict(current, changes_since(current, version))
    return current


def save_new_version(instance: models.Model, values: dict[str, Any]) -> models.Model:
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
    queryset: models.QuerySet, *, pk: int, version: int, values: dict[str, Any]
) -> models.Model:
    """Lock, check the version and save `values` with version + 1; EditConflict otherwise."""
    with transaction.atomic():
        return save_new_version(lock_and_check(queryset, pk=pk, version=version), values)
