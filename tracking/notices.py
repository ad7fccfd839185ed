"""What the tracker tells people by e-mail: workflow notices, reminders and chases.

Each function is called by one Celery task (tracking/tasks.py). A mail goes to each person
alone, in their language, only to those with an address who did not opt out on their profile
page. Reminders
and chases first write the row that records them, so that a second scheduler, a re-run or a
duplicate delivery sends nothing twice.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import languages
from .models import Chase, Membership, Participant, ReminderSent, ReportingCycle, Submission, User

logger = logging.getLogger(__name__)

# Days before the due date at which a reminder goes out, latest first.
REMINDER_DAYS = (1, 7, 30)


class Event:
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


def name_of(user: User) -> str:
    return user.get_full_name() or user.get_username()


def link(path: str) -> str:
    """An absolute link for a mail: mails are read outside the site."""
    return settings.SITE_URL + path


def recipients(participant_ids, roles: tuple[str, ...], preference: str) -> QuerySet[Membership]:
    """Memberships with one of `roles` whose user has an address and `preference` left on."""
    return (
        Membership.objects.filter(
            participant_id__in=participant_ids,
            role__in=roles,
            user__is_active=True,
            **{f"user__{preference}": True},
        )
        .exclude(user__email="")
        .select_related("user", "participant")
        .order_by("user_id", "participant__name")
    )


def _mail(user: User, subject: Callable[[], str], template: str, context: dict) -> None:
    """Writes one mail in the user's language: the subject is made, and the body rendered, in it."""
    with translation.override(languages.of_user(user)):
        context = {"user": user, "profile_link": link(reverse("tracking:profile")), **context}
        body = render_to_string(f"tracking/email/{template}.txt", context)
        send_mail(subject(), body, None, [user.email])


# Workflow notices


def submission_notice_send(*, submission_id: int, event: str, actor_id: int, comment: str) -> int:
    """Tells the coordinators that a submission came in, or its focal points how it was
    reviewed; not the person who acted. Returns the number of mails sent."""
    submission = Submission.objects.select_related("participant", "cycle__declaration").get(
        pk=submission_id
    )
    actor = User.objects.get(pk=actor_id)
    to_coordinators = event == Event.SUBMITTED
    role = Membership.Role.COORDINATOR if to_coordinators else Membership.Role.FOCAL_POINT
    context = {
        "participant": submission.participant,
        "cycle": submission.cycle,
        "actor": name_of(actor),
        "comment": comment,
        "link": link(submission.get_absolute_url()),
    }
    values = {"participant": submission.participant, "cycle": submission.cycle}
    sent = 0
    members = recipients([submission.participant_id], (role,), "notify_workflow")
    for membership in members.exclude(user=actor):
        _mail(membership.user, lambda: SUBJECTS[event] % values, f"submission_{event}", context)
        sent += 1
    return sent


# Lazy: each is translated when a mail is written, in its recipient's language.
SUBJECTS = {
    Event.SUBMITTED: gettext_lazy("%(participant)s submitted its %(cycle)s report"),
    Event.RETURNED: gettext_lazy("The %(cycle)s report of %(participant)s was returned to draft"),
    Event.APPROVED: gettext_lazy("The %(cycle)s report of %(participant)s was approved"),
}


# Reminders


def reminder_step(due_on: date, today: date) -> str | None:
    """Which reminder is due today: 'due-30', 'due-7', 'due-1' from that many days before the
    due date, then 'overdue-N' in the Nth week after it; None more than 30 days before.

    A step is the latest one reached, not only its exact day, so a day the scheduler missed
    is made up the next day; each step still goes out once (ReminderSent).
    """
    days_left = (due_on - today).days
    if days_left < 0:
        return f"overdue-{(-days_left - 1) // 7 + 1}"
    for days in REMINDER_DAYS:
        if days_left <= days:
            return f"due-{days}"
    return None


def outstanding(cycle: ReportingCycle) -> QuerySet[Participant]:
    """The participants in the cycle's scope that have not submitted (no submission, or a draft)."""
    sealed = Submission.objects.filter(
        participant=OuterRef("pk"), cycle=cycle, state__in=Submission.VISIBLE_TO_SECRETARIAT
    )
    return cycle.participants.filter(~Exists(sealed))


