"""Writes that touch several records. Views call these; they never write around them."""

import contextlib
import hashlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from uuid import uuid4

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from declarations.models import Declaration, Paragraph

from . import languages, notices, permissions, tallies, workbook
from .heartbeat import Heartbeat
from .models import (
    Action,
    Assessment,
    Chase,
    Evidence,
    Participant,
    ProgressUpdate,
    Publication,
    Report,
    ReportingCycle,
    Submission,
    User,
    WorkbookImport,
)
from .submission_rules import submission_problems
from .versioning import EditConflict, lock_and_check, save_new_version, save_versioned


class FilingRefused(Exception):
    """The write is not allowed in the submission's present state; nothing was written.

    `problems` lists what to put right first, when the refusal is about what is missing.
    """

    def __init__(self, message: str, problems: list | tuple = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def open_cycle(declaration: Declaration) -> ReportingCycle | None:
    return (
        ReportingCycle.objects.filter(declaration=declaration, state=ReportingCycle.State.OPEN)
        .order_by("-starts_on", "-pk")
        .first()
    )


def previous_submission(submission: Submission) -> Submission | None:
    """The participant's approved submission of the latest earlier cycle: where a draft starts."""
    return (
        Submission.objects.filter(
            participant_id=submission.participant_id,
            cycle__declaration_id=submission.cycle.declaration_id,
            cycle__starts_on__lt=submission.cycle.starts_on,
            state=Submission.State.APPROVED,
        )
        .order_by("-cycle__starts_on", "-cycle_id")
        .first()
    )


def _carry_forward(submission: Submission, user: User) -> None:
    """Copies the last approved ratings and open actions (with their evidence) into a new draft.

    The copies belong to the new submission and point at the rows they came from, so nothing
    filed in this cycle can change what an earlier, sealed cycle holds.
    """
    previous = previous_submission(submission)
    if previous is None:
        return
    assessments = [
        Assessment(
            submission=submission,
            paragraph_id=old.paragraph_id,
            rating=old.rating,
            justification=old.justification,
            updated_by_id=old.updated_by_id,
            carried_from=old,
        )
        for old in previous.assessments.all()
    ]
    bulk_create_with_history(assessments, Assessment, default_user=user)
    open_actions = list(
        previous.actions.exclude(status__in=Action.CLOSED_STATUSES)
        .prefetch_related("paragraphs")
        .order_by("pk")
    )
    copies = [
        Action(
            **{name: getattr(old, name) for name in Action.CARRIED_FIELDS},
            submission=submission,
            carried_from=old,
        )
        for old in open_actions
    ]
    copies = bulk_create_with_history(copies, Action, default_user=user)
    # bulk_create_with_history may not return primary keys on every database: read them back.
    copy_of = dict(
        Action.objects.filter(submission=submission, carried_from__isnull=False).values_list(
            "carried_from_id", "pk"
        )
    )
    Action.paragraphs.through.objects.bulk_create(
        Action.paragraphs.through(action_id=copy_of[old.pk], paragraph_id=paragraph.pk)
        for old in open_actions
        for paragraph in old.paragraphs.all()
    )
    evidence = Evidence.objects.filter(
        Q(action__in=open_actions) | Q(update__action__in=open_actions),
        submission=previous,
    ).select_related("update")
    carried_evidence = [
        Evidence(
            **{name: getattr(old, name) for name in Evidence.CARRIED_FIELDS},
            # Evidence is on an action or on one of its updates (a database constraint).
            action_id=copy_of[old.action_id or cast(ProgressUpdate, old.update).action_id],
            submission=submission,
            carried_from=old,
        )
        for old in evidence.order_by("pk")
    ]
    bulk_create_with_history(carried_evidence, Evidence, default_user=user)
    tallies.recount([submission.pk])


def submission_start(*, participant: Participant, cycle: ReportingCycle, user: User) -> Submission:
    """The participant's submission for the cycle; a new draft starts from the last approved one.

    Refused (FilingRefused) while the cycle is not open or the participant is not in its scope.
    """
    existing = Submission.objects.filter(participant=participant, cycle=cycle).first()
    if existing is not None:
        return existing
    if not cycle.is_open:
        raise FilingRefused(
            _("The %(cycle)s reporting cycle is not open: nothing was saved.") % {"cycle": cycle}
        )
    if not cycle.participants.filter(pk=participant.pk).exists():
        raise FilingRefused(
            _("%(participant)s does not report in the %(cycle)s cycle: nothing was saved.")
            % {"participant": participant, "cycle": cycle}
        )
    try:
        with transaction.atomic():
            submission = Submission.objects.create(participant=participant, cycle=cycle)
            _carry_forward(submission, user)
    except IntegrityError:
        # Someone started the same draft at the same moment: theirs it is.
        return Submission.objects.get(participant=participant, cycle=cycle)
    return submission


def _refused_sealed(submission: Submission) -> FilingRefused:
    if not submission.cycle.is_open:
        return FilingRefused(
            _(
                "The %(cycle)s reporting cycle is %(state)s, so its records can no longer "
                "change: nothing was saved."
            )
            % {
                "cycle": submission.cycle.name,
                "state": submission.cycle.get_state_display().lower(),
            }
        )
    return FilingRefused(
        _(
            "The %(cycle)s submission of %(participant)s is %(state)s, so it can no longer "
            "change: nothing was saved. A coordinator can return it to draft."
        )
        % {
            "cycle": submission.cycle.name,
            "participant": submission.participant,
            "state": submission.get_state_display().lower(),
        }
    )


def _filing_submission(
    *, participant: Participant, declaration: Declaration, user: User
) -> Submission:
    """The participant's draft submission for the open cycle, locked; started when missing."""
    cycle = open_cycle(declaration)
    if cycle is None:
        raise FilingRefused(
            _("There is no open reporting cycle for %(declaration)s: nothing was saved.")
            % {"declaration": declaration}
        )
    started = submission_start(participant=participant, cycle=cycle, user=user)
    return _lock_for_filing(started.pk)


def _lock_for_filing(submission_id: int) -> Submission:
    """The submission, locked, if its records may change (a draft in an open cycle)."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cycle", "participant")
        .get(pk=submission_id)
    )
    if not submission.accepts_filing:
        raise _refused_sealed(submission)
    return submission


@transaction.atomic
def action_create(
    *,
    participant: Participant,
    declaration: Declaration,
    paragraphs: list[Paragraph],
    user: User,
    values: dict,
) -> Action:
    submission = _filing_submission(participant=participant, declaration=declaration, user=user)
    action = Action.objects.create(
        participant=participant,
        declaration=declaration,
        submission=submission,
        created_by=user,
        paragraph_numbers=Action.numbers_of(paragraphs),
        **values,
    )
    action.paragraphs.set(paragraphs)
    tallies.recount([submission.pk])
    return action


@transaction.atomic
def action_edit(
    *, action: Action, version: int, values: dict, paragraphs: list[Paragraph], user: User
) -> Action:
    """Save the edited fields if nobody saved since `version`; EditConflict otherwise."""
    _lock_for_filing(action.submission_id)
    values = {**values, "paragraph_numbers": Action.numbers_of(paragraphs)}
    action = save_versioned(Action.objects.all(), pk=action.pk, version=version, values=values)
    action.paragraphs.set(paragraphs)
    tallies.recount([action.submission_id])
    return action


@transaction.atomic
def action_delete(*, action: Action, version: int, user: User) -> None:
    """Delete a draft's action with its updates and evidence if nobody saved it since `version`.

    The audit history keeps a deletion row for each; stored files go once no row shares them.
    """
    _lock_for_filing(action.submission_id)
    locked = lock_and_check(Action.objects.all(), pk=action.pk, version=version)
    evidence = Evidence.objects.filter(Q(action=locked) | Q(update__action=locked))
    stored = [name for name in evidence.values_list("file", flat=True) if name]
    locked._history_user = user  # type: ignore[attr-defined]
    locked.delete()
    shared = set(Evidence.objects.filter(file__in=stored).values_list("file", flat=True))
    for name in set(stored) - shared:
        transaction.on_commit(partial(default_storage.delete, name))


@transaction.atomic
def progress_update_file(
    *, action: Action, user: User, date: date, narrative: str, status: str, progress: int
) -> ProgressUpdate:
    """File an update on an action of an open draft and move the action's status and progress.

    The update belongs to the action's own submission: an action of a sealed cycle is never
    moved; a later cycle files on its carried copy. The action gets a new version, so an edit
    form opened before the update is refused.
    """
    submission = _lock_for_filing(action.submission_id)
    update = ProgressUpdate.objects.create(
        action=action,
        submission=submission,
        date=date,
        narrative=narrative,
        status=status,
        progress=progress,
        created_by=user,
    )
    locked = Action.objects.select_for_update().get(pk=action.pk)
    save_new_version(locked, {"status": status, "progress": progress})
    tallies.recount([submission.pk])
    return update


def safe_original_name(name: str) -> str:
    """The last part of a file name as the browser sent it, without any folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\0", "").strip()
    return base[-255:] or "file"


@transaction.atomic
def evidence_add(
    *,
    action: Action,
    user: User,
    title: str,
    date: date | None,
    update: ProgressUpdate | None = None,
    upload: UploadedFile | None = None,
    extension: str = "",
    content_type: str = "",
    url: str = "",
    visibility: str = Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT,
) -> Evidence:
    """Attach a checked file (stored under a generated name) or a link to an open draft's action."""
    submission = _lock_for_filing(action.submission_id)
    evidence = Evidence(
        action=action,
        update=update,
        submission=submission,
        title=title,
        date=date,
        url=url,
        visibility=visibility,
        uploaded_by=user,
    )
    if upload is not None:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence.original_name = safe_original_name(upload.name or "")
        evidence.content_type = content_type
        evidence.size = upload.size
        evidence.sha256 = digest.hexdigest()
        # The stored name is ours alone: nothing the user sent reaches the file system.
        _store_evidence_file(evidence, f"{uuid.uuid4().hex}.{extension}", upload)
    try:
        evidence.save()
    except Exception:
        if evidence.file:
            evidence.file.delete(save=False)
        raise
    return evidence


class StorageFailed(FilingRefused):
    """The file could not be written (disk full, folder missing or read-only); nothing saved."""


def _store_evidence_file(evidence: Evidence, name: str, upload: UploadedFile) -> None:
    """Saves the upload; on a write error removes what was written and refuses the filing."""
    field = evidence.file
    # Where the storage puts it (a fresh uuid name is never renamed): to clean up after a failure.
    stored = field.field.generate_filename(evidence, name)
    try:
        field.save(name, upload, save=False)
    except OSError as error:
        logger.error("Evidence file %s could not be stored: %s", stored, error)
        with contextlib.suppress(OSError):
            field.storage.delete(stored)  # the part written before the disk filled up
        field.name = None
        raise StorageFailed(
            _(
                "The file could not be stored; nothing was saved. "
                "Try again later or tell the secretariat."
            )
        ) from error


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user: User) -> None:
    _lock_for_filing(evidence.submission_id)
    stored = evidence.file.name if evidence.file else ""
    storage = evidence.file.storage
    evidence.delete()
    # Copies carried into other cycles share the stored file: it goes with the last of them.
    if stored and not Evidence.objects.filter(file=stored).exists():
        transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def assessment_save(
    *,
    participant: Participant,
    cycle: ReportingCycle,
    paragraph: Paragraph,
    rating: str,
    justification: str,
    version: int,
    user: User,
) -> Assessment:
    """Rate a paragraph in the open draft submission; EditConflict if someone rated it since."""
    submission = _filing_submission(
        participant=participant, declaration=cycle.declaration, user=user
    )
    if submission.cycle_id != cycle.pk:
        raise FilingRefused(_("This reporting cycle is closed: nothing was saved."))
    values = {"rating": rating, "justification": justification, "updated_by": user}
    existing = Assessment.objects.filter(submission=submission, paragraph=paragraph).first()
    if existing is not None:
        return save_versioned(
            Assessment.objects.all(), pk=existing.pk, version=version, values=values
        )
    if version != 0:
        raise EditConflict(submission, [])
    try:
        with transaction.atomic():
            return Assessment.objects.create(submission=submission, paragraph=paragraph, **values)
    except IntegrityError:
        # Someone rated the paragraph between our read and our insert.
        raise EditConflict(submission, []) from None


