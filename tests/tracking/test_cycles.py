"""The secretariat plans, opens, edits and closes reporting cycles in the app."""

import re

import pytest
from django.urls import reverse

from tests.conftest import new_cycle
from tests.tracking.filings import rate_all, submission
from tracking import services
from tracking.models import ReportingCycle, Submission

NEW = reverse("tracking:cycle_create")


def _fields(declaration, *participants, **changes) -> dict:
    return {
        "declaration": declaration.pk,
        "name": "2027",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "due_on": "2028-01-31",
        "participants": [p.pk for p in participants],
        **changes,
    }


def test_the_new_cycle_form_preselects_the_declaration_and_all_its_participants(
    client, secretariat, declaration, tajikistan, kazakhstan
):
    client.force_login(secretariat)

    form = client.get(NEW).context["form"]

    assert form.initial["declaration"] == declaration.pk
    assert set(form.initial["participants"]) == {tajikistan.pk, kazakhstan.pk}
    page = client.get(NEW).content.decode()
    for label in (
        "Declaration",
        "Name",
        "Period starts on",
        "Period ends on",
        "Submissions due on",
    ):
        assert f">{label}:</label>" in page
    assert "<legend>Participants in scope</legend>" in page
    assert "Create cycle" in page


def test_it_creates_a_planned_cycle_and_shows_it(
    client, secretariat, declaration, tajikistan, kazakhstan
):
    client.force_login(secretariat)

    response = client.post(NEW, _fields(declaration, tajikistan))

    cycle = ReportingCycle.objects.get(name="2027")
    assert response.url == reverse("tracking:cycle", args=[cycle.pk])
    assert cycle.state == ReportingCycle.State.PLANNED
    assert list(cycle.participants.all()) == [tajikistan]
    page = client.get(response.url).content.decode()
    assert "Tajikistan" in page and "Kazakhstan" not in page
    assert "Open cycle" in page and "Close cycle" not in page
    assert cycle.history.get().history_user == secretariat


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": "2026-12-31"}, "ends_on", "The period cannot end before it starts."),
        ({"due_on": "2026-12-31"}, "due_on", "Submissions cannot be due before the period starts."),
        ({"name": "2026"}, "name", "already has a cycle named “2026”"),
        ({"participants": []}, "participants", "Choose at least one participant."),
        ({"starts_on": "1 Jan"}, "starts_on", "Enter a valid date."),
    ],
)
def test_it_writes_nothing_on_bad_input_and_says_why_next_to_the_field(
    client, secretariat, cycle, tajikistan, changes, field, message
):
    client.force_login(secretariat)

    response = client.post(NEW, _fields(cycle.declaration, tajikistan, **changes))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    # The summary links to the field (the participants' fieldset has no single input).
    assert f'<a href="#id_{field}">' in response.content.decode()
    assert list(ReportingCycle.objects.values_list("name", flat=True)) == ["2026"]


def test_it_refuses_participants_of_another_declaration(
    client, secretariat, declaration, tajikistan
):
    from declarations.models import Declaration
    from tracking.models import Participant

    other = Declaration.objects.create(title="Other", short_title="Other", slug="other")
    stranger = Participant.objects.create(code="FRA", name="France", kind="state")
    stranger.declarations.add(other)
    client.force_login(secretariat)

    response = client.post(NEW, _fields(declaration, tajikistan, stranger))

    assert (
        "Not a participant of Dushanbe Declaration: France."
        in (response.context["form"].errors["participants"])
    )
    assert not ReportingCycle.objects.exists()


def test_opening_a_planned_cycle(client, secretariat, declaration, tajikistan):
    planned = new_cycle(declaration, 2027, state=ReportingCycle.State.PLANNED)
    client.force_login(secretariat)

    response = client.post(reverse("tracking:cycle_open", args=[planned.pk]))

    planned.refresh_from_db()
    assert response.url == planned.get_absolute_url()
    assert planned.is_open
    page = client.get(response.url).content.decode()
    assert "The Dushanbe Declaration 2027 cycle is now open." in page
    assert "Close cycle" in page and "Open cycle" not in page


