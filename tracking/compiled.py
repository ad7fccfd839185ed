"""Queries whose SQL is compiled once per process, then run with new ids each time: Django takes
longer to build and compile a query of subqueries than the database takes to answer it.

A query is built once with a stand-in for each id it takes, and each call runs that SQL with
the ids in the stand-ins' places. Whatever else it is built from goes into its key; nothing it
is built from may change with the time (a date of today would be kept).

Rows come as the database driver gives them, without Django's conversions: ints and strings
as Python reads them; a boolean is 0 or 1 on SQLite, a date is text there. Fit for what is
counted, named or only compared, as the cached parts' versions are.

The SQL is kept per process, one entry per key: keys by number of ids, not by the ids, keep
that bounded.
"""

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet

# None: a query that can have no row (Django compiles none), say for a user who sees nothing.
_SQL: dict[tuple, tuple[str, tuple, dict[int, int]] | None] = {}

# Stand-ins no id takes (ids are positive): the n-th id of a query is STAND_IN - n.
STAND_IN = -1_000_000_000


def rows(model: type[Model], key: tuple, query: Callable[..., QuerySet], *ids: int) -> list[tuple]:
    """The rows of `query(*ids)`, a `values_list` of `model` whose columns the database gives
    as Python reads them (ints, strings), its SQL built on the first call with this key only."""
    alias = router.db_for_read(model)
    if (alias, *key) not in _SQL:
        stand_ins = [STAND_IN - n for n in range(len(ids))]
        try:
            sql, params = query(*stand_ins).query.get_compiler(alias).as_sql()
        except EmptyResultSet:
            _SQL[alias, *key] = None
            return []
        # Where each stand-in went: in params, or nowhere (then the SQL would not change).
        places = {at: stand_ins.index(p) for at, p in enumerate(params) if p in stand_ins}
        if set(places.values()) != set(range(len(ids))):
            raise ValueError(f"{key}: an id is not a parameter of the query")
        _SQL[alias, *key] = sql, tuple(params), places
    compiled = _SQL[alias, *key]
    if compiled is None:
        return []
    sql, params, places = compiled
    values = [ids[places[at]] if at in places else p for at, p in enumerate(params)]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def first_row(model: type[Model], key: tuple, query: Callable[..., QuerySet], *ids: int):
    """The first row of `query(*ids)`, as `rows` reads them, or None."""
    found = rows(model, key, lambda *given: query(*given)[:1], *ids)
    return found[0] if found else None
