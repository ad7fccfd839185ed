"""Every list page reads actions (and their paragraph links), updates and evidence through
indexes, never by a sequential scan, for every sort key (both ways) and every filter, as the
secretariat and as a focal point; every sort key of the actions list has an index that reads
its rows in order; the free-text search reads its trigram indexes.

PostgreSQL's plans, so PostgreSQL only (CI runs it in its PostgreSQL pass). The tables here are
tiny, so the planner is told to avoid what it must never need at UN scale (`enable_seqscan`,
`enable_sort = off`) and the plan shows whether it could: a disabled step that is still in the
plan had no alternative. The queries are the pages' own, captured from the test client.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from declarations.models import Theme
from tracking.filters import ActionFilter
from tracking.tables import ActionTable, CompletenessTable, CycleTable, ReportTable

pytestmark = pytest.mark.postgresql

URL = reverse("tracking:actions")
BIG_TABLES = (
    "tracking_action",
    "tracking_action_paragraphs",
    "tracking_progressupdate",
    "tracking_evidence",
)
SEQ_SCAN = re.compile(rf"Seq Scan on ({'|'.join(BIG_TABLES)})\b")
# A full sort of the rows; an Incremental Sort only orders rows within groups an index gave.
FULL_SORT = re.compile(r"^\s*(->\s+)?Sort\s+\(cost", re.MULTILINE)
# A member's actions found by an index that starts with their participant.
PARTICIPANT_FIRST = re.compile(
    r"Index (Only )?Scan( Backward)? using action_participant_\w+ on tracking_action"
    r"[^\n]*\n\s+Index Cond: \(participant_id = "
)


def sort_keys(table_class) -> list[str]:
    """Every sortable column of the table, in both directions: a column added later is in."""
    columns = table_class.base_columns.items()
    names = [name for name, column in columns if column.orderable is not False]
    return names + [f"-{name}" for name in names]


def plan(sql: str, *settings: str) -> str:
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql)
        text = "\n".join(row[0] for row in cursor.fetchall())
        for setting in settings:
            cursor.execute(f"RESET {setting}")
    return text


def page_queries(client, url: str, params: dict | None = None) -> list[str]:
    """The SQL of the page's queries that read actions, updates or evidence."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.status_code)
    found = []
    for query in queries:
        # Django's iterator() over a PostgreSQL cursor: explain the query it declares.
        sql = re.sub(r"^DECLARE .*? CURSOR WITH HOLD FOR ", "", query["sql"])
        if sql.startswith("SELECT") and any(f'"{table}"' in sql for table in BIG_TABLES):
            found.append(sql)
    return found


def assert_no_sequential_scan(client, url: str, params: dict | None = None) -> None:
    for sql in page_queries(client, url, params):
        explained = plan(sql, "enable_seqscan")
        assert not SEQ_SCAN.search(explained), f"{url} {params}\n{sql}\n{explained}"


def sorted_page_plan(client, key: str) -> tuple[str, str]:
    """The actions list's page query sorted by `key`, and its plan with no sequential scan or
    sort that could be avoided."""
    (sql, *_) = [
        sql
        for sql in page_queries(client, URL, {"sort": key})
        if sql.startswith('SELECT "tracking_action"')
    ]
    return sql, plan(sql, "enable_seqscan", "enable_sort")


@pytest.fixture
def filters(records, declaration) -> dict[str, dict]:
    """One value for each filter of the actions list."""
    theme = Theme.objects.create(name="Terrorist financing", slug="terrorist-financing")
    records.paragraphs[1].themes.add(theme)
    return {
        "none": {},
        "q": {"q": "intelligence unit"},
        "participant": {"participant": records.fiu.participant_id},
        "cycle": {"cycle": records.fiu.submission.cycle_id},
        "paragraph": {"paragraph": records.paragraphs[1].pk},
        "theme": {"theme": theme.pk},
        "status": {"status": "in_progress"},
        "starts_from": {"starts_from": "2026-01-01"},
        "ends_by": {"ends_by": "2027-12-31"},
    }