def test_opening_a_second_cycle_of_the_declaration_is_refused(client, secretariat, cycle):
    planned = new_cycle(cycle.declaration, 2027, state=ReportingCycle.State.PLANNED)
    client.force_login(secretariat)

    response = client.post(reverse("tracking:cycle_open", args=[planned.pk]), follow=True)

    planned.refresh_from_db()
    assert planned.state == ReportingCycle.State.PLANNED
    assert "Close 2026 first." in response.content.decode()


def test_closing_is_refused_while_submissions_are_under_review(
    client, secretariat, cycle, tajikistan, kazakhstan
):
    submission(tajikistan, cycle, Submission.State.SUBMITTED)
    submission(kazakhstan, cycle, Submission.State.APPROVED)
    client.force_login(secretariat)
    url = reverse("tracking:cycle_close", args=[cycle.pk])

    asked = client.post(url)
    unticked = client.post(url, {"confirming": "1"})

    cycle.refresh_from_db()
    assert cycle.is_open
    page = asked.content.decode()
    assert "Tajikistan" in page and "Kazakhstan" not in page
    assert "Close anyway: submissions under review stay submitted and can still be approved" in page
    assert unticked.context["form"].errors["confirmed"] == [
        "Tick the box to close the cycle while submissions are under review."
    ]


def test_closing_with_submissions_under_review_once_confirmed(
    client, secretariat, cycle, tajikistan, tjk_coordinator
):
    under_review = submission(tajikistan, cycle, Submission.State.SUBMITTED)
    client.force_login(secretariat)

    response = client.post(
        reverse("tracking:cycle_close", args=[cycle.pk]), {"confirming": "1", "confirmed": "on"}
    )

    cycle.refresh_from_db()
    assert response.url == cycle.get_absolute_url()
    assert cycle.state == ReportingCycle.State.CLOSED
    page = client.get(response.url).content.decode()
    assert "cannot be reopened" in page and "Open cycle" not in page
    approved = services.submission_approve(
        submission=under_review, version=under_review.version, user=tjk_coordinator
    )
    assert approved.state == Submission.State.APPROVED


def test_a_closed_cycle_is_neither_reopened_nor_edited(client, secretariat, cycle):
    services.cycle_close(cycle=cycle, user=secretariat, confirmed=False)
    client.force_login(secretariat)

    client.post(reverse("tracking:cycle_open", args=[cycle.pk]))
    edit = client.get(reverse("tracking:cycle_edit", args=[cycle.pk]))

    cycle.refresh_from_db()
    assert cycle.state == ReportingCycle.State.CLOSED
    assert edit.url == cycle.get_absolute_url()


def test_editing_keeps_the_declaration_and_those_who_filed(
    client, secretariat, cycle, tajikistan, kazakhstan
):
    submission(tajikistan, cycle)
    client.force_login(secretariat)
    url = reverse("tracking:cycle_edit", args=[cycle.pk])

    form = client.get(url).context["form"]
    dropped = client.post(url, _fields(cycle.declaration, kazakhstan, name="2026"))
    saved = client.post(url, _fields(cycle.declaration, tajikistan, name="2026 (revised)"))

    assert form.fields["declaration"].disabled
    assert "Tajikistan already filed in this cycle" in str(dropped.context["form"].errors)
    assert saved.url == cycle.get_absolute_url()
    cycle.refresh_from_db()
    assert (cycle.name, list(cycle.participants.all())) == ("2026 (revised)", [tajikistan])
    assert "2026 (revised)" in client.get(saved.url).content.decode()


def test_the_cycle_page_shows_each_participants_submission_and_the_history(
    client, secretariat, tjk_focal, declaration, tajikistan, kazakhstan
):
    planned = new_cycle(declaration, 2027, state=ReportingCycle.State.PLANNED)
    services.cycle_open(cycle=planned, user=secretariat)
    submission(tajikistan, planned, Submission.State.SUBMITTED)
    submission(kazakhstan, planned, Submission.State.DRAFT)
    client.force_login(secretariat)

    page = client.get(planned.get_absolute_url()).content.decode()

    tajik = reverse("tracking:submission", args=["TJK", planned.pk])
    assert f'<a href="{tajik}">Submitted</a>' in page
    # A draft is its participant's own: the secretariat gets no link to it.
    assert reverse("tracking:submission", args=["KAZ", planned.pk]) not in page
    assert '<span class="badge">Draft</span>' in page
    assert "State: Planned → Open" in page
    assert "Sara Secretariat" in page
    assert f'href="{reverse("tracking:cycles")}">Cycles</a>' in page
    client.force_login(tjk_focal)
    assert reverse("tracking:cycles") not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("cycles", [1, 20])
