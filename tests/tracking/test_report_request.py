"""Asking for a report stores it and sends its task after commit; the page returns at once."""

import pytest
from django.db import transaction
from django.urls import reverse
from kombu.exceptions import OperationalError

from tests.conftest import new_cycle
from tracking import services
from tracking.models import Report
from tracking.tasks import build_report

pytestmark = pytest.mark.django_db


def test_the_form_labels_every_field_and_offers_a_focal_point_only_their_participant(
    client, tjk_focal, kazakhstan, cycle
):
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:report_request")).content.decode()

    for label in ("Declaration", "Cycle", "Participants", "Paragraphs", "Format"):
        assert f">{label}:</label>" in page
    assert "Request report</button>" in page
    assert "Tajikistan" in page
    assert "Kazakhstan" not in page


# A real commit (transactional_db), as in production: the task is sent when the request's
# transaction commits, before the page answers.
@pytest.mark.django_db(transaction=True)
def test_a_request_is_stored_and_its_task_sent_once_committed(
    client, tjk_focal, tajikistan, declaration, cycle, monkeypatch
):
    sent = []
    monkeypatch.setattr(build_report, "apply_async", lambda args, **kw: sent.append(args))
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:report_request"),
        {"declaration": declaration.pk, "cycle": cycle.pk, "format": "pdf",
         "participants": [tajikistan.pk]},
        follow=True,
    )  # fmt: skip

    report = Report.objects.get()
    assert (report.state, report.format, report.requested_by) == ("queued", "pdf", tjk_focal)
    assert list(report.participants.all()) == [tajikistan]
    assert sent == [[report.pk]]
    assert report.enqueued_at is not None
    assert f"Report #{report.pk} is queued." in response.content.decode()


def test_no_task_is_sent_when_the_requests_transaction_rolls_back(
    tjk_focal, declaration, cycle, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(build_report, "apply_async", lambda args, **kw: sent.append(args))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.report_request(
                    user=tjk_focal, declaration=declaration, cycle=cycle, participants=[],
                    paragraphs=[], format="csv",
                )  # fmt: skip
                raise RuntimeError("something later in the request failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert sent == []
    assert not Report.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_report_stays_queued_and_the_user_is_told(
    client, tjk_focal, declaration, cycle, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_report, "apply_async", broker_down)
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:report_request"),
        {"declaration": declaration.pk, "cycle": cycle.pk, "format": "xlsx"},
        follow=True,
    )

    report = Report.objects.get()
    assert (report.state, report.enqueued_at) == ("queued", None)
    page = response.content.decode()
    assert "The queue is unavailable; your report will run when it is back." in page

    # The broker is back: the periodic sweep sends what it never got.
    sent = []
    monkeypatch.setattr(build_report, "apply_async", lambda args, **kw: sent.append(args))
    assert services.reports_sweep()["dispatched"] == 1
    report.refresh_from_db()
    assert sent == [[report.pk]] and report.enqueued_at is not None
    assert services.reports_sweep()["dispatched"] == 0


def test_a_cycle_of_another_declaration_is_refused_next_to_its_field(
    client, secretariat, declaration, cycle
):
    from declarations.models import Declaration

    other = Declaration.objects.create(title="Other", short_title="Other", slug="other")
    other_cycle = new_cycle(other, 2030)
    client.force_login(secretariat)

    response = client.post(
        reverse("tracking:report_request"),
        {"declaration": declaration.pk, "cycle": other_cycle.pk, "format": "pdf"},
    )

    assert response.status_code == 200
    assert "Choose a cycle of the chosen declaration." in response.content.decode()
    assert not Report.objects.exists()


def test_my_reports_lists_state_and_progress_with_a_constant_number_of_queries(
    client, tjk_focal, tajikistan, declaration, cycle, django_assert_num_queries
):
    def make(count):
        for _ in range(count):
            report = Report.objects.create(
                requested_by=tjk_focal, declaration=declaration, cycle=cycle, format="csv",
                state="running", progress=42,
            )  # fmt: skip
            report.participants.set([tajikistan])

    client.force_login(tjk_focal)
    url = reverse("tracking:reports_fragment") + "?per_page=50"
    make(1)
    # session, user, COUNT of the reports, the page of reports with their declaration,
    # cycle, requester and participant count in one join.
    with django_assert_num_queries(4):
        page = client.get(url).content.decode()
    assert "42%" in page and "1 participant" in page
    one_row = len(page.encode())
    make(49)
    with django_assert_num_queries(4):
        page = client.get(url).content.decode()
    assert page.count("42%</progress>") == 50
    # The page asked for 50 rows (at most 100, test_page_size.py): about 700 bytes each.
    assert len(page.encode()) <= one_row + 49 * 800