@transaction.atomic
def workbook_apply(
    *, submission: Submission, parsed: workbook.Parsed, preview: dict[str, str], user: User
) -> workbook.Plan:
    """Writes what an uploaded workbook changes, all of it or nothing, through the services
    above (their checks, audit history and version checks). Compared again under the
    submission's lock: refused, naming the rows, when that differs from the preview the user
    confirmed (`preview`: its rows' fingerprints). Rows in conflict are left as they are.
    Returns the plan applied."""
    locked = _lock_for_filing(submission.pk)
    locked.participant, locked.cycle = submission.participant, submission.cycle
    plan = workbook.compare(locked, parsed)
    moved = plan.moved_since(preview)
    if moved or plan.has_errors:
        problems = [row.describe() for row in moved]
        problems += [error for row in plan.rows for error in row.errors]
        raise FilingRefused(
            _(
                "The submission changed since the preview: nothing was saved. Upload the "
                "workbook again to see what it would change now."
            ),
            problems,
        )
    participant, cycle = locked.participant, locked.cycle
    for row in plan.to_apply:
        if row.sheet == "ratings":
            assert row.paragraph is not None  # a rating's row always names its paragraph
            assessment_save(
                participant=participant,
                cycle=cycle,
                paragraph=row.paragraph,
                version=row.version,
                user=user,
                **row.values,
            )
            continue
        values = dict(row.values)
        if row.update is not None:
            # The update moves status and progress, as on the action's page.
            values.pop("status"), values.pop("progress")
        if row.record is None:
            action = action_create(
                participant=participant,
                declaration=cycle.declaration,
                paragraphs=row.paragraphs,
                user=user,
                values=values,
            )
        else:
            action = row.record
            if row.edits:
                action = action_edit(
                    action=action,
                    version=row.version,
                    values=values,
                    paragraphs=row.paragraphs,
                    user=user,
                )
        if row.update is not None:
            progress_update_file(action=action, user=user, **row.update)
    return plan


