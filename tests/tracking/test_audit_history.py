"""The action page tells who changed which field, from what to what."""

import re
from datetime import date

from django.core.cache import cache
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
    # participant, declaration, submission and its cycle, and the newest entry of each history
    # (the key of the kept history); the newest history of the action, of its updates and of
    # its evidence, each with the records before them and their users; paragraphs; the newest
    # updates with authors (which the evidence form offers too); the newest evidence.
    add_updates(1)
    with django_assert_num_queries(10):
        one = client.get(tjk_action.get_absolute_url())
    # Unchanged since: the history is kept, and the users it names are read in one query (here
    # none: these rows were written outside a request).
    with django_assert_num_queries(7):
        again = client.get(tjk_action.get_absolute_url())
    assert _history(again.text) == _history(one.text)
    add_updates(49)
    with django_assert_num_queries(10):
        fifty = client.get(tjk_action.get_absolute_url())
    add_updates(50)
    with django_assert_num_queries(10):
        hundred = client.get(tjk_action.get_absolute_url())

    # The newest 20 updates and 20 history entries, whatever their number.
    assert fifty.text.count("Filed by Farrukh Focal") == 20
    assert _history_entries(fifty.text) == 20
    assert "Older updates" in fifty.text and "Older entries" in fifty.text
    assert "Older updates" not in one.text and "Older entries" not in one.text
    # One update and 3 history entries, then 20 of each: at most 19 more of each; then
    # the page no longer grows (only a few digits of dates and progress differ).
    assert len(fifty.content) <= len(one.content) + 19 * 600 + 17 * 600
    assert abs(len(hundred.content) - len(fifty.content)) < 200


def _history(page: str) -> str:
    return page[page.index('id="history-heading"') :]


def _history_entries(page: str) -> int:
    return _history(page).count("<p><strong>")


def test_older_updates_and_history_are_a_link_away(client, tjk_action, tjk_focal):
    for day in range(25):
        ProgressUpdate.objects.create(
            action=tjk_action,
            submission=tjk_action.submission,
            date=f"2026-02-{day + 1:02d}",
            narrative=f"Step {day + 1}.",
            status="in_progress",
            progress=day,
            created_by=tjk_focal,
        )
    client.force_login(tjk_focal)
    page = client.get(tjk_action.get_absolute_url()).text
    assert "Step 25." in page and "Step 6." in page and "Step 5." not in page

    older = re.search(r'<a href="(\?updates=2#updates-heading)">Older updates</a>', page)
    second = client.get(tjk_action.get_absolute_url() + older.group(1)).text
    assert "Step 5." in second and "Step 1." in second and "Step 6." not in second
    assert '<a href="?#updates-heading">Newer updates</a>' in second
    assert "Older updates" not in second

    # 25 updates and the action's own creation: 26 entries, 20 then 6, none twice.
    history = re.search(r'<a href="(\?history_before=[^"]+)">Older entries</a>', page)
    rest = client.get(tjk_action.get_absolute_url() + history.group(1).replace("&amp;", "&"))
    assert _history_entries(page) == 20 and _history_entries(rest.text) == 6
    assert "Created" in rest.text[rest.text.index('id="history-heading"') :]
    assert "Newest entries" in rest.text and "Older entries" not in rest.text


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

    # The 12 queries pinned in test_submission_workflow.py for a draft, plus the coordinators
    # who can return it, the submitter (read as they are now), and one for the users the
    # changes name (submitter, raters), whatever their number; and what the kept content is
    # kept under (test_submission_page_cache.py): the version, the names (with the
    # coordinators), the matches and the earlier cycle's submission.
    # The app never writes a submitted submission's rows, so what the page keeps of them (its
    # content, which a second view reads instead of all those) is thrown away after this test
    # writes them directly.
    rate_twice([1])
    with django_assert_num_queries(18):
        client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    rate_twice(range(2, 12))
    cache.clear()
    with django_assert_num_queries(18):
        page = client.get(url).content.decode()
    with django_assert_num_queries(7):
        again = client.get(url).content.decode()
    history = 'id="history-heading"'
    assert again[again.index(history) :] == page[page.index(history) :]
    assert page.count("Updated by: Farrukh Focal → Kamila Coordinator") == 11
    # 16 more changes: the history shows its newest 20 entries, the page grows no further.
    for assessment in submission.assessments.all():
        assessment.justification = "Looked at again."
        assessment.save()
    cache.clear()
    with django_assert_num_queries(18):
        later = client.get(url).content.decode()
    assert later.count("Justification: Nothing done yet. → Looked at again.") == 16
    # Still 20 entries: only their wording differs (up to 50 bytes each).
    assert later[later.index('id="history-heading"') :].count("<p><strong>") == 20
    assert len(later.encode()) <= len(page.encode()) + 20 * 50
