"""Writes that touch several records. Views call these; they never write around them."""

# --- Records: actions, progress updates, evidence, assessments, submissions -----------------

import hashlib
import uuid
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations.models import Declaration, Paragraph

from .models import (
    Action,
    Assessment,
    Evidence,
    Participant,
    ProgressUpdate,
    ReportingCycle,
    Submission,
    User,
)
from .versioning import EditConflict, lock_and_check, save_new_version, save_versioned


class FilingRefused(Exception):
    """The write is not allowed in the submission's present state; nothing was written."""


def open_cycle(declaration: Declaration) -> ReportingCycle | None:
    return (
        ReportingCycle.objects.filter(declaration=declaration, is_open=True)
        .order_by("-starts_on", "-pk")
        .first()
    )


def _filing_submission(*, participant: Participant, declaration: Declaration) -> Submission:
    """The participant's draft submission for the open cycle, locked; created when missing."""
    cycle = open_cycle(declaration)
    if cycle is None:
        raise FilingRefused(
            _("There is no open reporting cycle for %(declaration)s: nothing was saved.")
            % {"declaration": declaration}
        )
    submission, _created = Submission.objects.select_for_update().get_or_create(
        participant=participant, cycle=cycle
    )
    if not submission.is_draft:
        raise FilingRefused(
            _(
                "The %(cycle)s submission of %(participant)s is %(state)s, so it can no longer "
                "change: nothing was saved. A coordinator can return it to draft."
            )
            % {
                "cycle": cycle.name,
                "participant": participant,
                "state": submission.get_state_display().lower(),
            }
        )
    return submission


def _lock_draft(submission_id: int) -> Submission:
    submission = Submission.objects.select_for_update().get(pk=submission_id)
    if not submission.is_draft:
        raise FilingRefused(
            _("This submission is %(state)s, so it can no longer change: nothing was saved.")
            % {"state": submission.get_state_display().lower()}
        )
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
    submission = _filing_submission(participant=participant, declaration=declaration)
    action = Action.objects.create(
        participant=participant,
        declaration=declaration,
        submission=submission,
        created_by=user,
        **values,
    )
    action.paragraphs.set(paragraphs)
    return action


@transaction.atomic
def action_edit(
    *, action: Action, version: int, values: dict, paragraphs: list[Paragraph], user: User
) -> Action:
    """Save the edited fields if nobody saved since `version`; EditConflict otherwise."""
    _lock_draft(action.submission_id)
    action = save_versioned(Action.objects.all(), pk=action.pk, version=version, values=values)
    action.paragraphs.set(paragraphs)
    return action


@transaction.atomic
def progress_update_file(
    *, action: Action, user: User, date: date, narrative: str, status: str, progress: int
) -> ProgressUpdate:
    """File an update in the open draft submission and move the action's status and progress.

    The action gets a new version, so an edit form opened before the update is refused.
    """
    submission = _filing_submission(participant=action.participant, declaration=action.declaration)
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
) -> Evidence:
    """Attach a checked file (stored under a generated name) or a link to an action."""
    submission = _filing_submission(participant=action.participant, declaration=action.declaration)
    evidence = Evidence(
        action=action,
        update=update,
        submission=submission,
        title=title,
        date=date,
        url=url,
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
        evidence.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    try:
        evidence.save()
    except Exception:
        if evidence.file:
            evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user: User) -> None:
    _lock_draft(evidence.submission_id)
    stored = evidence.file.name if evidence.file else ""
    storage = evidence.file.storage
    evidence.delete()
    if stored:
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
    submission = _filing_submission(participant=participant, declaration=cycle.declaration)
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
def submission_submit(*, submission: Submission, version: int, user: User) -> Submission:
    locked = lock_and_check(Submission.objects.all(), pk=submission.pk, version=version)
    if not locked.is_draft:
        raise FilingRefused(_("Only a draft can be submitted."))
    return save_new_version(
        locked,
        {
            "state": Submission.State.SUBMITTED,
            "submitted_at": timezone.now(),
            "submitted_by": user,
        },
    )


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
    return _review(
        submission=submission,
        version=version,
        user=user,
        comment=comment,
        state=Submission.State.APPROVED,
    )


@transaction.atomic
def submission_return(
    *, submission: Submission, version: int, user: User, comment: str
) -> Submission:
    """Back to draft, with the coordinator's comment for the focal point."""
    if not comment.strip():
        raise FilingRefused(_("Say what needs to change before returning the submission."))
    return _review(
        submission=submission,
        version=version,
        user=user,
        comment=comment,
        state=Submission.State.DRAFT,
    )


# --- End of records ---------------------------------------------------------------------------