@transaction.atomic
def submission_submit(*, submission: Submission, version: int, user: User) -> Submission:
    locked = lock_and_check(Submission.objects.all(), pk=submission.pk, version=version)
    if not locked.is_draft:
        raise FilingRefused(_("Only a draft can be submitted."))
    if not locked.cycle.is_open:
        raise _refused_sealed(locked)
    # Checked under the submission's lock: evidence and ratings cannot change meanwhile.
    if problems := submission_problems(locked):
        message = ngettext(
            "%(count)d thing is missing: %(problems)s",
            "%(count)d things are missing: %(problems)s",
            len(problems),
        ) % {"count": len(problems), "problems": " ".join(p.message for p in problems)}
        raise FilingRefused(message, problems)
    submitted = save_new_version(
        locked,
        {
            "state": Submission.State.SUBMITTED,
            "submitted_at": timezone.now(),
            "submitted_by": user,
        },
    )
    _notify(submitted, notices.Event.SUBMITTED, user)
    return submitted


def _review(
    *, submission: Submission, version: int, user: User, comment: str, state: str
) -> Submission:
    locked = lock_and_check(Submission.objects.all(), pk=submission.pk, version=version)
    if locked.state != Submission.State.SUBMITTED:
        raise FilingRefused(_("Only a submitted submission can be approved or returned."))
    return save_new_version(
        locked,
        {
            "state": state,
            "reviewed_at": timezone.now(),
            "reviewed_by": user,
            "review_comment": comment,
        },
    )


@transaction.atomic
def submission_approve(
    *, submission: Submission, version: int, user: User, comment: str = ""
) -> Submission:
    approved = _review(
        submission=submission,
        version=version,
        user=user,
        comment=comment,
        state=Submission.State.APPROVED,
    )
    _notify(approved, notices.Event.APPROVED, user, comment)
    return approved


@transaction.atomic
def submission_return(
    *, submission: Submission, version: int, user: User, comment: str
) -> Submission:
    """Back to draft, with the coordinator's comment for the focal point."""
    if not comment.strip():
        raise FilingRefused(_("Say what needs to change before returning the submission."))
    returned = _review(
        submission=submission,
        version=version,
        user=user,
        comment=comment,
        state=Submission.State.DRAFT,
    )
    _notify(returned, notices.Event.RETURNED, user, comment)
    return returned


