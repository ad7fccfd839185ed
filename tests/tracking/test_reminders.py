"""Reminders 30, 7 and 1 days before a cycle's due date, then weekly while it is overdue."""

import smtplib
from datetime import date

import pytest
from django.conf import settings

from tests.conftest import new_cycle
from tracking import notices
from tracking.models import ReminderSent, ReportingCycle, User
from tracking.tasks import send_reminders

from .filings import submission

pytestmark = pytest.mark.usefixtures("addresses")

# The `cycle` fixture is due on 2026-12-31.
FOCAL_POINTS_AND_COORDINATORS = [
    "kaz-focal@example.org",
    "tjk-coordinator@example.org",
    "tjk-focal@example.org",
]


def _run(day: str) -> int:
    return notices.reminders_send(today=date.fromisoformat(day))


def _to(mailoutbox) -> list[str]:
    return sorted(address for mail in mailoutbox for address in mail.to)


@pytest.mark.parametrize(
    ("today", "step"),
    [
        ("2026-11-30", None),
        ("2026-12-01", "due-30"),
        ("2026-12-23", "due-30"),
        ("2026-12-24", "due-7"),
        ("2026-12-30", "due-1"),
        ("2026-12-31", "due-1"),
        ("2027-01-01", "overdue-1"),
        ("2027-01-07", "overdue-1"),
        ("2027-01-08", "overdue-2"),
        ("2027-03-01", "overdue-9"),
    ],
)
def test_each_day_falls_in_one_step(today, step):
    assert notices.reminder_step(date(2026, 12, 31), date.fromisoformat(today)) == step


def test_each_step_goes_once_to_each_focal_point_and_coordinator_even_when_run_twice(
    cycle, tjk_focal, tjk_coordinator, tjk_viewer, kaz_focal, secretariat, mailoutbox
):
    sent_per_day = {}
    for day in [
        "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-24", "2026-12-25", "2026-12-30",
        "2026-12-31", "2027-01-01", "2027-01-07", "2027-01-08",
    ]:  # fmt: skip
        before = len(mailoutbox)
        first, second = _run(day), _run(day)
        sent_per_day[day] = len(mailoutbox) - before
        assert (first, second) == (sent_per_day[day], 0)

    assert sent_per_day == {
        "2026-11-30": 0,  # 31 days before: too early
        "2026-12-01": 3,  # 30 days
        "2026-12-02": 0,
        "2026-12-24": 3,  # 7 days
        "2026-12-25": 0,
        "2026-12-30": 3,  # 1 day
        "2026-12-31": 0,  # due today: the 1-day reminder went yesterday
        "2027-01-01": 3,  # first week overdue
        "2027-01-07": 0,
        "2027-01-08": 3,  # second week overdue
    }
    assert _to(mailoutbox[:3]) == FOCAL_POINTS_AND_COORDINATORS
    assert ReminderSent.objects.count() == 15
    assert ReminderSent.objects.filter(user=tjk_focal).count() == 5


def test_a_reminder_names_the_cycle_the_due_date_and_links_the_submission(
    cycle, tjk_focal, mailoutbox, settings
):
    settings.SITE_URL = "https://tracker.example.org"
    _run("2026-12-24")
    [mail] = [m for m in mailoutbox if m.to == ["tjk-focal@example.org"]]

    assert mail.subject == (
        "Reminder: the Dushanbe Declaration 2026 report of Tajikistan is due on 2026-12-31"
    )
    assert "It is due in 7 days." in mail.body
    assert f"Tajikistan: https://tracker.example.org/tracking/submissions/TJK/{cycle.pk}/" in (
        mail.body
    )

    mailoutbox.clear()
    _run("2027-01-09")
    [mail] = [m for m in mailoutbox if m.to == ["tjk-focal@example.org"]]
    assert mail.subject.startswith("Overdue: the Dushanbe Declaration 2026 report of Tajikistan")
    assert "It is 9 days overdue." in mail.body


def test_only_participants_that_have_not_submitted_are_reminded(
    cycle, tajikistan, kazakhstan, tjk_focal, tjk_coordinator, kaz_focal, mailoutbox
):
    submission(kazakhstan, cycle, "submitted")
    submission(tajikistan, cycle, "draft")

    _run("2026-12-01")

    assert _to(mailoutbox) == ["tjk-coordinator@example.org", "tjk-focal@example.org"]


def test_nobody_opted_out_without_an_address_or_outside_the_scope_is_reminded(
    cycle, kazakhstan, tjk_focal, tjk_coordinator, kaz_focal, mailoutbox
):
    User.objects.filter(pk=tjk_focal.pk).update(notify_reminders=False)
    User.objects.filter(pk=tjk_coordinator.pk).update(email="")
    cycle.participants.remove(kazakhstan)

    assert _run("2026-12-01") == 0
    assert mailoutbox == []


@pytest.mark.parametrize("state", [ReportingCycle.State.PLANNED, ReportingCycle.State.CLOSED])
def test_a_cycle_that_is_not_open_reminds_nobody(declaration, tjk_focal, mailoutbox, state):
    new_cycle(declaration, 2026, state=state)

    assert _run("2026-12-30") == 0
    assert mailoutbox == []


def test_a_step_another_scheduler_recorded_first_is_not_sent_again(cycle, tjk_focal, mailoutbox):
    ReminderSent.objects.create(user=tjk_focal, cycle=cycle, step="due-7")
    sent = []

    claimed = notices._claim_and_send(tjk_focal, cycle, "due-7", lambda: sent.append(1))

    assert claimed is False
    assert sent == []
    assert ReminderSent.objects.count() == 1


def test_a_reminder_that_could_not_be_sent_is_sent_on_the_next_run(
    cycle, tjk_focal, mailoutbox, monkeypatch
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    with monkeypatch.context() as patch:
        patch.setattr(notices, "send_mail", refuse)
        assert _run("2026-12-01") == 0
    assert not ReminderSent.objects.exists()

    assert _run("2026-12-02") == 3
    assert set(ReminderSent.objects.values_list("step", flat=True)) == {"due-30"}


def test_the_daily_task_sends_the_reminders_and_is_on_the_beat_schedule(
    cycle, tjk_focal, mailoutbox
):
    result = send_reminders.apply(kwargs={"today": "2026-12-30"})

    assert result.successful() and result.get() == 3
    assert _to(mailoutbox) == FOCAL_POINTS_AND_COORDINATORS
    assert send_reminders.apply(kwargs={"today": "2026-12-30"}).get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["notices-reminders"]
    assert entry["task"] == send_reminders.name
