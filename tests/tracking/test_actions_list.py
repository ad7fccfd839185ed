"""The actions list: filters, sorting, pagination and who sees which rows."""

import pytest
from django.urls import NoReverseMatch, reverse

from declarations.models import Paragraph, Theme
from tracking.models import Action, Submission

from .filings import file_action

URL = reverse("tracking:actions")


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_focal_point_sees_the_actions_of_their_country(client, cycle, tajikistan, tjk_focal):
    file_action(tajikistan, cycle, tjk_focal, title="National action plan", numbers=(4, 5))
    client.force_login(tjk_focal)

    response = client.get(URL)

    assert response.status_code == 200
    assert "National action plan" in response.text
    assert "OP4, OP5" in response.text
    assert "Download CSV" in response.text


def test_each_page_names_the_paragraphs_of_its_own_rows(client, cycle, tajikistan, tjk_focal):
    # Their query is built once per number of rows, and run with the rows' ids.
    file_action(tajikistan, cycle, tjk_focal, title="Border plan", numbers=(4,))
    file_action(tajikistan, cycle, tjk_focal, title="Training plan", numbers=(5, 6))
    file_action(tajikistan, cycle, tjk_focal, title="Customs plan", numbers=(7,))
    client.force_login(tjk_focal)

    def rows(**query) -> str:
        return client.get(URL, query).text.split("<tbody", 1)[1].split("</tbody>", 1)[0]

    assert ">OP7<" in rows(per_page=1)
    assert ">OP5, OP6<" in rows(per_page=1, page=2)
    assert ">OP4<" in rows(per_page=2, page=2)
    assert "OP5" not in rows(per_page=2, page=2)
    two = rows(per_page=2)
    assert ">OP7<" in two
    assert ">OP5, OP6<" in two


def test_another_country_sees_nothing_of_tajikistans_drafts(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal
):
    file_action(tajikistan, cycle, tjk_focal, title="Tajik draft plan")
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh law reform")
    client.force_login(kaz_focal)

    response = client.get(URL, {"participant": tajikistan.pk})

    assert "Tajik draft plan" not in client.get(URL).text
    assert "Kazakh law reform" in client.get(URL).text
    # Tajikistan is not even a choice of the participant filter.
    assert "Tajik draft plan" not in response.text
    assert ">Tajikistan<" not in response.text


def test_the_secretariat_sees_submitted_actions_but_never_drafts(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    file_action(tajikistan, cycle, tjk_focal, title="Tajik draft plan")
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh law reform", state="submitted")
    client.force_login(secretariat)

    response = client.get(URL)

    assert "Kazakh law reform" in response.text
    assert "Tajik draft plan" not in response.text


def test_a_viewer_sees_the_actions_but_no_link_to_change_them(
    client, cycle, tajikistan, tjk_focal, tjk_viewer
):
    file_action(tajikistan, cycle, tjk_focal, title="National action plan")
    client.force_login(tjk_viewer)

    response = client.get(URL)

    assert "National action plan" in response.text
    assert "New action" not in response.text
    assert "/edit" not in response.text


def test_a_focal_point_gets_the_link_to_file_a_new_action(client, cycle, tjk_focal):
    try:
        create_url = reverse("tracking:action_create")
    except NoReverseMatch:
        pytest.skip("the page to file an action is not part of this build yet")
    client.force_login(tjk_focal)

    assert f'href="{create_url}"' in client.get(URL).text


def test_it_filters_by_text_status_paragraph_theme_and_dates(client, cycle, tajikistan, tjk_focal):
    youth = Theme.objects.create(name="Youth", slug="youth")
    Paragraph.objects.get(declaration=cycle.declaration, number=12).themes.add(youth)
    file_action(
        tajikistan,
        cycle,
        tjk_focal,
        title="School programme",
        numbers=(12,),
        status=Action.Status.ONGOING,
        start_date="2026-02-01",
        end_date="2026-06-30",
    )
    file_action(
        tajikistan,
        cycle,
        tjk_focal,
        title="Border training",
        numbers=(9,),
        lead_institution="Border Troops",
        start_date="2025-01-01",
        end_date="2025-12-31",
    )
    op12 = Paragraph.objects.get(declaration=cycle.declaration, number=12)
    client.force_login(tjk_focal)

    def titles(**filters) -> set[str]:
        text = client.get(URL, filters).text
        return {t for t in ("School programme", "Border training") if t in text}

    assert titles() == {"School programme", "Border training"}
    assert titles(q="troops") == {"Border training"}
    assert titles(q="school programme") == {"School programme"}
    assert titles(status="ongoing") == {"School programme"}
    assert titles(paragraph=op12.pk) == {"School programme"}
    assert titles(theme=youth.pk) == {"School programme"}
    assert titles(starts_from="2026-01-01") == {"School programme"}
    assert titles(ends_by="2025-12-31") == {"Border training"}


def test_a_bad_filter_value_is_reported_not_a_server_error(client, cycle, tjk_focal):
    client.force_login(tjk_focal)

    response = client.get(URL, {"starts_from": "not-a-date", "status": "nonsense"})

    assert response.status_code == 200
    assert "Enter a valid date." in response.text


def test_columns_sort_both_ways(client, cycle, tajikistan, tjk_focal):
    file_action(tajikistan, cycle, tjk_focal, title="Alpha action")
    file_action(tajikistan, cycle, tjk_focal, title="Omega action")
    client.force_login(tjk_focal)

    ascending = client.get(URL, {"sort": "title"}).text
    descending = client.get(URL, {"sort": "-title"}).text

    assert ascending.index("Alpha action") < ascending.index("Omega action")
    assert descending.index("Omega action") < descending.index("Alpha action")


def test_it_pages_without_counting_every_row(client, cycle, tajikistan, tjk_focal):
    for n in range(30):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action number {n:02}")
    client.force_login(tjk_focal)

    first = client.get(URL, {"sort": "title"}).text
    second = client.get(URL, {"sort": "title", "page": 2}).text

    assert "Action number 00" in first and "Action number 25" not in first
    assert "Action number 25" in second and "Action number 00" not in second
    assert "Next page" in first and "Previous page" in second


def _actions(n, cycle, tajikistan, tjk_focal) -> None:
    for i in range(n):
        file_action(
            tajikistan,
            cycle,
            tjk_focal,
            numbers=(1, 2),
            state=Submission.State.DRAFT,
            title=f"Action {i}",
        )


@pytest.mark.parametrize("rows", [1, 50])
def test_the_list_runs_the_same_queries_for_1_and_50_rows(
    rows, client, cycle, tajikistan, tjk_focal, django_assert_num_queries
):
    _actions(rows, cycle, tajikistan, tjk_focal)
    client.force_login(tjk_focal)
    client.get(URL)  # writes the filters' options into the cache

    # session, user, the user's memberships (also for "New action" and the header), one page
    # of actions (LazyPaginator: no COUNT), the rows named by the participant, cycle, paragraph
    # and theme filters (one query; the form comes from the cache), the page's paragraphs;
    # whether "New action" can be used now (one query over the user's participants'
    # declarations, their latest open cycles, scope and submissions).
    with django_assert_num_queries(7):
        response = client.get(URL)
    assert response.status_code == 200
    # One page of at most 25 rows (7.5 KB with 1 row, 15.5 KB with 25 of the 50).
    assert len(response.content) <= 8_000 + min(rows, 25) * 400