def _notify(submission: Submission, event: str, user: User, comment: str = "") -> None:
    """Mails the workflow notice once the change is committed."""
    from .tasks import send_submission_notice

    values = {"submission_id": submission.pk, "event": event, "actor_id": user.pk}
    transaction.on_commit(partial(_enqueue, send_submission_notice, **values, comment=comment))


def _enqueue(task, **kwargs) -> None:
    """Hands a mail to the queue; a broker that is down costs the mail, never the change."""
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except Exception:
        logger.warning(
            "The broker is unavailable: %s %s was not sent", task.name, kwargs, exc_info=True
        )


class ChaseRefused(Exception):
    """The participant may not be chased now; nothing was written or sent."""


@transaction.atomic
def participant_chase(*, cycle: ReportingCycle, participant: Participant, user: User) -> Chase:
    """Logs that the secretariat chased a participant that has not submitted, and mails its
    focal points and coordinators once committed. At most once a day per participant and cycle.
    """
    values = {"cycle": cycle, "participant": participant}
    if not cycle.is_open:
        raise ChaseRefused(
            _("The %(cycle)s reporting cycle is not open: nobody was chased.") % values
        )
    if not notices.outstanding(cycle).filter(pk=participant.pk).exists():
        raise ChaseRefused(
            _("%(participant)s has nothing outstanding in the %(cycle)s cycle: nobody was chased.")
            % values
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            chase = Chase.objects.create(**values, by=user, at=now, on=timezone.localdate(now))
    except IntegrityError:
        raise ChaseRefused(
            _(
                "%(participant)s was already chased today for the %(cycle)s report: "
                "nothing was sent. You can chase again tomorrow."
            )
            % values
        ) from None
    from .tasks import send_chase

    transaction.on_commit(partial(_enqueue, send_chase, chase_id=chase.pk))
    return chase


class CycleUnderReview(FilingRefused):
    """Closing would leave submissions under review: the user must confirm it first."""

    def __init__(self, participants: list[Participant]):
        self.participants = participants
        super().__init__(
            _("Submissions of %(names)s are under review: confirm to close the cycle anyway.")
            % {"names": ", ".join(p.display_name for p in participants)}
        )


def _check_cycle(
    *, values: dict, participants: list[Participant], cycle: ReportingCycle | None = None
) -> None:
    """The rules a cycle's fields follow, checked again under the lock: the forms may be stale."""
    declaration = values["declaration"]
    if not participants:
        raise FilingRefused(_("Choose at least one participant: nothing was saved."))
    joined = set(declaration.participants.values_list("pk", flat=True))
    outside = [p.display_name for p in participants if p.pk not in joined]
    if outside:
        raise FilingRefused(
            _("Not a participant of %(declaration)s: %(names)s. Nothing was saved.")
            % {"declaration": declaration, "names": ", ".join(outside)}
        )
    same_name = ReportingCycle.objects.filter(declaration=declaration, name=values["name"])
    if cycle is not None:
        same_name = same_name.exclude(pk=cycle.pk)
    if same_name.exists():
        raise FilingRefused(
            _("%(declaration)s already has a cycle named “%(name)s”: nothing was saved.")
            % {"declaration": declaration, "name": values["name"]}
        )


def _lock_declaration(declaration_id: int) -> None:
    """Cycles of one declaration are created, renamed and opened one at a time."""
    Declaration.objects.select_for_update().only("pk").get(pk=declaration_id)


@transaction.atomic
def cycle_create(*, user: User, values: dict, participants: list[Participant]) -> ReportingCycle:
    """A planned cycle of `values["declaration"]` with `participants` in scope."""
    _lock_declaration(values["declaration"].pk)
    _check_cycle(values=values, participants=participants)
    cycle = ReportingCycle(**values, state=ReportingCycle.State.PLANNED)
    cycle._history_user = user
    cycle.save()
    cycle.participants.set(participants)
    return cycle


@transaction.atomic
def cycle_edit(
    *, cycle: ReportingCycle, user: User, values: dict, participants: list[Participant]
) -> ReportingCycle:
    """Changes a planned or open cycle. Its declaration stays once participants have filed in
    it, and so do the participants that have a submission in it."""
    _lock_declaration(values["declaration"].pk)
    locked = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.state == ReportingCycle.State.CLOSED:
        raise FilingRefused(_("A closed cycle cannot change: nothing was saved."))
    filed = set(locked.submissions.values_list("participant_id", flat=True))
    if filed and values["declaration"].pk != locked.declaration_id:
        raise FilingRefused(
            _("Participants have filed in this cycle, so its declaration cannot change.")
        )
    dropped = filed - {p.pk for p in participants}
    if dropped:
        names = languages.by_name(Participant.objects.filter(pk__in=dropped))
        raise FilingRefused(
            _("%(names)s already filed in this cycle and must stay in scope: nothing was saved.")
            % {"names": ", ".join(p.display_name for p in names)}
        )
    _check_cycle(values=values, participants=participants, cycle=locked)
    for name, value in values.items():
        setattr(locked, name, value)
    locked._history_user = user
    locked.save(update_fields=list(values))
    locked.participants.set(participants)
    return locked


@transaction.atomic
def cycle_open(*, cycle: ReportingCycle, user: User) -> ReportingCycle:
    """Opens a planned cycle for filing; refused while another cycle of its declaration is open."""
    _lock_declaration(cycle.declaration_id)
    locked = (
        ReportingCycle.objects.select_for_update().select_related("declaration").get(pk=cycle.pk)
    )
    if locked.state == ReportingCycle.State.CLOSED:
        raise FilingRefused(_("A closed cycle cannot be reopened."))
    if locked.state != ReportingCycle.State.PLANNED:
        raise FilingRefused(_("Only a planned cycle can be opened."))
    other = (
        ReportingCycle.objects.filter(declaration_id=locked.declaration_id)
        .filter(state=ReportingCycle.State.OPEN)
        .exclude(pk=locked.pk)
        .first()
    )
    if other is not None:
        raise FilingRefused(
            _(
                "The %(other)s cycle of %(declaration)s is still open, and only one cycle of a "
                "declaration is open at a time. Close %(other)s first."
            )
            % {"other": other.name, "declaration": locked.declaration}
        )
    locked.state = ReportingCycle.State.OPEN
    locked._history_user = user
    locked.save(update_fields=["state"])
    return locked


@transaction.atomic
def cycle_close(*, cycle: ReportingCycle, user: User, confirmed: bool) -> ReportingCycle:
    """Closes an open cycle: nothing more is filed in it, for good.

    Submissions under review stay submitted (their coordinators can still approve them), but
    only when the user `confirmed` it; CycleUnderReview otherwise.
    """
    locked = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.state != ReportingCycle.State.OPEN:
        raise FilingRefused(_("Only an open cycle can be closed."))
    # Locking the cycle's submissions waits for a submit in progress, and makes one that comes
    # after this see the cycle closed: the list of those under review is the final one.
    states = dict(
        Submission.objects.select_for_update()
        .filter(cycle=locked)
        .values_list("participant_id", "state")
    )
    under_review = [pk for pk, state in states.items() if state == Submission.State.SUBMITTED]
    if under_review and not confirmed:
        raise CycleUnderReview(languages.by_name(Participant.objects.filter(pk__in=under_review)))
    locked.state = ReportingCycle.State.CLOSED
    locked._history_user = user
    locked.save(update_fields=["state"])
    return locked


@transaction.atomic
def cycle_publish(
    *, cycle: ReportingCycle, user: User, licence: str, licence_url: str
) -> Publication:
    """Shows the cycle's approved submissions on the public pages, under `licence`.

    A planned cycle has nothing filed and cannot be published; an open one can: the public sees
    each submission once approved (sealed, so it never changes afterwards). Publishing again
    (after a withdrawal, or to change the licence) dates the publication anew.
    """
    permissions.require_secretariat(user)
    locked = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.state == ReportingCycle.State.PLANNED:
        raise FilingRefused(_("A planned cycle has nothing to publish: open it first."))
    publication = Publication.objects.filter(cycle=locked).first() or Publication(cycle=locked)
    publication.published_at = timezone.now()
    publication.published_by = user
    publication.licence = licence
    publication.licence_url = licence_url
    publication.withdrawn_at = None
    publication._history_user = user
    publication.save()
    return publication


@transaction.atomic
def cycle_unpublish(*, cycle: ReportingCycle, user: User) -> Publication:
    """Withdraws the cycle from the public pages; publishing it again brings it back."""
    permissions.require_secretariat(user)
    publication = Publication.objects.select_for_update().filter(cycle_id=cycle.pk).first()
    if publication is None or not publication.is_live:
        raise FilingRefused(_("This cycle is not published."))
    publication.withdrawn_at = timezone.now()
    publication._history_user = user
    publication.save(update_fields=["withdrawn_at", "updated_at"])
    return publication


logger = logging.getLogger(__name__)

# Worth another try later: the database went away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class ReportLost(Exception):
    """The report was deleted, or another attempt took it over, while it was being built."""


class ReportInterrupted(Exception):
    """A transient error stopped attempt `attempt` (None: before a claim); worth a retry."""

    def __init__(self, attempt: int | None):
        super().__init__(attempt)
        self.attempt = attempt


# Local temporary files of builds under way: `report-<pk>-<random>.part`.
REPORT_SCRATCH_PREFIX = "report-"


@transaction.atomic
def report_request(
    *,
    user,
    declaration,
    cycle,
    participants,
    paragraphs,
    format: str,
    table: str = "",
    language: str = "",
) -> Report:
    """Stores the request and hands it to the queue once the transaction has committed.

    The page passes the language the requester chose (their session's by default); a request
    made without one (a script, a schedule) takes the requester's own, else the site's.
    """
    own = set(permissions.participant_ids(user))
    in_scope = {p.pk for p in participants} if participants else own
    report = Report.objects.create(
        requested_by=user,
        declaration=declaration,
        cycle=cycle,
        format=format,
        table=table if format == Report.Format.CSV else "",
        language=language or getattr(user, "language", "") or settings.LANGUAGE_CODE,
        includes_drafts=bool(own & in_scope),
    )
    report.participants.set(participants)
    report.paragraphs.set(paragraphs)
    transaction.on_commit(partial(report_dispatch, report_id=report.pk))
    return report


def report_dispatch(*, report_id: int) -> bool:
    """Sends the build task. A broker that is down or silent leaves the report queued for the
    sweep: the request is answered at once, whatever the broker's failure."""
    from .tasks import build_report

    try:
        # Celery takes any sequence; celery-types asks for a tuple.
        build_report.apply_async(args=[report_id], retry=False)  # type: ignore[arg-type]
    except Exception:
        logger.warning(
            "Report %s: the broker is unavailable; the sweep will send it", report_id, exc_info=True
        )
        return False
    Report.objects.filter(pk=report_id).update(enqueued_at=timezone.now())
    return True


@transaction.atomic
def report_retry(*, report: Report) -> bool:
    """Queues a failed report again; False if it had not failed."""
    retried = Report.objects.filter(pk=report.pk, state=Report.State.FAILED).update(
        state=Report.State.QUEUED,
        error="",
        progress=0,
        attempts=0,
        enqueued_at=None,
        started_at=None,
        heartbeat_at=None,
        finished_at=None,
    )
    if retried:
        transaction.on_commit(partial(report_dispatch, report_id=report.pk))
    return bool(retried)


@transaction.atomic
def report_delete(*, report: Report) -> None:
    """Deletes the report and its file; a build still running stops at its next chunk."""
    name = report.file.name
    report.delete()
    if name:
        transaction.on_commit(partial(default_storage.delete, name))


def _report_claim(report_id: int, resume: int | None = None) -> int | None:
    """Marks the report running for a new attempt; None if it is not ours to build.

    `resume` is the attempt a transient error interrupted: the task's own retry takes it over
    even if it is still marked running, because the error left no connection to say otherwise.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REPORT_HEARTBEAT_TIMEOUT)
    claimable = Q(state=Report.State.QUEUED) | Q(
        state=Report.State.RUNNING,
        heartbeat_at__lt=stale,
        attempts__lt=settings.REPORT_MAX_ATTEMPTS,
    )
    if resume is not None:
        claimable |= Q(state=Report.State.RUNNING, attempts=resume)
    claimed = Report.objects.filter(claimable, pk=report_id).update(
        state=Report.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        error="",
    )
    if not claimed:
        return None
    return Report.objects.values_list("attempts", flat=True).get(pk=report_id)


def report_fail(*, report_id: int, reason: str, attempt: int | None = None) -> bool:
    reports = Report.objects.filter(pk=report_id, state__in=Report.ACTIVE_STATES)
    if attempt is not None:
        reports = reports.filter(attempts=attempt)
    return bool(reports.update(state=Report.State.FAILED, error=reason, finished_at=timezone.now()))


def report_failure_reason(error: BaseException) -> str:
    """What the requester reads about a failed build: a sentence, never a path or a class
    name (operators find those in the log)."""
    if isinstance(error, MemoryError):
        return _("The report was too large to build; ask for fewer participants or rows.")
    if isinstance(error, OSError):
        return _("The file could not be written; try again.")
    return _("The report could not be built; try again or ask the secretariat.")


@contextmanager
def _scratch_file(report_id: int) -> Iterator[Path]:
    """A local temporary file to build into, removed whatever happens: the storage that keeps
    reports may have no local path (object storage)."""
    handle, name = tempfile.mkstemp(
        prefix=f"{REPORT_SCRATCH_PREFIX}{report_id}-",
        suffix=".part",
        dir=settings.FILE_UPLOAD_TEMP_DIR,
    )
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def report_run(*, report_id: int, resume: int | None = None) -> None:
    """Builds the report's file once: claim, write a local temporary file, store it.

    Raises ReportInterrupted after a transient error, for the task to retry the attempt.
    """
    from .reports import build

    try:
        attempt = _report_claim(report_id, resume)
    except TRANSIENT_ERRORS as error:
        raise ReportInterrupted(resume) from error
    if attempt is None:
        logger.info("Report %s is not queued (done, deleted or running elsewhere)", report_id)
        return
    mine = Report.objects.filter(pk=report_id, state=Report.State.RUNNING, attempts=attempt)
    report = mine.select_related("requested_by", "declaration", "cycle").first()
    if report is None:
        return  # deleted as it was claimed

    def on_progress(percent: int) -> None:
        if not mine.update(progress=percent, heartbeat_at=timezone.now()):
            raise ReportLost

    # A folder of its own for each build: a superseded attempt never touches the file of the
    # attempt that won, even on a storage that overwrites.
    name = f"reports/{report.pk}/{uuid4().hex}/{report.download_name}"
    stored = ""
    try:
        with (
            Heartbeat(mine, settings.REPORT_HEARTBEAT_INTERVAL),
            _scratch_file(report.pk) as path,
            translation.override(report.language),
        ):
            build(report, path, on_progress)
            with path.open("rb") as built:
                stored = default_storage.save(name, File(built, name=report.download_name))
        now = timezone.now()
        finished = mine.update(
            state=Report.State.SUCCEEDED,
            progress=100,
            file=stored,
            finished_at=now,
            heartbeat_at=now,
            expires_at=now + timedelta(days=settings.REPORT_RETENTION_DAYS),
        )
    except ReportLost:
        return
    except TRANSIENT_ERRORS as error:
        logger.warning("Report %s: the database went away; the task retries it", report_id)
        # Still away, the update fails too: the task's retry resumes this attempt then.
        with contextlib.suppress(*TRANSIENT_ERRORS):
            mine.update(state=Report.State.QUEUED)
        raise ReportInterrupted(attempt) from error
    except SoftTimeLimitExceeded:
        report_fail(
            report_id=report_id,
            attempt=attempt,
            reason=_("The report took too long to build; ask for fewer participants or rows."),
        )
        return
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        report_fail(report_id=report_id, attempt=attempt, reason=report_failure_reason(error))
        return
    if finished:
        with translation.override(report.language):
            report_notify(report=report)
    else:
        default_storage.delete(stored)  # deleted or taken over while it was being built


def report_notify(*, report: Report) -> None:
    """Tells the requester by e-mail that the report is ready (in the report's language, which
    the caller makes active: the one they asked the report in)."""
    user = report.requested_by
    if not user.email:
        return
    link = settings.SITE_URL + reverse("tracking:reports")
    send_mail(
        _("Your report #%(number)s is ready") % {"number": report.pk},
        _("Your %(format)s report on %(declaration)s is ready. Download it from %(link)s")
        % {"format": report.get_format_display(), "declaration": report.declaration, "link": link},
        None,
        [user.email],
    )


def reports_sweep() -> dict[str, int]:
    """Re-queues reports whose worker was lost, sends those the broker never got."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REPORT_HEARTBEAT_TIMEOUT)
    hard_limit = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = Report.objects.filter(state=Report.State.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True) | Q(started_at__lt=hard_limit)
    )
    counts = {"requeued": 0, "failed": 0, "dispatched": 0}
    for report_id, attempts in lost.values_list("pk", "attempts")[:100]:
        running = Report.objects.filter(pk=report_id, state=Report.State.RUNNING, attempts=attempts)
        if attempts >= settings.REPORT_MAX_ATTEMPTS:
            counts["failed"] += running.update(
                state=Report.State.FAILED,
                finished_at=now,
                error=_("The worker building this report stopped %(count)d times.")
                % {"count": attempts},
            )
        elif running.update(state=Report.State.QUEUED, enqueued_at=None):
            counts["requeued"] += 1
    never_sent = Report.objects.filter(state=Report.State.QUEUED).filter(
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lt=now - timedelta(seconds=settings.REPORT_RESEND_AFTER))
    )
    for report_id in never_sent.values_list("pk", flat=True)[:100]:
        counts["dispatched"] += report_dispatch(report_id=report_id)
    return counts


