"""Parts of the secretariat's pages kept in the cache until what they show changes.

The secretariat sees submitted and approved submissions only, and those are sealed: what it
sees of a cycle changes only when a submission is submitted, approved or returned, and each of
those saves the submission with its `version` one higher. So the number of a declaration's
submissions, the newest one and the sum of their versions (which only grows) change with every
such write; with what the pages name besides (the declaration, its cycles, participants and
operative paragraphs) they make the version of a cached part, read in one query.

A member of a participant also sees its drafts, whose records change without a new version:
`caches_for` leaves such users out, and their pages are built afresh.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.db import connections, router
from django.db.models import F, Func, QuerySet, Subquery
from django.utils import translation

from declarations.models import Declaration, DeclarationVersion, Paragraph, Theme

from .models import Match, Offer, Participant, ReportingCycle, Submission, User
from .permissions import participant_ids

T = TypeVar("T")

# A part lives until its key changes; the timeout only frees the memory of old keys.
CACHE_SECONDS = 24 * 60 * 60


def caches_for(user: User) -> bool:
    """Whether the user sees exactly what the secretariat sees, and may get cached parts."""
    return user.is_secretariat and not participant_ids(user)


def _total(queryset: QuerySet, function: str, field: str = "pk") -> Subquery:
    """COUNT, MAX or SUM of `field` over `queryset` as a scalar subquery (a Func, so that
    Django adds no GROUP BY)."""
    return Subquery(queryset.order_by().values(total=Func(F(field), function=function)))


# The SQL of each version's query, compiled once per process: Django takes ten times longer to
# build and compile its dozen subqueries than the database takes to answer them.
_SQL: dict[tuple, tuple[str, tuple]] = {}


def compiled_rows(key: tuple, query: Callable[[], QuerySet]) -> list[tuple]:
    """The rows of `query()` (a `values_list`, plain columns), whose SQL is built on the first
    call with this key only: `key` names everything the SQL depends on."""
    alias = router.db_for_read(Declaration)
    if (alias, *key) not in _SQL:
        _SQL[alias, *key] = query().query.get_compiler(alias).as_sql()
    sql, params = _SQL[alias, *key]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _first_row(key: tuple, query: Callable[[], QuerySet]) -> tuple | None:
    """The first row of `query()`, whose SQL is built on the first call with this key only."""
    rows = compiled_rows(key, lambda: query()[:1])
    return rows[0] if rows else None


def declaration_version(declaration_id: int | None = None) -> str:
    """What the secretariat's pages show of the declaration's cycles (of every declaration's,
    without one), as a string that changes whenever any of it does: one query of index
    lookups and small tables, whatever the number of records."""
    row = _first_row(("declaration", declaration_id), lambda: _totals(declaration_id))
    return "|".join(map(str, row or ()))


def _totals(declaration_id: int | None, *also: Subquery) -> QuerySet:
    """The totals `declaration_version` is made of, and `also`, as one row."""
    declarations = Declaration.objects.all()
    submissions = Submission.objects.all()
    cycles = ReportingCycle.history.all()
    members = Participant.declarations.through.objects.all()
    paragraphs = Paragraph.objects.operative()
    if declaration_id is not None:
        declarations = declarations.filter(pk=declaration_id)
        submissions = submissions.filter(cycle__declaration_id=declaration_id)
        cycles = cycles.filter(declaration_id=declaration_id)
        members = members.filter(declaration_id=declaration_id)
        paragraphs = paragraphs.filter(declaration_id=declaration_id)
    # From any one declaration's row (none: nothing to show, and the first one makes a row).
    return Declaration.objects.values_list(
        _total(declarations, "MAX", "updated_at"),
        _total(submissions, "COUNT"),
        _total(submissions, "MAX"),
        _total(submissions, "SUM", "version"),
        # Every change of a cycle (name, dates, state, scope) is in its history.
        _total(cycles, "MAX", "history_id"),
        _total(members, "COUNT"),
        _total(members, "MAX"),
        _total(Participant.history.all(), "MAX", "history_id"),
        _total(paragraphs, "COUNT"),
        _total(paragraphs, "MAX"),
        *_themes_and_edits(),
        *also,
    ).order_by("pk")


def assistance_version() -> str:
    """What the secretariat's pages of technical assistance show, as `declaration_version` (needs
    are part of the sealed records) with the offers and matches, which change without a
    submission: every write of one (`tracking.assistance`, behind the pages and the API) saves
    it, and so adds a row to its history, in the transaction that sets an offer's paragraphs,
    themes and participants. One query."""
    row = _first_row(
        ("assistance",),
        lambda: _totals(
            None,
            _total(Offer.objects.all(), "COUNT"),
            _total(Offer.history.all(), "MAX", "history_id"),
            _total(Match.objects.all(), "COUNT"),
            _total(Match.history.all(), "MAX", "history_id"),
        ),
    )
    return "|".join(map(str, row or ()))


def text_version(declaration: Any) -> list[Subquery]:
    """What a declaration's pages show of its text, the same for every user, as values to
    read beside its row (`declaration` is an OuterRef to it), with its `updated_at`: an import
    that changes any of its text changes its source text, so saves the row. Besides, its
    language versions, the themes and their paragraphs, and what the admin changes (sections,
    paragraphs' verbs, themes and references, references' names: every change is logged)."""
    versions = DeclarationVersion.objects.filter(declaration=declaration)
    return [
        _total(versions, "COUNT"),
        _total(versions, "MAX", "updated_at"),
        *_themes_and_edits(),
    ]


def _themes_and_edits() -> list[Subquery]:
    """The themes (the lists filter by them, the pages name them) and their paragraphs (the
    links' ids only grow, so their count and newest change with every link added or removed),
    and the admin's changes to declarations, their sections, paragraphs, themes, references and
    versions (each is logged, and the newest one's id grows with every change)."""
    links = Paragraph.themes.through.objects.all()
    edits = LogEntry.objects.filter(content_type__app_label=Declaration._meta.app_label)
    return [
        _total(Theme.objects.all(), "COUNT"),
        _total(Theme.objects.all(), "MAX", "updated_at"),
        _total(links, "COUNT"),
        _total(links, "MAX"),
        _total(edits, "MAX"),
    ]


def names_of(user_ids: list[int]) -> list[tuple]:
    """The current names of these users, for the key of a part that names them: a renamed
    user makes a new key. One query; none for nobody."""
    if not user_ids:
        return []
    return list(
        User.objects.filter(pk__in=user_ids)
        .order_by("pk")
        .values_list("pk", "first_name", "last_name", "username")
    )


def cached(name: str, version: str, build: Callable[[], T]) -> T:
    """`build()`, kept in the cache under `name` for this version and the active language."""
    raw = f"{name}|{version}|{translation.get_language()}"
    key = "secretariat:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value