@dataclass
class Reminder:
    user: User
    participants: list[Participant]


def _claim_and_send(user: User, cycle: ReportingCycle, step: str, send) -> bool:
    """Records the step for the user, then sends: a row already there (another scheduler, a
    re-run) means it went; a failed send rolls the row back for the next run."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(user=user, cycle=cycle, step=step)
            send()
    except IntegrityError:
        return False
    except (smtplib.SMTPException, OSError):
        logger.exception("Reminder %s of cycle %s to user %s was not sent", step, cycle.pk, user.pk)
        return False
    return True


def reminders_send(*, today: date) -> int:
    """Reminds the focal points and coordinators of every participant that has not submitted
    in an open cycle; returns the number of mails sent."""
    sent = 0
    cycles = ReportingCycle.objects.filter(state=ReportingCycle.State.OPEN).select_related(
        "declaration"
    )
    for cycle in cycles:
        step = reminder_step(cycle.due_on, today)
        if step is None:
            continue
        already = set(
            ReminderSent.objects.filter(cycle=cycle, step=step).values_list("user_id", flat=True)
        )
        due: dict[int, Reminder] = {}
        members = recipients(
            outstanding(cycle).values("pk"),
            (Membership.Role.FOCAL_POINT, Membership.Role.COORDINATOR),
            "notify_reminders",
        )
        for membership in members.exclude(user_id__in=already):
            reminder = due.setdefault(membership.user_id, Reminder(membership.user, []))
            reminder.participants.append(membership.participant)
        for reminder in due.values():
            send = partial(_remind, reminder, cycle, today)
            sent += _claim_and_send(reminder.user, cycle, step, send)
    return sent


def _remind(reminder: Reminder, cycle: ReportingCycle, today: date) -> None:
    with translation.override(languages.of_user(reminder.user)):
        days_left = (cycle.due_on - today).days
        names = ", ".join(str(p) for p in reminder.participants)
        due = date_format(cycle.due_on, "SHORT_DATE_FORMAT")
        values = {"cycle": cycle, "participants": names, "due": due}
        if days_left < 0:
            subject = _("Overdue: the %(cycle)s report of %(participants)s was due on %(due)s")
            when = ngettext(
                "It is %(days)d day overdue.", "It is %(days)d days overdue.", -days_left
            ) % {"days": -days_left}
        else:
            subject = _("Reminder: the %(cycle)s report of %(participants)s is due on %(due)s")
            when = ngettext(
                "It is due in %(days)d day.", "It is due in %(days)d days.", days_left
            ) % {"days": days_left}
        submissions = [
            (participant, link(Submission(participant=participant, cycle=cycle).get_absolute_url()))
            for participant in reminder.participants
        ]
        _mail(
            reminder.user,
            lambda: subject % values,
            "reminder",
            {"cycle": cycle, "when": when, "submissions": submissions},
        )


# Chases


def chase_send(*, chase_id: int) -> int:
    """Mails a chase to the participant's focal points and coordinators, once."""
    claimed = Chase.objects.filter(pk=chase_id, mailed_at__isnull=True).update(
        mailed_at=timezone.now()
    )
    if not claimed:
        return 0
    chase = Chase.objects.select_related("participant", "cycle__declaration", "by").get(pk=chase_id)
    context = {
        "participant": chase.participant,
        "cycle": chase.cycle,
        "actor": name_of(chase.by),
        "link": link(
            Submission(participant=chase.participant, cycle=chase.cycle).get_absolute_url()
        ),
    }
    values = {"cycle": chase.cycle, "participant": chase.participant}

    def subject() -> str:
        return _("The secretariat asks for the %(cycle)s report of %(participant)s") % values

    sent = 0
    for membership in chase_recipients(chase.participant):
        _mail(membership.user, subject, "chase", context)
        sent += 1
    return sent


def chase_recipients(participant: Participant) -> QuerySet[Membership]:
    return recipients(
        [participant.pk],
        (Membership.Role.FOCAL_POINT, Membership.Role.COORDINATOR),
        "notify_reminders",
    )
