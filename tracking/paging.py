"""A part of a page that lists records which keep growing (an action's updates, evidence,
history) shows one slice of them, with links to the older and newer slices.

No COUNT: a slice reads one row more than it shows to know whether there is an older one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware

from .versioning import timeline


@dataclass
class Slice:
    items: list
    older_url: str = ""
    newer_url: str = ""


def _url(request: HttpRequest, param: str, value: str | None, anchor: str) -> str:
    query = request.GET.copy()
    query.pop(param, None)
    if value is not None:
        query[param] = value
    return f"?{query.urlencode()}#{anchor}"


def newest(
    request: HttpRequest, queryset: QuerySet, *, param: str, per_page: int, anchor: str
) -> Slice:
    """Slice number `?<param>=` (1, the newest, by default) of the ordered `queryset`."""
    asked = request.GET.get(param, "")
    number = int(asked) if asked.isdigit() and int(asked) > 0 else 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Slice(
        items=rows[:per_page],
        older_url=_url(request, param, str(number + 1), anchor) if len(rows) > per_page else "",
        newer_url=_url(request, param, str(number - 1) if number > 2 else None, anchor)
        if number > 1
        else "",
    )


def history(
    request: HttpRequest,
    *histories: tuple[QuerySet, Callable[[Any], str]],
    per_page: int = 20,
    anchor: str = "history-heading",
) -> Slice:
    """The newest `per_page` entries of `histories` before `?history_before=` (a moment):
    a cursor rather than a page number, so an older slice costs what the newest one does."""
    try:
        before = parse_datetime(request.GET.get("history_before", ""))
    except ValueError:
        before = None
    if before is not None and not is_aware(before):
        before = None
    entries = timeline(*histories, limit=per_page + 1, before=before)
    older = entries[per_page]["date"] if len(entries) > per_page else None
    # An entry at the very moment of the cursor would be skipped: entries are microseconds apart.
    return Slice(
        items=entries[:per_page],
        older_url=_url(request, "history_before", entries[per_page - 1]["date"].isoformat(), anchor)
        if older
        else "",
        newer_url=_url(request, "history_before", None, anchor) if before else "",
    )
