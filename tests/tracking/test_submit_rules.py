"""What a submission must hold before it is submitted, and no form offered where nothing can
change."""

from django.urls import reverse

from tests.conftest import new_cycle
from tests.tracking.filings import rate_all
from tracking import services
from tracking.models import Action, Assessment, Evidence, ReportingCycle, Submission
from tracking.services import FilingRefused
from tracking.submission_rules import submission_problems


def _submit_url(submission):
    return reverse("tracking:submission_submit", args=["TJK", submission.cycle_id])


def _rate_url(cycle, number):
    return reverse("tracking:assessment_edit", args=["TJK", cycle.pk, number])


def _add_evidence(action, user):
    return services.evidence_add(
        action=action, user=user, title="Gazette", date=None, url="https://example.org/gazette"
    )


def _refused(submission, user):
    submission.refresh_from_db()
    try:
        services.submission_submit(submission=submission, version=submission.version, user=user)
    except FilingRefused as refused:
        return refused
    raise AssertionError("the submission was accepted")


def test_an_incomplete_draft_is_refused_with_what_is_missing_and_nothing_changes(
    tjk_action, tjk_focal
):
    submission = tjk_action.submission

    refused = _refused(submission, tjk_focal)

    assert len(refused.problems) == 16
    assert refused.problems[0].message == "OP1 has no rating yet."
    assert refused.problems[0].url == _rate_url(submission.cycle, 1)
    submission.refresh_from_db()
    assert (submission.state, submission.version, submission.submitted_at) == ("draft", 1, None)


def test_a_complete_draft_is_submitted(tjk_action, tjk_focal):
    submission = rate_all(tjk_action.submission, user=tjk_focal)

    assert submission_problems(submission) == []
    services.submission_submit(submission=submission, version=1, user=tjk_focal)

    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_fully_implemented_loses_its_evidence_and_the_submit_is_refused(
    client, cycle, tjk_action, tjk_focal
):
    evidence = _add_evidence(tjk_action, tjk_focal)
    client.force_login(tjk_focal)
    rated = client.post(
        _rate_url(cycle, 6), {"version": 0, "rating": "fully", "justification": "In force."}
    )
    assert rated.status_code == 302
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    assert submission_problems(submission) == []
    client.post(reverse("tracking:evidence_delete", args=[evidence.pk]))

    response = client.post(_submit_url(submission), {"version": 1}, follow=True)

    page = response.content.decode()
    assert "Not submitted: 1 thing is missing, listed below." in page
    assert "What is missing before you can submit" in page
    assert "OP6 is rated “Fully implemented”, but no action on it has evidence" in page
    assert f'href="{tjk_action.get_absolute_url()}"' in page
    assert Submission.objects.get().state == "draft"


def test_evidence_of_an_earlier_cycle_does_not_hold_up_a_rating(declaration, tajikistan, tjk_focal):
    earlier = new_cycle(declaration, 2025)
    action = services.action_create(
        participant=tajikistan,
        declaration=declaration,
        paragraphs=[declaration.paragraphs.get(number=6)],
        user=tjk_focal,
        values={"title": "Decree", "lead_institution": "Ministry", "status": "completed"},
    )
    _add_evidence(action, tjk_focal)
    earlier.state = ReportingCycle.State.CLOSED
    earlier.save()
    later = services.submission_start(
        participant=tajikistan, cycle=new_cycle(declaration, 2026), user=tjk_focal
    )
    rate_all(later, user=tjk_focal)
    later.assessments.filter(paragraph__number=6).update(rating="fully", justification="Done.")

    problems = submission_problems(later)

    assert [p.message for p in problems] == [
        "OP6 is rated “Fully implemented”, but this submission has no action on it with "
        "evidence: file one, or change the rating."
    ]
    assert problems[0].url == reverse("tracking:assessment_edit", args=["TJK", later.cycle_id, 6])


