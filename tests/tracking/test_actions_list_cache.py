"""The secretariat's actions list is kept in the cache, per filter, sort and page, until what it
shows changes: every such change shows on the next view."""

import pytest
from django.urls import reverse

from declarations.models import Paragraph, Theme
from declarations.services import theme_mapping_apply
from tracking import services
from tracking.models import Membership, Submission

from .filings import file_action, rate_all, submitted_by_new_participants
from .markup import select_options

URL = reverse("tracking:actions")


def _table(html: str) -> str:
    return html.split("<table", 1)[1].split("</table>", 1)[0]


def test_a_submission_or_a_return_shows_on_the_next_view(
    client, cycle, tjk_action, tjk_focal, tjk_coordinator, secretariat
):
    client.force_login(secretariat)
    assert tjk_action.title not in client.get(URL).text

    draft = rate_all(tjk_action.submission, rating="partially")
    services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    assert tjk_action.title in _table(client.get(URL).text)

    submitted = Submission.objects.get(pk=draft.pk)
    services.submission_return(
        submission=submitted, version=submitted.version, user=tjk_coordinator, comment="More."
    )
    assert tjk_action.title not in client.get(URL).text


def test_each_sort_and_page_is_its_own(client, cycle, tajikistan, tjk_focal, secretariat):
    for title in ("Alpha action", "Omega action"):
        file_action(tajikistan, cycle, tjk_focal, title=title, state=Submission.State.SUBMITTED)
    client.force_login(secretariat)

    by_title = _table(client.get(URL, {"sort": "title"}).text)
    backwards = _table(client.get(URL, {"sort": "-title"}).text)
    second_page = client.get(URL, {"sort": "title", "per_page": 1, "page": 2}).text

    assert by_title.index("Alpha action") < by_title.index("Omega action")
    assert backwards.index("Omega action") < backwards.index("Alpha action")
    assert "Omega action" in _table(second_page)
    assert "Alpha action" not in _table(second_page)


def test_a_renamed_participant_and_cycle_show_in_the_rows_and_theselect_options(
    client, cycle, tajikistan, tjk_focal, secretariat
):
    file_action(tajikistan, cycle, tjk_focal, state=Submission.State.SUBMITTED)
    client.force_login(secretariat)
    client.get(URL)

    tajikistan.name = "Republic of Tajikistan"
    tajikistan.save()
    cycle.name = "2026 (extended)"
    cycle.save()
    html = client.get(URL).text

    assert "Republic of Tajikistan" in _table(html)
    assert "2026 (extended)" in _table(html)
    assert "Republic of Tajikistan" in select_options(html, "participant")
    assert "2026 (extended)" in select_options(html, "cycle")


def test_a_changed_theme_shows_in_the_options_and_the_rows_it_chooses(
    client, cycle, tajikistan, tjk_focal, secretariat
):
    youth = Theme.objects.create(name="Youth", slug="youth")
    file_action(
        tajikistan, cycle, tjk_focal, title="School programme", numbers=(12,),
        state=Submission.State.SUBMITTED,
    )  # fmt: skip
    client.force_login(secretariat)
    assert "School programme" not in client.get(URL, {"theme": youth.pk}).text

    Paragraph.objects.get(declaration=cycle.declaration, number=12).themes.add(youth)
    assert "School programme" in _table(client.get(URL, {"theme": youth.pk}).text)

    youth.name = "Young people"
    youth.save()
    assert ">Young people</option>" in select_options(client.get(URL).text, "theme")

    Theme.objects.create(name="Borders", slug="borders")
    assert ">Borders</option>" in select_options(client.get(URL).text, "theme")

    youth.delete()
    html = client.get(URL).text
    assert "Young people" not in select_options(html, "theme")


def test_a_theme_renamed_by_loading_the_declaration_again_shows(client, cycle, secretariat):
    youth = Theme.objects.create(name="Youth", slug="youth")
    client.force_login(secretariat)
    client.get(URL)

    theme_mapping_apply(
        declaration=cycle.declaration,
        themes=[{"slug": "youth", "name": "Young people", "kind": youth.kind, "paragraphs": [12]}],
    )

    assert ">Young people</option>" in select_options(client.get(URL).text, "theme")


def test_the_page_is_in_the_language_of_each_request(client, cycle, tjk_action, secretariat):
    client.force_login(secretariat)

    english = client.get(URL, headers={"accept-language": "en"}).text
    french = client.get(URL, headers={"accept-language": "fr"}).text

    assert "Operative paragraph" in english
    assert "Paragraphe du dispositif" in french
    assert "Operative paragraph" not in french


def test_a_member_in_the_secretariat_sees_its_drafts_change_at_once(
    client, cycle, tajikistan, tjk_action, tjk_focal, secretariat
):
    Membership.objects.create(user=secretariat, participant=tajikistan, role="viewer")
    client.force_login(secretariat)
    assert tjk_action.title in client.get(URL).text

    file_action(tajikistan, cycle, tjk_focal, title="Another draft")

    assert "Another draft" in client.get(URL).text


@pytest.mark.parametrize("rows", [1, 50])
def test_the_secretariat_s_list_from_the_cache_runs_the_same_queries(
    rows, client, cycle, secretariat, django_assert_num_queries
):
    submitted_by_new_participants(rows, cycle, secretariat)
    client.force_login(secretariat)
    client.get(URL)

    # session, user, the user's memberships, the version of what the page shows.
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert response.status_code == 200
    # One page of at most 25 rows, and the participant filter's option for each participant.
    assert len(response.content) <= 8_000 + min(rows, 25) * 400 + rows * 60