def reports_expire() -> int:
    """Deletes the files of reports past their retention; the rows stay, marked expired."""
    now = timezone.now()
    expired = 0
    for report in Report.objects.filter(state=Report.State.SUCCEEDED, expires_at__lte=now)[:500]:
        if Report.objects.filter(pk=report.pk, state=Report.State.SUCCEEDED).update(
            state=Report.State.EXPIRED, file=""
        ):
            if report.file.name:
                default_storage.delete(report.file.name)
            expired += 1
    # Temporary files of builds whose worker was killed.
    scratch = Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())
    too_old = time.time() - settings.CELERY_TASK_TIME_LIMIT
    for part in scratch.glob(f"{REPORT_SCRATCH_PREFIX}*.part"):
        with contextlib.suppress(OSError):  # gone already, or another user's
            if part.stat().st_mtime < too_old:
                part.unlink()
    return expired


# Workbook imports: an upload waits in private storage from its preview to its application.


def _workbook_folder(submission: Submission, user: User) -> str:
    return f"workbooks/{submission.pk}/{user.pk}"


@transaction.atomic
def workbook_import_preview(
    *, submission: Submission, user: User, data: bytes, plan: workbook.Plan
) -> WorkbookImport:
    """Keeps a previewed upload and what it would change, in place of the user's earlier
    previews of the submission (their files are deleted once this is committed)."""
    earlier = WorkbookImport.objects.filter(
        submission=submission, requested_by=user, state=WorkbookImport.State.PREVIEWED
    )
    names = [name for name in earlier.values_list("file", flat=True) if name]
    earlier.delete()
    for name in names:
        transaction.on_commit(partial(default_storage.delete, name))
    token = uuid4()
    stored = default_storage.save(
        f"{_workbook_folder(submission, user)}/{token.hex}.xlsx", ContentFile(data)
    )
    return WorkbookImport.objects.create(
        submission=submission,
        requested_by=user,
        token=token,
        file=stored,
        fingerprint=plan.fingerprint,
        row_fingerprints=plan.row_fingerprints,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        new=plan.count(workbook.Kind.NEW),
        changed=plan.count(workbook.Kind.CHANGED),
        conflicts=plan.count(workbook.Kind.CONFLICT),
    )


