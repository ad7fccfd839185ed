"""A part of a page that lists records which keep growing (an action's updates, evidence,
history) shows one slice of them, with links to the older and newer slices.

No COUNT: a slice reads one row more than it shows to know whether there is an older one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware
from django.utils.translation import get_language

from .versioning import described, timeline

# What is kept of sealed records lives until its key changes; the timeout frees old keys.
KEPT_SECONDS = 24 * 60 * 60


@dataclass
class Slice:
    items: list
    older_url: str = ""
    newer_url: str = ""

    @property
    def is_newest(self) -> bool:
        return not self.newer_url


def _url(request: HttpRequest, param: str, value: str | None, anchor: str) -> str:
    query = request.GET.copy()
    query.pop(param, None)
    if value is not None:
        query[param] = value
    return f"?{query.urlencode()}#{anchor}"


def newest(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    param: str,
    per_page: int,
    anchor: str,
    kept: str = "",
) -> Slice:
    """Slice number `?<param>=` (1, the newest, by default) of the ordered `queryset`.

    With `kept`, a name that every change to these rows moves (a sealed submission's `seal`
    and who reads), the slice's rows are kept in the cache under it.
    """
    asked = request.GET.get(param, "")
    number = int(asked) if asked.isdigit() and int(asked) > 0 else 1
    start = (number - 1) * per_page
    key = f"newest:{kept}:{param}:{number}" if kept else ""
    rows = cache.get(key) if key else None
    if rows is None:
        rows = list(queryset[start : start + per_page + 1])
        if key:
            cache.set(key, rows, KEPT_SECONDS)
    return Slice(
        items=rows[:per_page],
        older_url=_url(request, param, str(number + 1), anchor) if len(rows) > per_page else "",
        newer_url=_url(request, param, str(number - 1) if number > 2 else None, anchor)
        if number > 1
        else "",
    )


def history(
    request: HttpRequest,
    *histories: tuple[Callable[[], QuerySet], Callable[[Any], str]],
    per_page: int = 20,
    anchor: str = "history-heading",
    kept: str = "",
) -> Slice:
    """The newest `per_page` entries of `histories` before `?history_before=` (a moment):
    a cursor rather than a page number, so an older slice costs what the newest one does.
    Each history is (a function that builds its queryset, describe): built only when the
    slice is not kept.

    With `kept`, a name that every change to these records moves (a sealed submission's
    `seal` and who reads), the newest slice is kept in the cache under it and the language,
    unlabelled: the users and the objects its changes point to are read on each view, so
    they show as they are now.
    """
    try:
        before = parse_datetime(request.GET.get("history_before", ""))
    except ValueError:
        before = None
    if before is not None and not is_aware(before):
        before = None
    key = f"history:{kept}:{get_language()}" if kept and before is None else ""
    found = cache.get(key) if key else None
    if found is not None:
        entries, more = found
    else:
        built = [(queryset(), describe) for queryset, describe in histories]
        entries = timeline(*built, limit=per_page + 1, before=before)
        more = len(entries) > per_page
        entries = entries[:per_page]
        if key:
            unlabelled = [
                {name: value for name, value in entry.items() if name not in ("record", "user")}
                for entry in entries
            ]
            cache.set(key, (unlabelled, more), KEPT_SECONDS)
    # An entry at the very moment of the cursor would be skipped: entries are microseconds apart.
    return Slice(
        items=described(entries),
        older_url=_url(request, "history_before", entries[-1]["date"].isoformat(), anchor)
        if more
        else "",
        newer_url=_url(request, "history_before", None, anchor) if before else "",
    )