def test_not_applicable_and_no_information_need_a_justification(client, cycle, tjk_focal):
    client.force_login(tjk_focal)

    for rating, reason in [
        ("not_applicable", "Say why the paragraph does not apply."),
        ("no_information", "Say why there is no information on the paragraph."),
    ]:
        response = client.post(
            _rate_url(cycle, 3), {"version": 0, "rating": rating, "justification": " "}
        )
        assert reason in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_rating_without_a_justification_is_listed_as_missing(tjk_action, tjk_focal):
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    submission.assessments.filter(paragraph__number=2).update(
        rating="no_information", justification=""
    )

    assert [p.message for p in submission_problems(submission)] == [
        "OP2 is rated “No information” without a justification."
    ]


def test_a_crafted_submit_of_an_incomplete_draft_changes_nothing(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    submission = tjk_action.submission
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "What is missing before you can submit" in page
    assert f'href="{_rate_url(submission.cycle, 1)}"' in page
    assert _submit_url(submission) not in page  # no Submit button

    response = client.post(_submit_url(submission), {"version": 1})

    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.state, submission.version) == ("draft", 1)
    assert not submission.history.filter(state="submitted").exists()


def test_the_check_costs_the_same_queries_however_many_ratings(
    tjk_action, tjk_focal, django_assert_num_queries
):
    submission = tjk_action.submission
    _add_evidence(tjk_action, tjk_focal)
    # paragraphs, ratings
    with django_assert_num_queries(2):
        submission_problems(submission)
    rate_all(submission, user=tjk_focal)
    submission.assessments.update(rating="fully", justification="Done.")
    # paragraphs, ratings, paragraphs with evidence, the actions on those without
    with django_assert_num_queries(4):
        assert len(submission_problems(submission)) == 15


def _submitted(tjk_action, tjk_focal):
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    services.submission_submit(submission=submission, version=1, user=tjk_focal)
    return submission


def test_no_new_action_form_once_the_submission_is_submitted(
    client, tjk_action, tjk_focal, tjk_coordinator
):
    _submitted(tjk_action, tjk_focal)
    client.force_login(tjk_focal)
    url = reverse("tracking:action_create")

    response = client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Tajikistan&#x27;s 2026 submission is submitted: it can no longer change. A coordinator "
        "of Tajikistan can return it to draft: Kamila Coordinator."
    ) in page
    assert 'name="title"' not in page
    assert "Save action" not in page
    data = {"participant": tjk_action.participant_id, "title": "Late", "lead_institution": "M",
            "status": "planned", "progress": 0,
            "paragraphs": [tjk_action.paragraphs.get().pk]}  # fmt: skip
    refused = client.post(url, data).content.decode()
    assert "can no longer change: nothing was saved" in refused
    assert Action.objects.count() == 1


def test_no_new_action_form_without_an_open_cycle(client, cycle, tjk_focal):
    cycle.state = ReportingCycle.State.CLOSED
    cycle.save()
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:action_create")).content.decode()

    assert "There is no open reporting cycle for Dushanbe Declaration" in page
    assert "Save action" not in page


def test_the_new_action_links_are_not_offered_once_submitted(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    create = reverse("tracking:action_create")
    assert create in client.get(reverse("tracking:actions")).content.decode()
    assert create in client.get(reverse("home")).content.decode()

    _submitted(tjk_action, tjk_focal)

    assert create not in client.get(reverse("tracking:actions")).content.decode()
    assert create not in client.get(reverse("home")).content.decode()


def test_a_submitted_submission_offers_no_rating_links_and_says_who_can_reopen_it(
    client, tjk_action, tjk_focal, tjk_coordinator
):
    submission = _submitted(tjk_action, tjk_focal)
    client.force_login(tjk_focal)

    page = client.get(submission.get_absolute_url()).content.decode()

    assert "Rate paragraph" not in page
    assert reverse("tracking:action_create") not in page
    assert "What is missing" not in page
    assert "A coordinator of Tajikistan can return it to draft: Kamila Coordinator." in page


def test_a_closed_cycles_draft_offers_no_rating_links(client, cycle, tjk_action, tjk_focal):
    cycle.state = ReportingCycle.State.CLOSED
    cycle.save()
    client.force_login(tjk_focal)

    page = client.get(tjk_action.submission.get_absolute_url()).content.decode()

    assert "Rate paragraph" not in page
    assert "The 2026 reporting cycle is closed: nothing filed in it can change any more." in page
    assert Evidence.objects.count() == 0