def workbook_import_queue(*, submission: Submission, user: User, token: uuid.UUID) -> bool:
    """Asks for the user's previewed upload to be applied, once: False if it is not waiting
    (already asked for, or no longer kept). A small one is applied at once, in the request;
    a larger one is sent to the worker once the transaction has committed."""
    previewed = WorkbookImport.objects.filter(
        token=token,
        submission=submission,
        requested_by=user,
        state=WorkbookImport.State.PREVIEWED,
    )
    with transaction.atomic():
        queued = previewed.select_for_update().first()
        if queued is None:
            return False
        WorkbookImport.objects.filter(pk=queued.pk).update(
            state=WorkbookImport.State.QUEUED, queued_at=timezone.now()
        )
        if queued.rows_to_apply > settings.WORKBOOK_APPLY_AT_ONCE:
            transaction.on_commit(partial(workbook_import_dispatch, import_id=queued.pk))
            return True
    workbook_import_run(import_id=queued.pk)
    return True


def workbook_import_dispatch(*, import_id: int) -> bool:
    """Sends the task. A broker that is down leaves the import queued for the sweep."""
    from .tasks import apply_workbook

    try:
        apply_workbook.apply_async(args=[import_id], retry=False)  # type: ignore[arg-type]
    except Exception:
        logger.warning(
            "Workbook import %s: the broker is unavailable; the sweep will send it",
            import_id,
            exc_info=True,
        )
        return False
    WorkbookImport.objects.filter(pk=import_id).update(enqueued_at=timezone.now())
    return True


