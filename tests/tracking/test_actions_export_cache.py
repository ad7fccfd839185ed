"""The actions downloads are kept in the cache until one of their cells would change: every
way the data changes shows in the next download, and a client that has the file gets a 304."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from declarations.models import Theme
from tracking import services

from .filings import file_action, submission

CSV = reverse("tracking:actions_csv")
XLSX = reverse("tracking:actions_xlsx")


def rows(client, url=CSV, headers=None, **filters) -> list[list]:
    response = client.get(url, filters, headers=headers)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if url == XLSX:
        return [list(row) for row in openpyxl.load_workbook(io.BytesIO(body)).active.values]
    return list(csv.reader(io.StringIO(body.decode())))


def titles(client, url=CSV, **filters) -> list[str]:
    return [row[4] for row in rows(client, url, **filters)[1:]]


def _edit(action, user, **values):
    fields = ("title", "lead_institution", "partners", "start_date", "end_date", "status")
    current = {name: getattr(action, name) for name in (*fields, "progress")}
    paragraphs = values.pop("paragraphs", list(action.paragraphs.all()))
    services.action_edit(
        action=action, version=action.version, values=current | values, paragraphs=paragraphs,
        user=user,
    )  # fmt: skip


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_a_repeated_download_is_the_same_file_and_a_304_for_a_client_that_has_it(
    client, tjk_action, tjk_focal, url
):
    client.force_login(tjk_focal)

    first, second = client.get(url), client.get(url)
    not_modified = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert b"".join(first.streaming_content) == b"".join(second.streaming_content)
    assert first["ETag"] == second["ETag"]
    assert not_modified.status_code == 304
    assert "private" in first["Cache-Control"]


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_an_edit_of_an_action_and_its_paragraphs_shows_in_the_next_download(
    client, cycle, tjk_action, tjk_focal, url
):
    client.force_login(tjk_focal)
    before = client.get(url)["ETag"]
    rows(client, url)

    seventh = cycle.declaration.paragraphs.get(number=7)
    _edit(tjk_action, tjk_focal, title="Renamed strategy", paragraphs=[seventh])
    row = rows(client, url)[1]

    assert row[4] == "Renamed strategy" and row[7] == "OP7"
    assert client.get(url, headers={"If-None-Match": before}).status_code == 200


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_a_progress_update_moves_the_status_and_progress_in_the_next_download(
    client, tjk_action, tjk_focal, url
):
    client.force_login(tjk_focal)
    rows(client, url)

    services.progress_update_file(
        action=tjk_action, user=tjk_focal, date=datetime.date(2026, 3, 1),
        narrative="Done.", status="completed", progress=100,
    )  # fmt: skip
    row = rows(client, url)[1]

    assert row[8] == "Completed" and str(row[9]) == "100"


def test_a_new_and_a_deleted_action_show_in_the_next_download(
    client, cycle, tajikistan, tjk_action, tjk_focal
):
    client.force_login(tjk_focal)
    rows(client)

    services.action_delete(action=tjk_action, version=tjk_action.version, user=tjk_focal)
    assert titles(client) == []
    file_action(tajikistan, cycle, tjk_focal, title="Customs training")
    assert titles(client) == ["Customs training"]


def test_a_renamed_participant_or_cycle_shows_in_the_next_download(
    client, cycle, tajikistan, tjk_action, tjk_focal
):
    client.force_login(tjk_focal)
    rows(client)

    tajikistan.code = "TJX"
    tajikistan.save()
    assert rows(client)[1][1] == "TJX"
    cycle.name = "2026-2027"
    cycle.save()
    assert rows(client)[1][3] == "2026-2027"


def test_the_secretariat_sees_a_submission_as_soon_as_it_is_submitted_and_not_after_its_return(
    client, cycle, tajikistan, kazakhstan, unodc, tjk_focal, kaz_focal, secretariat
):
    file_action(tajikistan, cycle, tjk_focal, title="Tajik plan", state="submitted")
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh plan")
    file_action(unodc, cycle, secretariat, title="UNODC plan", state="submitted")
    client.force_login(secretariat)
    assert titles(client) == ["Tajik plan", "UNODC plan"]

    # As many rows, the same newest one, none saved: only the submissions changed state.
    submission(tajikistan, cycle, "draft")
    submission(kazakhstan, cycle, "submitted")

    assert titles(client) == ["Kazakh plan", "UNODC plan"]


def test_a_theme_that_moves_to_another_paragraph_moves_its_actions(
    client, cycle, tajikistan, tjk_focal
):
    file_action(tajikistan, cycle, tjk_focal, title="On six", numbers=(6,))
    file_action(tajikistan, cycle, tjk_focal, title="On seven", numbers=(7,))
    file_action(tajikistan, cycle, tjk_focal, title="On both", numbers=(6, 7))
    paragraphs = cycle.declaration.paragraphs
    theme = Theme.objects.create(name="Finance", slug="finance")
    theme.paragraphs.add(paragraphs.get(number=6))
    client.force_login(tjk_focal)
    assert titles(client, theme=theme.pk) == ["On six", "On both"]

    theme.paragraphs.set([paragraphs.get(number=7)])

    assert titles(client, theme=theme.pk) == ["On seven", "On both"]


def test_a_deleted_paragraph_leaves_its_actions_rows(client, cycle, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    assert rows(client)[1][7] == "OP6"

    cycle.declaration.paragraphs.get(number=6).delete()

    assert rows(client)[1][7] == ""


def test_each_scope_and_language_gets_its_own_file(
    client, cycle, kazakhstan, tjk_action, tjk_focal, kaz_focal
):
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh plan")
    client.force_login(tjk_focal)
    assert titles(client) == [tjk_action.title]

    client.force_login(kaz_focal)
    assert titles(client) == ["Kazakh plan"]
    header = rows(client, headers={"Accept-Language": "ru"})
    assert header[0][1] == "Код участника"


def test_another_release_gives_the_file_another_etag(client, settings, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    before = client.get(CSV)["ETag"]

    # A deploy changes the cache's key prefix (its catalogs may translate the cells anew).
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "next-release"}}

    assert client.get(CSV, headers={"If-None-Match": before}).status_code == 200