def test_the_list_runs_the_same_queries_for_1_and_20_cycles(
    cycles, client, secretariat, declaration, tajikistan, kazakhstan, django_assert_num_queries
):
    for year in range(2000, 2000 + cycles):
        submission(tajikistan, new_cycle(declaration, year, state="closed"), "approved")
    submission(kazakhstan, ReportingCycle.objects.get(name="2000"), "submitted")
    client.force_login(secretariat)

    # session, user, the user's memberships (page header), the COUNT of the paginator, one page
    # of cycles with their declaration and their three counts (subqueries).
    with django_assert_num_queries(5):
        response = client.get(reverse("tracking:cycles"))
    page = response.content.decode()
    assert "New cycle" in page
    # One page of at most 25 cycles (4.3 KB with 1, 9.3 KB with 20).
    assert len(response.content) <= 5_000 + min(cycles, 25) * 300
    shown = list(response.context["table"].page.object_list.data)
    assert shown[0].name == str(2000 + cycles - 1)  # newest first
    oldest = shown[-1]
    assert (oldest.participant_count, oldest.submitted_count, oldest.approved_count) == (2, 1, 1)


def test_the_cycle_page_shows_a_new_submission_state_and_scope_at_once(
    client, secretariat, cycle, tajikistan, kazakhstan, tjk_focal
):
    client.force_login(secretariat)
    assert "2 participants in scope" in client.get(cycle.get_absolute_url()).text

    draft = submission(tajikistan, cycle)
    page = client.get(cycle.get_absolute_url()).text
    assert re.search(r"Tajikistan <span[^>]*>TJK</span></th><td><span[^>]*>Draft<", page)

    services.submission_submit(submission=rate_all(draft), version=draft.version, user=tjk_focal)
    page = client.get(cycle.get_absolute_url()).text
    link = reverse("tracking:submission", args=["TJK", cycle.pk])
    assert f'<a href="{link}">Submitted</a>' in page

    services.cycle_edit(
        cycle=cycle,
        user=secretariat,
        values={
            "declaration": cycle.declaration,
            "name": cycle.name,
            "starts_on": cycle.starts_on,
            "ends_on": cycle.ends_on,
            "due_on": cycle.due_on,
        },
        participants=[tajikistan],
    )
    page = client.get(cycle.get_absolute_url()).text
    assert "1 participant in scope" in page
    assert "Kazakhstan" not in page


@pytest.mark.parametrize("edits", [1, 30])
def test_the_cycle_page_shows_its_newest_history_in_constant_queries(
    edits, client, secretariat, cycle, django_assert_num_queries
):
    for n in range(edits):
        cycle.name = f"Renamed {n}"
        cycle.save()
    client.force_login(secretariat)

    # session, user, memberships (header), the cycle with its declaration and its publication,
    # the version of the declaration's records, its participants with their submission's
    # state, and the newest history entries with the records before them and their users: one
    # query for the cycle's, one for its publication's.
    with django_assert_num_queries(8):
        response = client.get(cycle.get_absolute_url())
    # Again: the participants' rows and the newest history entries from the cache (their
    # users, none here, would be read in one query).
    with django_assert_num_queries(5):
        again = client.get(cycle.get_absolute_url())
    heading = 'id="history-heading"'
    assert again.text[again.text.index(heading) :] == response.text[response.text.index(heading) :]

    history = response.text[response.text.index('id="history-heading"') :]
    assert history.count("<p><strong>") == min(edits + 1, 20)
    assert f"Name: Renamed {edits - 2} → Renamed {edits - 1}" in history or edits == 1
    assert ("Older entries" in history) == (edits + 1 > 20)
    # 20 entries at most, each under 400 bytes.
    assert len(response.content) <= 6_000 + min(edits + 1, 20) * 400