def _workbook_import_claim(import_id: int) -> bool:
    """Marks the import running; False if it is not ours to apply (done, or running
    elsewhere). One left running past the hard time limit lost its worker, and with it its
    transaction: nothing of it was written, it may run again."""
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(state=WorkbookImport.State.QUEUED) | Q(
        state=WorkbookImport.State.RUNNING, started_at__lt=abandoned
    )
    return bool(
        WorkbookImport.objects.filter(claimable, pk=import_id).update(
            state=WorkbookImport.State.RUNNING, started_at=now
        )
    )


@contextmanager
def _history_by(user: User) -> Iterator[None]:
    """Records the audit history under `user`, as the history middleware does for the user
    of a request: a worker has no request."""
    before = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if before is None:
            del HistoricalRecords.context.request
        else:
            HistoricalRecords.context.request = before


def workbook_import_run(*, import_id: int) -> None:
    """Applies a queued import, all of it or nothing, and records the outcome in the
    requester's language. The outcome of a success is written in the same transaction as
    the records: a worker lost on the way leaves nothing written and the import running."""
    if not _workbook_import_claim(import_id):
        logger.info("Workbook import %s is not queued (done or running elsewhere)", import_id)
        return
    mine = WorkbookImport.objects.filter(pk=import_id, state=WorkbookImport.State.RUNNING)
    job = mine.select_related(
        "requested_by", "submission__participant", "submission__cycle__declaration"
    ).first()
    if job is None:
        return  # deleted as it was claimed
    with translation.override(job.language):
        try:
            parsed = _read_upload(job)
            with transaction.atomic(), _history_by(job.requested_by):
                workbook_apply(
                    submission=job.submission,
                    parsed=parsed,
                    preview=job.row_fingerprints,
                    user=job.requested_by,
                )
                mine.update(state=WorkbookImport.State.APPLIED, finished_at=timezone.now())
        except TRANSIENT_ERRORS:
            logger.warning("Workbook import %s: the database went away; sent again", import_id)
            # Still away, this fails too: the sweep takes it over after the time limit.
            with contextlib.suppress(*TRANSIENT_ERRORS):
                mine.update(state=WorkbookImport.State.QUEUED, enqueued_at=None)
        except FilingRefused as refused:
            _workbook_import_fail(mine, str(refused), refused.problems)
        except (EditConflict, workbook.WorkbookRefused) as refused:
            _workbook_import_fail(mine, str(refused))
        except OSError:
            _workbook_import_fail(
                mine, _("The uploaded file is no longer kept: nothing was saved.")
            )
        except SoftTimeLimitExceeded:
            _workbook_import_fail(
                mine, _("Applying the workbook took too long: nothing was saved.")
            )
        except Exception:
            logger.exception("Workbook import %s failed", import_id)
            _workbook_import_fail(
                mine, _("The workbook could not be applied: nothing was saved. Try again later.")
            )


