"""Ids as the database holds them: up to 18 digits, below 2**63 (the largest integer of SQLite
and of PostgreSQL's bigint). A longer number names no record, so it is answered as one: not
found in a path, not a choice in a form, where SQLite would fail to even compare it."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls.converters import IntConverter

MAX_DIGITS = 18


class IdConverter(IntConverter):
    """`<id:pk>`: Django's `<int:pk>`, but a number too long for an id does not match."""

    regex = f"[0-9]{{1,{MAX_DIGITS}}}"


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing a number too long for an id before it is looked up."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            text = str(pk)
            if text.isascii() and text.isdigit() and len(text) > MAX_DIGITS:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)
