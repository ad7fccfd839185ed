"""What writing a list's rows costs, by django-tables2 and by the alternatives, on real pages.

    SECRET_KEY=<32+ characters> ALLOWED_HOSTS=127.0.0.1 PLAIN_STATIC=1 \
        DATABASE_URL=postgres://... .venv/bin/python benchmarks/tables.py [--runs 30]

For each hot list (the actions list sorted and filtered, completeness, reports, cycles,
declarations) it fetches the page once with the test client, takes the configured table from
the response (its rows are already loaded: what follows costs no query) and times writing the
`<tbody>` rows in four ways, each `--runs` times (median):

- tables2: the loop `tables/table.html` had (`row.items`, `column.attrs.td` per cell);
- lean template: django-tables2's cells (`{% for cell in row %}`), no per-cell attributes;
- plain template: a template loop over cells LeanTable computed (the template's own cost);
- LeanTable: `body_html`, the rows written in Python (what the pages use).

Then it times the whole page (median) with LeanTable and with the tables2 loop put back, and
prints both. The submission page's ratings table is a plain template of 16 rows, without
django-tables2: it is timed whole, for reference. It only reads, apart from one session per
user, removed at the end. Prints figures; asserts nothing.
"""

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import translation  # noqa: E402

from benchmarks.sessions import end_sessions, verified_client  # noqa: E402
from tracking.models import Participant, ReportingCycle  # noqa: E402
from tracking.tables import LeanTable  # noqa: E402

VARIANTS = {
    "tables2": engines["django"].from_string(
        "{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
        "{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }}>{{ cell }}</td>"
        "{% endfor %}</tr>{% endfor %}"
    ),
    "lean template": engines["django"].from_string(
        "{% for row in table.paginated_rows %}<tr class=\"{% cycle 'even' 'odd' %}\">"
        "{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
    ),
    "plain template": engines["django"].from_string(
        "{% for row in rows %}<tr class=\"{% cycle 'even' 'odd' %}\">"
        "{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
    ),
}


def _plain_rows(table: LeanTable) -> list[list[str]]:
    cells = [table._cell(column) for column in table.columns]
    return [[cell(row) for cell in cells] for row in table.paginated_rows]


def render_ms(table: LeanTable, variants: list[str], runs: int) -> list[float]:
    """Median ms of each way, the ways taken in turn within each run (a change in the
    machine's load falls on all alike)."""
    times: dict[str, list[float]] = {variant: [] for variant in variants}
    for _ in range(runs):
        for variant in variants:
            table._counter = itertools.count()
            started = time.perf_counter()
            if variant == "LeanTable":
                table.body_html()
            elif variant == "plain template":
                VARIANTS[variant].render({"rows": _plain_rows(table)})
            else:
                VARIANTS[variant].render({"table": table})
            times[variant].append(time.perf_counter() - started)
    return [statistics.median(times[variant]) * 1000 for variant in variants]


def page_ms(client: Client, url: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append(time.perf_counter() - started)
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000


def tables2_body(self: LeanTable) -> str:
    """The rows as django-tables2 wrote them before LeanTable."""
    return VARIANTS["tables2"].render({"table": self})


SECRETARIAT, FOCAL_POINT = ("secretariat", None), ("tjk-focal", None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    setup_test_environment()  # the test client then gives each response's context
    tjk = Participant.objects.get(code="TJK").pk
    current = ReportingCycle.objects.filter(
        declaration__slug="dushanbe", state=ReportingCycle.State.OPEN
    ).latest("starts_on")
    lists = [
        ("actions list", SECRETARIAT, "/tracking/actions/"),
        ("actions list, by start", SECRETARIAT, "/tracking/actions/?sort=start_date"),
        ("actions list, by title (fr)", ("secretariat", "fr"), "/tracking/actions/?sort=-title"),
        ("actions list, filtered", SECRETARIAT,
         f"/tracking/actions/?participant={tjk}&status=completed"),
        ("actions list, 100 rows (ar)", ("secretariat", "ar"), "/tracking/actions/?per_page=100"),
        ("actions list, focal point", FOCAL_POINT, "/tracking/actions/"),
        ("completeness (50 rows)", SECRETARIAT, f"/tracking/completeness/?cycle={current.pk}"),
        ("reports", SECRETARIAT, "/tracking/reports/"),
        ("cycles", SECRETARIAT, "/tracking/cycles/"),
        ("declarations", SECRETARIAT, "/declarations/"),
    ]  # fmt: skip
    clients = {who: verified_client(*who) for who in {who for _, who, _ in lists}}

    database = settings.DATABASES["default"]["NAME"]
    print(f"database {database}, DEBUG {settings.DEBUG}, {runs} runs, medians in ms")
    names = [*VARIANTS, "LeanTable"]
    header = f"{'list':<30} {'rows':>4} {'cols':>4}" + "".join(f" {n:>14}" for n in names)
    print(header + f" {'page before':>12} {'page after':>11}")
    for label, name, url in lists:
        client = clients[name]
        response = client.get(url, secure=True)
        table = response.context["table"]
        rows = len(table.paginated_rows)
        language = response.wsgi_request.LANGUAGE_CODE
        with translation.override(language):
            figures = render_ms(table, names, runs)
        after = page_ms(client, url, runs)
        lean_body = LeanTable.body_html
        LeanTable.body_html = tables2_body  # type: ignore[method-assign]
        try:
            before = page_ms(client, url, runs)
        finally:
            LeanTable.body_html = lean_body  # type: ignore[method-assign]
        print(
            f"{label:<30} {rows:>4} {len(table.columns):>4}"
            + "".join(f" {figure:>14.2f}" for figure in figures)
            + f" {before:>12.1f} {after:>11.1f}"
        )
    submission = f"/tracking/submissions/TJK/{current.pk}/"
    figure = page_ms(clients[FOCAL_POINT], submission, runs)
    print(f"submission page (its own 16-row table, no django-tables2): {figure:.1f} ms")
    end_sessions(
        [client.cookies[settings.SESSION_COOKIE_NAME].value for client in clients.values()]
    )


if __name__ == "__main__":
    main()
