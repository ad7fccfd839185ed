"""The secretariat chases a late participant from the completeness page, once a day."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tracking.models import Chase, ReportingCycle, User

from .filings import submission

pytestmark = pytest.mark.usefixtures("mail_tasks_run_at_once", "addresses")

COMPLETENESS = reverse("tracking:completeness")


def _chase_url(cycle, code: str) -> str:
    return reverse("tracking:participant_chase", args=[cycle.pk, code])


def _row(html: str, participant: str) -> str:
    return re.search(rf"<td\s*>{participant}</td>(.*?)</tr>", html, re.S).group(1)


def _chase(client, cycle, code, callbacks):
    with callbacks(execute=True):
        return client.post(_chase_url(cycle, code), follow=True)


def test_chasing_mails_the_focal_points_and_coordinators_and_is_logged(
    client, cycle, tajikistan, tjk_focal, tjk_coordinator, tjk_viewer, kaz_focal, secretariat,
    mailoutbox, django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(secretariat)

    response = _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)

    assert response.redirect_chain == [(f"{COMPLETENESS}?cycle={cycle.pk}", 302)]
    assert "Tajikistan was chased: 2 people get an e-mail." in response.text
    assert sorted(m.to[0] for m in mailoutbox) == [
        "tjk-coordinator@example.org",
        "tjk-focal@example.org",
    ]
    mail = mailoutbox[0]
    assert mail.subject == (
        "The secretariat asks for the Dushanbe Declaration 2026 report of Tajikistan"
    )
    assert "Sara Secretariat of the secretariat asks" in mail.body
    assert f"https://tracker.example.org/tracking/submissions/TJK/{cycle.pk}/" in mail.body
    chase = Chase.objects.get()
    assert (chase.cycle, chase.participant, chase.by) == (cycle, tajikistan, secretariat)
    assert chase.mailed_at is not None
    today = timezone.localdate().isoformat()
    row = _row(response.text, "Tajikistan")
    assert f"Chased on {today} by Sara Secretariat" in row
    assert "Chase<" not in row  # not offered again today
    assert "Chase<" in _row(response.text, "Kazakhstan")


def test_a_second_chase_the_same_day_is_refused_and_sends_nothing(
    client, cycle, tjk_focal, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)
    mailoutbox.clear()

    response = _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)

    assert "Tajikistan was already chased today" in response.text
    assert mailoutbox == []
    assert Chase.objects.count() == 1


def test_a_participant_chased_yesterday_may_be_chased_again(
    client, cycle, tajikistan, tjk_focal, secretariat, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    yesterday = timezone.now() - timedelta(days=1)
    Chase.objects.create(
        cycle=cycle, participant=tajikistan, by=secretariat, at=yesterday,
        on=timezone.localdate(yesterday), mailed_at=yesterday,
    )  # fmt: skip
    client.force_login(secretariat)
    assert "Chase<" in _row(client.get(COMPLETENESS).text, "Tajikistan")

    _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)

    assert Chase.objects.count() == 2
    assert len(mailoutbox) == 2


def test_a_participant_that_submitted_is_not_offered_nor_chased(
    client, cycle, tajikistan, tjk_focal, secretariat, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    submission(tajikistan, cycle, "submitted")
    client.force_login(secretariat)
    assert "Chase<" not in _row(client.get(COMPLETENESS).text, "Tajikistan")

    response = _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)

    assert "Tajikistan has nothing outstanding in the Dushanbe Declaration 2026 cycle" in (
        response.text
    )
    assert not Chase.objects.exists()
    assert mailoutbox == []


def test_nothing_is_chased_in_a_closed_cycle(
    client, cycle, tajikistan, tjk_focal, secretariat, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    ReportingCycle.objects.filter(pk=cycle.pk).update(state=ReportingCycle.State.CLOSED)
    client.force_login(secretariat)
    assert "Chase<" not in client.get(COMPLETENESS).text

    response = _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)

    assert "reporting cycle is not open: nobody was chased" in response.text
    assert not Chase.objects.exists()


def test_opted_out_members_are_not_chased_and_the_secretariat_is_told(
    client, cycle, tjk_focal, tjk_coordinator, secretariat, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    User.objects.filter(pk__in=[tjk_focal.pk, tjk_coordinator.pk]).update(notify_reminders=False)
    client.force_login(secretariat)

    response = _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)

    assert "nobody gets an e-mail" in response.text
    assert mailoutbox == []
    assert Chase.objects.count() == 1


def test_a_duplicate_delivery_of_the_chase_task_mails_nothing_more(
    client, cycle, tjk_focal, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    from tracking.tasks import send_chase

    client.force_login(secretariat)
    _chase(client, cycle, "TJK", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2

    assert send_chase.apply(args=[Chase.objects.get().pk]).get() == 0
    assert len(mailoutbox) == 2


def test_a_participant_outside_the_cycle_is_not_found(client, cycle, secretariat, kazakhstan):
    cycle.participants.remove(kazakhstan)
    client.force_login(secretariat)

    assert client.post(_chase_url(cycle, "KAZ")).status_code == 404
    assert client.post(_chase_url(cycle, "XXX")).status_code == 404
    assert "Chase<" not in _row(client.get(COMPLETENESS).text, "Kazakhstan")


def test_chasing_is_a_post(client, cycle, tajikistan, secretariat):
    client.force_login(secretariat)

    assert client.get(_chase_url(cycle, "TJK")).status_code == 405
