"""Every list writes its rows in Python (`LeanTable`), cell for cell as django-tables2 did."""

import itertools
import re
from datetime import date, timedelta

import django_tables2 as tables
import pytest
from django.template import engines
from django.utils import timezone, translation

from tracking.models import Action, Report, Submission

from .filings import file_action

# The rows of `tables/table.html` before LeanTable: django-tables2 renders every cell.
TABLES2_ROWS = engines["django"].from_string(
    "{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
    "{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }}>{{ cell }}</td>"
    "{% endfor %}</tr>{% endfor %}"
)


def _squeezed(html: str) -> str:
    # Without the space between tags, and with CSRF tokens (masked anew each time) blanked.
    html = re.sub(r'(name="csrfmiddlewaretoken" value=)"\w+"', r"\1", html)
    return re.sub(r">\s+<", "><", html.strip())


def _rows(table) -> tuple[str, str]:
    """The table's rows written by LeanTable, then by django-tables2, from the same page."""
    table._counter = itertools.count()  # rows count from 0 again: the same even/odd classes
    lean = str(table.body_html())
    table._counter = itertools.count()
    return _squeezed(lean), _squeezed(TABLES2_ROWS.render({"table": table}))


@pytest.fixture
def filed(cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat):
    """Submitted actions with every kind of cell: dates, none, markup in text, paragraphs."""
    file_action(
        tajikistan, cycle, tjk_focal, title="Plan <b>&amp; \"law\"", numbers=(4, 5),
        state=Submission.State.SUBMITTED, status=Action.Status.IN_PROGRESS, progress=40,
        start_date=date(2026, 3, 1), end_date=date(2027, 12, 31),
    )  # fmt: skip
    file_action(
        kazakhstan, cycle, kaz_focal, title="Border training", lead_institution="",
        state=Submission.State.SUBMITTED, status=Action.Status.COMPLETED, progress=100,
    )  # fmt: skip
    Report.objects.create(
        requested_by=secretariat, declaration=cycle.declaration, cycle=cycle,
        format=Report.Format.CSV, table=Report.Table.ACTIONS, state=Report.State.FAILED,
        error="The worker stopped.",
    )  # fmt: skip
    Report.objects.create(
        requested_by=secretariat, declaration=cycle.declaration, format=Report.Format.XLSX,
        state=Report.State.RUNNING, progress=30,
        enqueued_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip


# Every list page with a table; the busiest in French and Arabic too (dates, labels, RTL).
LISTS = [
    ("/tracking/actions/", "en"),
    ("/tracking/actions/", "fr"),
    ("/tracking/actions/", "ar"),
    ("/tracking/actions/?sort=-title", "en"),
    ("/tracking/actions/?sort=participant", "en"),
    ("/tracking/actions/?sort=start_date", "ru"),
    ("/tracking/actions/?sort=-end_date&status=in_progress", "zh-hans"),
    ("/tracking/cycles/", "es"),
    ("/tracking/completeness/?cycle={cycle}", "en"),
    ("/tracking/completeness/?cycle={cycle}&sort=-submitted_at", "ar"),
    ("/tracking/reports/", "en"),
    ("/tracking/reports/fragment/", "fr"),
    ("/declarations/", "en"),
]


@pytest.mark.parametrize(("url", "language"), LISTS)
def test_a_list_writes_the_rows_django_tables2_wrote(
    client, filed, cycle, secretariat, url, language
):
    secretariat.language = language
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)

    response = client.get(url.format(cycle=cycle.pk))

    assert response.status_code == 200
    table = response.context["table"]
    assert len(table.paginated_rows) >= 1
    with translation.override(language):
        lean, tables2 = _rows(table)
    assert lean == tables2
    assert lean in _squeezed(response.text)


def test_the_rows_show_each_value_as_the_page_did_before(client, filed, secretariat):
    secretariat.language = "fr"
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)

    text = client.get("/tracking/actions/?sort=start_date").text

    # Escaped text, linked titles, French dates, choices' labels, the default of empty cells.
    assert "Plan &lt;b&gt;&amp;amp; &quot;law&quot;</a></td>" in text
    assert "<td >01/03/2026</td><td >31/12/2027</td>" in text
    assert '<span class="badge">En cours</span>' in text
    assert "<td >—</td>" in text
    assert '<tr class="even">' in text and '<tr class="odd">' in text


def test_an_empty_list_says_so(client, secretariat, cycle):
    client.force_login(secretariat)

    response = client.get("/tracking/actions/?q=nothing-matches-this")

    assert "No actions match these filters." in response.text


def test_a_table_that_is_not_a_lean_table_still_shows_its_rows(rf):
    class Plain(tables.Table):
        name = tables.Column()

    template = engines["django"].from_string("{% load django_tables2 %}{% render_table table %}")

    html = template.render({"table": Plain([{"name": "Tajikistan"}])}, rf.get("/"))

    assert '<tr class="even">' in html
    assert "<td >Tajikistan</td>" in html