def _read_upload(job: WorkbookImport) -> workbook.Parsed:
    """The import's stored upload, read; OSError when it is no longer kept."""
    if not job.file:
        raise FileNotFoundError(job.pk)
    with job.file.open("rb") as stored:
        return workbook.read(stored.read())


def _workbook_import_fail(
    mine: QuerySet[WorkbookImport], reason: str, problems: list | tuple = ()
) -> None:
    mine.update(
        state=WorkbookImport.State.FAILED,
        error=reason,
        problems=[str(problem) for problem in problems],
        finished_at=timezone.now(),
    )


def workbook_imports_sweep() -> dict[str, int]:
    """Sends imports the broker never got (or lost), and those whose worker was lost."""
    now = timezone.now()
    abandoned = WorkbookImport.objects.filter(
        state=WorkbookImport.State.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT),
    )
    requeued = abandoned.update(state=WorkbookImport.State.QUEUED, enqueued_at=None)
    never_sent = WorkbookImport.objects.filter(state=WorkbookImport.State.QUEUED).filter(
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lt=now - timedelta(seconds=settings.REPORT_RESEND_AFTER))
    )
    dispatched = 0
    for import_id in never_sent.values_list("pk", flat=True)[:100]:
        dispatched += workbook_import_dispatch(import_id=import_id)
    return {"requeued": requeued, "dispatched": dispatched}


def workbook_imports_expire() -> dict[str, int]:
    """Deletes uploads past their retention: previews never applied (row and file), and the
    files of finished imports (their rows stay, for their pages)."""
    before = timezone.now() - timedelta(hours=settings.WORKBOOK_RETENTION_HOURS)
    counts = {"previews": 0, "files": 0}
    stale = WorkbookImport.objects.filter(
        state=WorkbookImport.State.PREVIEWED, created_at__lt=before
    )
    for pk, name in stale.values_list("pk", "file")[:500]:
        # Deleted only if still a preview: "Apply changes" may have just queued it.
        if WorkbookImport.objects.filter(pk=pk, state=WorkbookImport.State.PREVIEWED).delete()[0]:
            _delete_file(name)
            counts["previews"] += 1
    finished = WorkbookImport.objects.filter(
        state__in=WorkbookImport.FINISHED_STATES, finished_at__lt=before
    ).exclude(file="")
    for pk, name in finished.values_list("pk", "file")[:500]:
        if WorkbookImport.objects.filter(pk=pk, file=name).update(file=""):
            _delete_file(name)
            counts["files"] += 1
    return counts


def _delete_file(name: str) -> None:
    with contextlib.suppress(OSError):  # gone already
        default_storage.delete(name)
