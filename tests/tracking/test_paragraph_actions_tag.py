"""The `{% paragraph_actions %}` tag that declaration paragraph pages include: counts of what
the user may see on the paragraph in the current cycle, and links into the actions list."""

from urllib.parse import urlencode

import pytest
from django.db.models import F
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import new_cycle
from tests.tracking.filings import file_action, rate
from tracking.models import Participant, Submission

TEMPLATE = Template("{% load tracking_tags %}{% paragraph_actions paragraph %}")


def _render(user, paragraph) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "paragraph": paragraph}))


def _actions_link(paragraph, cycle, **extra) -> str:
    query = urlencode({"paragraph": paragraph.pk, "cycle": cycle.pk, **extra})
    return (reverse("tracking:actions") + "?" + query).replace("&", "&amp;")


def _status_row(label: str, count: int) -> str:
    return f'<tr><th scope="row">{label}</th><td>{count}</td></tr>'


def test_it_counts_the_users_own_actions_with_links_to_them_and_to_add_one(
    tjk_action, tjk_focal, cycle
):
    paragraph = tjk_action.paragraphs.get()

    html = _render(tjk_focal, paragraph)

    assert "Reporting cycle 2026" in html
    assert _status_row("In progress", 1) in html and _status_row("Planned", 0) in html
    link = _actions_link(paragraph, cycle)
    assert f'<a href="{link}">See the 1 action on this paragraph</a>' in html
    assert tjk_action.title not in html  # a summary, not a list
    new_url = reverse("tracking:action_create") + f"?paragraph={paragraph.pk}"
    assert f'href="{new_url}"' in html
    assert "New action on this paragraph" in html


def test_another_country_sees_nothing_of_a_draft_but_may_add_its_own(tjk_action, kaz_focal):
    html = _render(kaz_focal, tjk_action.paragraphs.get())

    assert "See the" not in html and "In progress" not in html
    assert "No actions on this paragraph yet." in html
    assert "New action on this paragraph" in html


