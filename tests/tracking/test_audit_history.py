"""The action page tells who changed which field, from what to what."""

import re
from datetime import date

from django.urls import reverse

from tests.tracking.filings import rate_all
from tracking import versioning
from tracking.models import ProgressUpdate


def test_after_an_edit_the_action_page_shows_who_changed_what(client, tjk_action, tjk_coordinator):
    client.force_login(tjk_coordinator)
    url = reverse("tracking:action_edit", args=[tjk_action.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    client.post(
        url, data | {"lead_institution": "Financial Monitoring Department", "status": "delayed"}
    )

    page = client.get(tjk_action.get_absolute_url()).content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "Kamila Coordinator" in history
    assert "Lead institution: Ministry of Finance → Financial Monitoring Department" in history
    assert "Status: In progress → Delayed" in history
    assert "Title:" not in history


def test_linking_another_paragraph_is_kept_in_the_history(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    url = reverse("tracking:action_edit", args=[tjk_action.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    paragraph_7 = tjk_action.declaration.paragraphs.get(number=7)
    client.post(url, data | {"paragraphs": [*data["paragraphs"], paragraph_7.pk]})

    page = client.get(tjk_action.get_absolute_url()).content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "Operative paragraphs: 6 → 6, 7" in history


def test_the_action_page_costs_the_same_queries_with_1_or_50_updates(
    client, tjk_action, tjk_focal, django_assert_num_queries
):
    client.force_login(tjk_focal)

    def add_updates(count):
        for day in range(count):
            ProgressUpdate.objects.create(
                action=tjk_action,
                submission=tjk_action.submission,
                date=f"2026-01-{day % 28 + 1:02d}",
                narrative="Step",
                status="in_progress",
                progress=day,
                created_by=tjk_focal,
            )
            tjk_action.version += 1
            tjk_action.save()

    # session, user, memberships (all roles, for every check and the header); the action with
    # participant, declaration, submission and its cycle and participant; the open-cycle
    # submission check; history
    # of the action, of its updates and of its evidence, with their users; paragraphs; updates
    # with authors; evidence; the update choices of the evidence form.
    add_updates(1)
    with django_assert_num_queries(12):
        client.get(tjk_action.get_absolute_url())
    add_updates(49)
    with django_assert_num_queries(12):
        response = client.get(tjk_action.get_absolute_url())
    assert response.content.decode().count("Filed by Farrukh Focal") == 50


def test_the_action_page_tells_when_evidence_was_added_and_deleted(
    client, tjk_action, tjk_focal, private_media
):
    client.force_login(tjk_focal)
    client.post(
        reverse("tracking:evidence_create", args=[tjk_action.pk]),
        {"title": "Decree No. 6", "url": "https://example.org/decree-6"},
    )
    evidence = tjk_action.evidence.get()
    client.post(reverse("tracking:evidence_delete", args=[evidence.pk]))

    page = client.get(tjk_action.get_absolute_url()).content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "Farrukh Focal · Created: evidence “Decree No. 6”" in history
    assert "Farrukh Focal · Deleted: evidence “Decree No. 6”" in history


def test_the_submission_page_tells_who_rated_submitted_and_returned(
    client, tjk_action, tjk_focal, tjk_coordinator
):
    submission = tjk_action.submission
    client.force_login(tjk_focal)
    rate = reverse("tracking:assessment_edit", args=["TJK", submission.cycle_id, 6])
    client.post(rate, {"rating": "partially", "justification": "Begun", "version": 0})
    rate_all(submission, user=tjk_focal)
    client.post(
        reverse("tracking:submission_submit", args=["TJK", submission.cycle_id]), {"version": 1}
    )
    client.force_login(tjk_coordinator)
    client.post(
        reverse("tracking:submission_review", args=["TJK", submission.cycle_id]),
        {"decision": "return", "comment": "Add the decree.", "version": 2},
    )

    page = client.get(submission.get_absolute_url()).content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "Farrukh Focal · Created: rating of paragraph 6" in history
    assert "State: Draft → Submitted" in history
    assert "Kamila Coordinator · Changed: the submission" in history
    assert "State: Submitted → Draft" in history
    assert "Add the decree." in history


def _submit(client, submission, focal):
    rate_all(submission, user=focal)
    client.force_login(focal)
    client.post(
        reverse("tracking:submission_submit", args=["TJK", submission.cycle_id]),
        {"version": submission.version},
    )


def test_the_history_names_the_submitter_and_tells_the_time_to_the_minute(
    client, tjk_action, tjk_focal
):
    _submit(client, tjk_action.submission, tjk_focal)

    page = client.get(tjk_action.submission.get_absolute_url()).content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "Submitted by: — → Farrukh Focal" in history
    submitted_at = re.search(r"Submitted at: — → (\S+ \S+)</li>", history).group(1)
    assert re.fullmatch(r"2\d{3}-\d{2}-\d{2} \d{2}:\d{2}", submitted_at)


def test_the_history_shows_dates_booleans_and_deleted_objects_readably(tjk_action, tjk_focal):
    tjk_action.start_date = date(2026, 3, 1)
    tjk_action.save()
    records = list(tjk_action.history.order_by("-history_id"))

    changes = versioning.field_changes(records[0], records[1])

    assert [str(change) for change in changes] == ["Start date: — → 2026-03-01"]
    # No audited model has a boolean or a dangling foreign key yet: the display itself.
    boolean = type(tjk_focal)._meta.get_field("is_secretariat")
    assert (versioning._display(boolean, True, {}), versioning._display(boolean, False, {})) == (
        "Yes",
        "No",
    )
    carried_from = type(tjk_action)._meta.get_field("carried_from")
    assert versioning._display(carried_from, 999, {}) == "#999 (deleted)"


def test_the_submission_history_costs_one_query_for_all_the_users_it_names(
    client, tjk_action, tjk_focal, tjk_coordinator, django_assert_num_queries
):
    submission = tjk_action.submission
    _submit(client, submission, tjk_focal)
    url = submission.get_absolute_url()

    def rate_twice(numbers):
        # Rated by the focal point (rate_all), then changed by the coordinator.
        for assessment in submission.assessments.filter(paragraph__number__in=numbers):
            assessment.updated_by = tjk_coordinator
            assessment.save()

    # The 17 queries pinned in test_submission_workflow.py for a draft, less the two of what
    # is missing (it is submitted), plus the coordinators who can return it, and one for the
    # users the changes name (submitter, raters), whatever their number; the previous cycle.
    rate_twice([1])
    with django_assert_num_queries(18):
        client.get(url)
    rate_twice(range(2, 12))
    with django_assert_num_queries(18):
        page = client.get(url).content.decode()
    assert page.count("Updated by: Farrukh Focal → Kamila Coordinator") == 11