def test_every_filter_and_sort_key_of_the_actions_list_uses_indexes(
    client, filters, secretariat, tjk_focal
):
    assert set(filters) - {"none"} == set(ActionFilter.base_filters), "a filter with no case here"
    for user in (secretariat, tjk_focal):
        client.force_login(user)
        for params in filters.values():
            for key in ["", *sort_keys(ActionTable)]:
                assert_no_sequential_scan(client, URL, params | {"sort": key})


def test_every_sort_key_of_the_actions_list_has_an_index_that_reads_it_in_order(
    client, records, secretariat
):
    client.force_login(secretariat)
    for key in sort_keys(ActionTable):
        sql, explained = sorted_page_plan(client, key)
        assert not FULL_SORT.search(explained), f"sort={key}\n{sql}\n{explained}"
        assert not SEQ_SCAN.search(explained), f"sort={key}\n{sql}\n{explained}"


def test_the_search_reads_the_trigram_indexes(client, records, secretariat):
    client.force_login(secretariat)
    (sql, *_) = [
        sql
        for sql in page_queries(client, URL, {"q": "unit"})
        if sql.startswith('SELECT "tracking_action"')
    ]

    explained = plan(sql, "enable_seqscan", "enable_indexscan", "enable_nestloop")

    for index in ("action_title_trgm", "action_description_trgm", "action_lead_trgm"):
        assert index in explained, explained


def test_the_other_list_pages_use_indexes(
    client, records, cycle, secretariat, tjk_focal, tjk_coordinator
):
    evidence = records.fiu.evidence.get()
    pages = [
        (reverse("tracking:submission", args=["TJK", cycle.pk]), [""]),
        (reverse("tracking:action", args=[records.fiu.pk]), [""]),
        (reverse("tracking:participant", args=["TJK"]), [""]),
        (reverse("tracking:reports"), ["", *sort_keys(ReportTable)]),
    ]
    # Who downloaded evidence: for the participant's coordinators and the secretariat.
    downloads = [(reverse("tracking:evidence_downloads", args=[evidence.pk]), [""])]
    secretariat_pages = [
        (reverse("tracking:cycles"), ["", *sort_keys(CycleTable)]),
        (reverse("tracking:completeness"), ["", *sort_keys(CompletenessTable)]),
    ]
    cast = (
        (secretariat, pages + downloads + secretariat_pages),
        (tjk_coordinator, downloads),
        (tjk_focal, pages),
    )
    for user, visible in cast:
        client.force_login(user)
        for url, keys in visible:
            for key in keys:
                assert_no_sequential_scan(client, url, {"sort": key} if key else {})


def test_a_members_list_reads_their_participants_newest_actions_in_order(
    client, records, tjk_focal
):
    client.force_login(tjk_focal)
    (sql, *_) = [
        sql for sql in page_queries(client, URL) if sql.startswith('SELECT "tracking_action"')
    ]

    explained = plan(sql, "enable_seqscan", "enable_sort")

    assert "action_participant_newest" in explained, explained
    assert not FULL_SORT.search(explained), explained


def test_every_sort_key_of_a_members_list_reads_their_participants_rows_in_order(
    client, records, tjk_focal
):
    # Not the key's index of every action with the other participants' rows filtered out:
    # at UN scale that walked 2,000-6,000 rows for a page of 26.
    client.force_login(tjk_focal)
    for key in sort_keys(ActionTable):
        sql, explained = sorted_page_plan(client, key)
        assert not FULL_SORT.search(explained), f"sort={key}\n{sql}\n{explained}"
        assert PARTICIPANT_FIRST.search(explained), f"sort={key}\n{sql}\n{explained}"


def test_the_submission_page_reads_its_first_actions_by_title_from_one_index(
    client, records, cycle, secretariat
):
    client.force_login(secretariat)
    url = reverse("tracking:submission", args=["TJK", cycle.pk])
    (sql, *_) = [
        sql for sql in page_queries(client, url) if sql.startswith('SELECT "tracking_action"')
    ]

    explained = plan(sql, "enable_seqscan", "enable_sort")

    assert "action_submission_title" in explained, explained
    assert not FULL_SORT.search(explained), explained