def test_the_secretariat_counts_submitted_actions_by_participant_and_cannot_add_one(
    cycle, declaration, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    paragraph = declaration.paragraphs.get(number=6)
    for title in ("Strategy", "Law"):
        file_action(tajikistan, cycle, tjk_focal, title=title, numbers=(6,), status="completed")
    file_action(kazakhstan, cycle, kaz_focal, numbers=(6,), status="delayed")
    rate(tajikistan, cycle, tjk_focal, 6, "fully")
    assert "No actions on this paragraph yet." in _render(secretariat, paragraph)
    for participant in (tajikistan, kazakhstan):
        # as the services do, the version one higher
        Submission.objects.filter(participant=participant).update(
            state=Submission.State.SUBMITTED, version=F("version") + 1
        )

    html = _render(secretariat, paragraph)

    assert _status_row("Completed", 2) in html and _status_row("Delayed", 1) in html
    assert _status_row("Fully implemented", 1) in html
    assert "Participants with the most actions" in html
    tjk = _actions_link(paragraph, cycle, participant=tajikistan.pk)
    kaz = _actions_link(paragraph, cycle, participant=kazakhstan.pk)
    assert html.index(f'<a href="{tjk}">Tajikistan</a>') < html.index(
        f'<a href="{kaz}">Kazakhstan</a>'
    )
    assert "See the 3 actions on this paragraph" in html
    assert "New action on this paragraph" not in html


def test_it_counts_the_current_cycle_only(cycle, declaration, tajikistan, tjk_focal, tjk_viewer):
    file_action(tajikistan, cycle, tjk_focal, numbers=(6,), state=Submission.State.APPROVED)
    cycle.state = cycle.State.CLOSED
    cycle.save()
    later = new_cycle(declaration, 2027)
    for title in ("Strategy", "Law"):
        file_action(tajikistan, later, tjk_focal, title=title, numbers=(6,))

    html = _render(tjk_viewer, declaration.paragraphs.get(number=6))

    assert "Reporting cycle 2027" in html
    assert "See the 2 actions on this paragraph" in html


def test_a_viewer_sees_the_counts_but_cannot_add_an_action(tjk_action, tjk_viewer):
    html = _render(tjk_viewer, tjk_action.paragraphs.get())

    assert "See the 1 action on this paragraph" in html
    assert "New action on this paragraph" not in html


def test_its_query_compiled_once_counts_for_each_user_and_paragraph_anew(
    cycle, declaration, tjk_action, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    # The counts' SQL is compiled once per process for each rule of what a user sees, then
    # run with the paragraph's ids: another user's rule, another paragraph, their own counts.
    for _n in range(2):
        file_action(tajikistan, cycle, tjk_focal, numbers=(2,))  # drafts
    file_action(kazakhstan, cycle, kaz_focal, numbers=(2,), state=Submission.State.SUBMITTED)
    sixth, second = (declaration.paragraphs.get(number=n) for n in (6, 2))

    assert "See the 1 action on this paragraph" in _render(tjk_focal, sixth)
    assert "See the 2 actions on this paragraph" in _render(tjk_focal, second)
    assert "No actions on this paragraph yet." in _render(kaz_focal, sixth)
    assert "See the 1 action on this paragraph" in _render(kaz_focal, second)
    assert "No actions on this paragraph yet." in _render(secretariat, sixth)
    assert "See the 1 action on this paragraph" in _render(secretariat, second)


def test_the_declaration_paragraph_page_shows_the_counts_the_user_may_see(
    client, tjk_action, tjk_focal, kaz_focal
):
    url = tjk_action.paragraphs.get().get_absolute_url()

    client.force_login(tjk_focal)
    assert "See the 1 action on this paragraph" in client.get(url).content.decode()

    client.force_login(kaz_focal)
    page = client.get(url).content.decode()
    assert page.count("Actions on this paragraph") == 1
    assert "See the" not in page


def _file_submitted(participants, cycle, user, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        file_action(
            participants[n % len(participants)],
            cycle,
            user,
            title=f"Action {n:03d}",
            numbers=(6,),
            state=Submission.State.SUBMITTED,
        )


def _participants(count: int) -> list[Participant]:
    return Participant.objects.bulk_create(
        Participant(code=f"P{n:02d}", name=f"Participant {n:02d}", kind=Participant.Kind.STATE)
        for n in range(count)
    )


@pytest.mark.parametrize("rows", [1, 50])
def test_the_paragraph_page_runs_the_same_queries_for_1_and_50_actions(
    rows, client, cycle, declaration, secretariat, django_assert_num_queries
):
    _file_submitted(_participants(20), cycle, secretariat, rows)
    client.force_login(secretariat)
    url = declaration.paragraphs.get(number=6).get_absolute_url()

    # session, user, the paragraph with the version of its declaration's text; its text
    # built: paragraph with declaration and section, its themes, its references, its texts
    # with their versions; memberships; the version of what the secretariat sees of the
    # declaration, then the tallies of the current cycle with its ratings (the secretariat
    # files nothing: no query for "New action")
    with django_assert_num_queries(10):
        page = client.get(url).content.decode()
    # then both parts kept: session, user, the text's version, memberships, the version
    with django_assert_num_queries(5):
        again = client.get(url).content.decode()

    assert f"See the {rows} action" in page and f"See the {rows} action" in again


def test_the_paragraph_page_does_not_grow_with_the_number_of_actions(
    client, cycle, declaration, secretariat
):
    participants = _participants(20)
    url = declaration.paragraphs.get(number=6).get_absolute_url()
    client.force_login(secretariat)
    _file_submitted(participants, cycle, secretariat, 20)
    small = client.get(url).content.decode()

    _file_submitted(participants, cycle, secretariat, 80, start=20)
    # returned and submitted again to take them: the services raise the version each time
    Submission.objects.update(version=F("version") + 2)
    large = client.get(url).content.decode()

    assert "See the 20 actions" in small and "See the 100 actions" in large
    assert large.count("<tr>") == small.count("<tr>")
    # Only the figures' digits differ (20 → 100, 1 → 5 per participant).
    assert len(large.encode()) - len(small.encode()) < 50
