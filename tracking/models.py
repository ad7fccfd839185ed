"""What participants do about a declaration: their people, actions, updates, evidence,
assessments, submissions per reporting cycle, and the reports built from them."""

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from declarations.models import Declaration, Paragraph, Theme

from . import languages
from .regions import Region


class User(AbstractUser):
    """A person who logs in; what they may see comes from their memberships."""

    is_secretariat = models.BooleanField(
        _("secretariat"),
        default=False,
        help_text=_("Follows every participant and requests consolidated reports."),
    )
    notify_workflow = models.BooleanField(
        _("workflow notices"),
        default=True,
        help_text=_("An e-mail when a submission is submitted, returned to draft or approved."),
    )
    notify_reminders = models.BooleanField(
        _("reminders"),
        default=True,
        help_text=_(
            "An e-mail before a report is due, every week while it is overdue, and when the "
            "secretariat chases it."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the pages and of your e-mails. Empty: your browser's."),
    )

    if TYPE_CHECKING:
        # Set on the request's user by django_otp's OTPMiddleware.
        def is_verified(self) -> bool: ...


class Participant(models.Model):
    """A State or an organisation that reports on its implementation."""

    class Kind(models.TextChoices):
        STATE = "state", _("UN Member State")
        ORGANIZATION = "organization", _("International or regional organisation")

    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("ISO 3166 alpha-3, or an acronym")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # UN M49, for States (`regions.region_of`); organisations have none.
    region = models.CharField(_("region"), max_length=20, choices=Region, blank=True)
    declarations = models.ManyToManyField(
        Declaration, related_name="participants", blank=True, verbose_name=_("declarations")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        # The actions list sorted by participant walks the participants by name.
        indexes = [models.Index(fields=["name", "id"], name="participant_name_sort")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: CLDR's for a Member State (by its ISO code), the
        catalog's for an organisation; `name` itself in English or where neither has one."""
        if self.kind == self.Kind.STATE:
            return languages.territory_name(self.code) or self.name
        return gettext(self.name) if self.name else ""


class Membership(models.Model):
    """Gives a user a role for one participant."""

    class Role(models.TextChoices):
        FOCAL_POINT = "focal_point", _("Focal point")
        COORDINATOR = "coordinator", _("Coordinator")
        VIEWER = "viewer", _("Viewer")
        # Publishes offers of technical assistance for the participant; sees none of its
        # filings (a user has one role per participant).
        PROVIDER = "provider", _("Provider of technical assistance")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "participant"], name="one_role_per_participant")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.participant}"

    @property
    def may_file(self) -> bool:
        return self.role in {self.Role.FOCAL_POINT, self.Role.COORDINATOR}

    @property
    def may_approve(self) -> bool:
        return self.role == self.Role.COORDINATOR


class ReportingCycle(models.Model):
    """A reporting period of one declaration, with the date submissions are due.

    The secretariat plans a cycle, opens it (participants file into it) and closes it (nothing
    more can be filed). Only the participants in its scope report in it.
    """

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="cycles")
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("period starts on"))
    ends_on = models.DateField(_("period ends on"))
    due_on = models.DateField(_("submissions due on"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.PLANNED)
    participants = models.ManyToManyField(
        Participant, related_name="cycles", blank=True, verbose_name=_("participants in scope")
    )

    history = HistoricalRecords()
    if TYPE_CHECKING:
        # Who made the change, for the history row django-simple-history writes on save.
        _history_user: "User"

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "name"], name="cycle_name_unique"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("starts_on")), name="cycle_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="cycle_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.short_title} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("tracking:cycle", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class PublicationQuerySet(models.QuerySet):
    def live(self) -> "PublicationQuerySet":
        """Publications the public sees: published and not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Publication(models.Model):
    """The secretariat's decision to show a cycle's approved records on the public pages.

    Withdrawing keeps the row (and its history) with `withdrawn_at` set; publishing again
    clears it. `updated_at` changes on every change, so caches keyed on it go stale at once.
    """

    DEFAULT_LICENCE = "CC BY 4.0"
    DEFAULT_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

    cycle = models.OneToOneField(
        ReportingCycle, on_delete=models.CASCADE, related_name="publication"
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    licence = models.CharField(_("licence"), max_length=200, default=DEFAULT_LICENCE)
    licence_url = models.URLField(
        _("licence address"), max_length=500, blank=True, default=DEFAULT_LICENCE_URL
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    if TYPE_CHECKING:
        _history_user: "User"

    objects = PublicationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.cycle_id} · {self.published_at:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class Submission(models.Model):
    """A participant's report for one cycle: what it filed in the cycle, and its review."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    VISIBLE_TO_SECRETARIAT = (State.SUBMITTED, State.APPROVED)

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="submissions"
    )
    cycle = models.ForeignKey(ReportingCycle, on_delete=models.PROTECT, related_name="submissions")
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("coordinator's comment"), blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "cycle"], name="one_submission_per_cycle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.cycle}"

    def get_absolute_url(self) -> str:
        return reverse("tracking:submission", args=[self.participant.code, self.cycle_id])

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_sealed(self) -> bool:
        """Submitted or approved: what it holds is the cycle's record and never changes."""
        return self.state != self.State.DRAFT

    @property
    def seal(self) -> str:
        """A name for what a sealed submission holds, which every change to it moves: it
        changes only after a return to draft, which moves the version (and a new submitting,
        `submitted_at`). Pages keep what they work out of a sealed submission under it.
        Empty for a draft, whose records change without it."""
        if not self.is_sealed or self.pk is None:
            return ""
        submitted = self.submitted_at.timestamp() if self.submitted_at else ""
        return f"{self.pk}:{self.version}:{submitted}"

    @property
    def accepts_filing(self) -> bool:
        """A draft in an open cycle: the only submission whose records may change."""
        return self.is_draft and self.cycle.is_open


class ReminderSent(models.Model):
    """A reminder that went to a user for a cycle at one step (30, 7, 1 days before, overdue
    week N): the unique row is written before the mail, so each step goes out once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReportingCycle, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("step"), max_length=20)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "cycle", "step"], name="one_reminder_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.cycle_id} · {self.step}"


class Chase(models.Model):
    """The secretariat chased a participant that has not submitted: at most once a day."""

    cycle = models.ForeignKey(ReportingCycle, on_delete=models.CASCADE, related_name="chases")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="chases")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("chased at"))
    # The local date of `at`: the unique constraint on it is the once-a-day limit.
    on = models.DateField(_("chased on"))
    # Claimed by the task that sends the mail, so that a duplicate delivery sends nothing.
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "participant", "on"], name="one_chase_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.cycle} · {self.on}"


class Action(models.Model):
    """Something a participant did or plans about one or more operative paragraphs."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        ONGOING = "ongoing", _("Ongoing")
        DELAYED = "delayed", _("Delayed")
        CANCELLED = "cancelled", _("Cancelled")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="actions")
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="actions")
    # The submission that owns the action: it decides who sees it and whether it may change.
    # Each cycle has its own row; a later cycle works on a copy (`carried_from`).
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="actions")
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("carried forward from"),
    )
    paragraphs = models.ManyToManyField(
        Paragraph, related_name="actions", verbose_name=_("operative paragraphs")
    )
    # The linked paragraphs' numbers, saved with the row: the audit history records changes to
    # this column, while it does not follow many-to-many rows.
    paragraph_numbers = models.CharField(
        _("operative paragraphs"), max_length=300, blank=True, db_default=""
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    lead_institution = models.CharField(_("lead institution"), max_length=300)
    partners = models.TextField(_("partners"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PLANNED)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # Counts by status of what the secretariat sees (submitted and approved
            # submissions), from the index alone.
            models.Index(fields=["submission", "status"]),
            # One per sort key of the actions list (`ActionTable`, which breaks ties by pk): a
            # page of the secretariat's list reads 26 rows in order, in both directions, instead
            # of sorting every visible row. The participant key sorts through `Participant.name`
            # and a participant index below. Free-text search has trigram indexes on
            # PostgreSQL only (migration 0015).
            models.Index(fields=["title", "id"], name="action_title_sort"),
            models.Index(fields=["lead_institution", "id"], name="action_lead_sort"),
            models.Index(fields=["status", "id"], name="action_status_sort"),
            models.Index(fields=["progress", "id"], name="action_progress_sort"),
            models.Index(fields=["start_date", "id"], name="action_start_sort"),
            models.Index(fields=["end_date", "id"], name="action_end_sort"),
            models.Index(fields=["updated_at", "id"], name="action_updated_sort"),
            # A member's list (`permissions.scope_actions`): their participant's newest first,
            # and one per sort key, so that a page reads the participant's 26 rows in order
            # instead of walking the key's index of every action past other participants'
            # (2,000-6,000 rows at UN scale). The status one also counts a participant's
            # actions by status.
            models.Index(fields=["participant", "id"], name="action_participant_newest"),
            models.Index(fields=["participant", "title", "id"], name="action_participant_title"),
            models.Index(
                fields=["participant", "lead_institution", "id"], name="action_participant_lead"
            ),
            models.Index(fields=["participant", "status", "id"], name="action_participant_status"),
            models.Index(
                fields=["participant", "progress", "id"], name="action_participant_progress"
            ),
            models.Index(
                fields=["participant", "start_date", "id"], name="action_participant_start"
            ),
            models.Index(fields=["participant", "end_date", "id"], name="action_participant_end"),
            models.Index(
                fields=["participant", "updated_at", "id"], name="action_participant_updated"
            ),
            # The submission page's first actions by title: without it PostgreSQL walks the
            # title index of every action until it has found enough of the submission's.
            models.Index(fields=["submission", "title", "id"], name="action_submission_title"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="action_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="action_progress_max_100"),
        ]

    # Finished: a new cycle does not carry them forward.
    CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)
    # What a copy in a later cycle takes over from the action it was carried from.
    CARRIED_FIELDS = (
        "participant_id", "declaration_id", "paragraph_numbers", "title", "description",
        "lead_institution", "partners", "start_date", "end_date", "status", "progress",
        "created_by_id",
    )  # fmt: skip

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracking:action", args=[self.pk])

    @property
    def is_carried_unchanged(self) -> bool:
        """Copied from the previous cycle and not edited or updated since (a copy starts at 1)."""
        return self.carried_from_id is not None and self.version == 1

    @staticmethod
    def numbers_of(paragraphs) -> str:
        """'5, 6' for paragraphs 6 and 5: what `paragraph_numbers` holds."""
        return ", ".join(str(number) for number in sorted(p.number for p in paragraphs))


class ProgressUpdate(models.Model):
    """A dated narrative that moves an action's status and progress."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="updates")
    date = models.DateField(_("date"))
    narrative = models.TextField(_("narrative"))
    status = models.CharField(_("new status"), max_length=20, choices=Action.Status)
    progress = models.PositiveSmallIntegerField(
        _("new progress (%)"), validators=[MaxValueValidator(100)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["action", "-date"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="update_progress_max_100")
        ]

    def __str__(self) -> str:
        return f"{self.action} · {self.date}"


class ActionTally(models.Model):
    """How many of a submission's actions have a status, on one paragraph or (no paragraph) in
    all, and their latest update's date: kept by `tracking/tallies.py` in the same transaction
    as the writes that change them, so that pages count these few rows instead of the actions."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="tallies")
    # None: the whole submission (an action on two paragraphs counts once there).
    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Action.Status)
    actions = models.PositiveIntegerField(_("actions"))
    last_update = models.DateField(_("last update"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "paragraph", "status"], name="one_tally_per_status"
            )
        ]
        # The submissions' totals (no paragraph), which the secretariat's home page sums: the
        # index on the submission alone reads every paragraph's rows too, 14 times as many.
        indexes = [
            models.Index(
                fields=["submission"],
                condition=Q(paragraph__isnull=True),
                name="tally_submission_totals",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} · {self.paragraph_id} · {self.status}: {self.actions}"


class EvidenceQuerySet(models.QuerySet):
    def supporting(self, submission: "Submission", paragraph) -> "EvidenceQuerySet":
        """The submission's evidence on its actions linked to the paragraph (or on their updates).

        Only this submission's rows count: evidence of an earlier cycle, or deleted since, does
        not hold up a rating. `paragraph` may be an `OuterRef`.
        """
        if submission.pk is None:
            return self.none()
        return self.filter(
            Q(action__paragraphs=paragraph) | Q(update__action__paragraphs=paragraph),
            submission=submission,
        )


class Evidence(models.Model):
    """A document or a link that shows an action or an update happened.

    Its visibility decides who sees it (`permissions.scope_evidence`): the participant's members
    always; the secretariat unless it is "Participant only"; "Public once published" is also
    for anyone on the public pages, once its submission is approved and its cycle published
    (`permissions.scope_public_evidence`).
    """

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public once published")
        PARTICIPANT_AND_SECRETARIAT = (
            "participant_and_secretariat",
            _("Participant and secretariat"),
        )
        PARTICIPANT = "participant", _("Participant only")

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="evidence")
    # A copy carried into a later cycle shares the stored file with the row it came from.
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("carried forward from"),
    )
    title = models.CharField(_("title"), max_length=300)
    date = models.DateField(_("date"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    visibility = models.CharField(
        _("who may see it"),
        max_length=40,
        choices=Visibility.choices,
        default=Visibility.PARTICIPANT_AND_SECRETARIAT,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__isnull=False) | Q(update__isnull=False),
                name="evidence_on_action_or_update",
            ),
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="evidence_is_file_xor_link",
            ),
        ]

    # What a copy in a later cycle takes over (the stored file is shared, not duplicated).
    CARRIED_FIELDS = (
        "title", "date", "file", "original_name", "content_type", "size", "sha256", "url",
        "visibility", "uploaded_by_id",
    )  # fmt: skip

    def __str__(self) -> str:
        return self.title

    @property
    def is_link(self) -> bool:
        return bool(self.url)

    def get_download_url(self) -> str:
        return reverse("tracking:evidence_download", args=[self.pk])


class Assessment(models.Model):
    """A participant's rating of one operative paragraph in one reporting cycle."""

    class Rating(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        PARTIALLY = "partially", _("Partially implemented")
        SUBSTANTIALLY = "substantially", _("Substantially implemented")
        FULLY = "fully", _("Fully implemented")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        NO_INFORMATION = "no_information", _("No information")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="assessments")
    paragraph = models.ForeignKey(Paragraph, on_delete=models.PROTECT, related_name="assessments")
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("carried forward from"),
    )
    rating = models.CharField(_("rating"), max_length=20, choices=Rating)
    justification = models.TextField(_("justification"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "paragraph"], name="one_assessment_per_paragraph"
            ),
            models.CheckConstraint(
                condition=~Q(rating="fully") | ~Q(justification=""),
                name="fully_implemented_needs_justification",
            ),
        ]

    # Ratings that say nothing without a reason: a justification is required at submit time.
    NEEDS_JUSTIFICATION = (Rating.FULLY, Rating.NOT_APPLICABLE, Rating.NO_INFORMATION)

    def __str__(self) -> str:
        return f"{self.submission} · {self.paragraph} · {self.get_rating_display()}"

    @property
    def is_carried_unchanged(self) -> bool:
        """Copied from the previous cycle and not saved since (a copy starts at version 1)."""
        return self.carried_from_id is not None and self.version == 1


class AssistanceKind(models.TextChoices):
    """What kind of technical assistance a need asks for or an offer gives."""

    LEGISLATIVE_DRAFTING = "legislative_drafting", _("Legislative drafting")
    TRAINING = "training", _("Training")
    EQUIPMENT = "equipment", _("Equipment")
    EXPERTISE = "expertise", _("Expertise")
    FUNDING = "funding", _("Funding")
    OTHER = "other", _("Other")


class Need(models.Model):
    """A participant's need for technical assistance on one operative paragraph, stated in its
    submission: part of the cycle's sealed record like a rating (`permissions.scope_needs`).

    Needs are not carried into the next cycle: each submission states the needs of its time,
    and a match stays with the need it was made for.
    """

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="needs")
    paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.PROTECT,
        related_name="needs",
        verbose_name=_("operative paragraph"),
    )
    description = models.TextField(_("what is needed"))
    kind = models.CharField(_("kind of assistance"), max_length=30, choices=AssistanceKind)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.MEDIUM
    )
    shareable = models.BooleanField(
        _("may be shared with providers"),
        default=False,
        help_text=_("Providers of technical assistance see it once the submission is approved."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    if TYPE_CHECKING:
        # Set by the matching board's prefetch: the matches its user sees.
        visible_matches: list["Match"]

    class Meta:
        ordering = ["paragraph__position", "pk"]
        indexes = [
            models.Index(fields=["shareable", "submission"], name="need_shareable_submission")
        ]

    def __str__(self) -> str:
        return f"{self.submission} · {self.paragraph} · {self.get_kind_display()}"


class OfferQuerySet(models.QuerySet):
    def published(self) -> "OfferQuerySet":
        return self.filter(state=Offer.State.PUBLISHED)


class Offer(models.Model):
    """A provider's offer of technical assistance on paragraphs or themes of a declaration.

    Open to the regions and participants listed; to everyone when both are empty.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    provider = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="offers", verbose_name=_("provider")
    )
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="offers")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    kind = models.CharField(_("kind of assistance"), max_length=30, choices=AssistanceKind)
    paragraphs = models.ManyToManyField(
        Paragraph, related_name="offers", blank=True, verbose_name=_("operative paragraphs")
    )
    themes = models.ManyToManyField(
        Theme, related_name="offers", blank=True, verbose_name=_("themes")
    )
    # The regions' codes separated by spaces: no code is part of another, so `contains`
    # finds one on every database. Empty (with no participants): open to all.
    open_regions = models.CharField(_("open to regions"), max_length=100, blank=True)
    open_participants = models.ManyToManyField(
        Participant, related_name="offers_open_to", blank=True, verbose_name=_("open to")
    )
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["state", "kind"], name="offer_state_kind")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracking:offer", args=[self.pk])

    @property
    def region_list(self) -> list[str]:
        return self.open_regions.split()

    @property
    def region_labels(self) -> list[str]:
        labels = dict(Region.choices)
        return [str(labels.get(code, code)) for code in self.region_list]

    def is_open_to(self, participant: Participant, listed: Collection[int] | None = None) -> bool:
        """Whether `participant` may take the offer up. `listed`: the ids of the participants
        the offer names (its prefetched open participants when not given)."""
        if listed is None:
            listed = {p.pk for p in self.open_participants.all()}
        if not self.open_regions and not listed:
            return True
        return participant.region in self.region_list or participant.pk in listed

    def fits(
        self,
        need: Need,
        *,
        on_paragraph: bool | None = None,
        listed: Collection[int] | None = None,
    ) -> bool:
        """Same kind, on the need's paragraph or one of its themes, open to its participant.

        Reads the prefetched paragraphs, themes and open participants of the offer, and the
        need's paragraph themes and participant; or, as the matching board reads them for a
        page of needs at once, `on_paragraph` (on the need's paragraph or one of its themes)
        and `listed` (as `is_open_to`).
        """
        if self.kind != need.kind or self.declaration_id != need.paragraph.declaration_id:
            return False
        if on_paragraph is None:
            theme_ids = {t.pk for t in need.paragraph.themes.all()}
            on_paragraph = any(p.pk == need.paragraph_id for p in self.paragraphs.all()) or any(
                t.pk in theme_ids for t in self.themes.all()
            )
        return on_paragraph and self.is_open_to(need.submission.participant, listed)


class Match(models.Model):
    """The secretariat's pairing of a need with an offer, followed to delivery."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        DELIVERED = "delivered", _("Delivered")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    # The states each state may move to; delivered, declined and cancelled are ends.
    NEXT_STATES = {
        State.PROPOSED: (State.AGREED, State.DECLINED, State.CANCELLED),
        State.AGREED: (State.DELIVERED, State.CANCELLED),
        State.DELIVERED: (),
        State.DECLINED: (),
        State.CANCELLED: (),
    }

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="matches")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="matches")
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.PROPOSED)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["need", "offer"], name="one_match_per_need_and_offer")
        ]

    def __str__(self) -> str:
        return f"{self.need} · {self.offer} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("tracking:match", args=[self.pk])

    @property
    def next_states(self) -> tuple[str, ...]:
        return self.NEXT_STATES[self.State(self.state)]


class ReportQuerySet(models.QuerySet):
    def requested_by(self, user) -> "ReportQuerySet":
        return self.filter(requested_by=user)

    def active(self) -> "ReportQuerySet":
        return self.filter(state__in=Report.ACTIVE_STATES)


def default_language() -> str:
    return settings.LANGUAGE_CODE


class Report(models.Model):
    """A request for a status report, built by a Celery task; its state is what users see."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Table(models.TextChoices):
        SUMMARY = "summary", _("Summary")
        ASSESSMENTS = "assessments", _("Assessments")
        ACTIONS = "actions", _("Actions")
        UPDATES = "updates", _("Updates")
        EVIDENCE = "evidence", _("Evidence")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="reports")
    cycle = models.ForeignKey(
        ReportingCycle, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    # Empty means every participant (secretariat) or paragraph the requester may see.
    participants = models.ManyToManyField(Participant, blank=True, related_name="reports")
    paragraphs = models.ManyToManyField(Paragraph, blank=True, related_name="reports")
    format = models.CharField(_("format"), max_length=10, choices=Format)
    # What the file's headers, labels and file names are written in: one of settings.LANGUAGES,
    # validated by the request form rather than by choices, so that adding a language needs
    # no migration.
    language = models.CharField(_("language"), max_length=10, default=default_language)
    # CSV only: one table as a plain CSV file; empty means every table in a ZIP.
    table = models.CharField(_("table"), max_length=20, choices=Table, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True, max_length=300)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("handed to the queue at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Refreshed by the running task; a stale one means its worker is gone.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # Set at request time: the requester is a member of a participant in the scope, so the
    # file may hold that participant's drafts and only the requester may download it.
    includes_drafts = models.BooleanField(_("may include drafts"), default=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_format_display()} report #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.SUCCEEDED and bool(self.file)

    @property
    def is_failed(self) -> bool:
        return self.state == self.State.FAILED

    @property
    def extension(self) -> str:
        if self.format == self.Format.CSV and not self.table:
            return "zip"
        return self.format

    @property
    def language_name(self) -> str:
        return str(dict(settings.LANGUAGES).get(self.language, self.language))

    @property
    def download_name(self) -> str:
        """'dushanbe-report-12-updates.csv', its words in the report's language."""
        with translation.override(self.language):
            word = slugify(gettext("Report"), allow_unicode=True)
            table = slugify(self.get_table_display(), allow_unicode=True) if self.table else ""
        suffix = f"-{table}" if table else ""
        return f"{self.declaration.slug}-{word}-{self.pk}{suffix}.{self.extension}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class WorkbookImport(models.Model):
    """An uploaded workbook, from its preview to its application by a Celery task.

    The preview stores the file and what it would change; "Apply changes" queues it; the task
    writes it all or nothing and records the outcome, which its requester's page shows.
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being applied")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Not applied")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    FINISHED_STATES = (State.APPLIED, State.FAILED)

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="workbook_imports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workbook_imports"
    )
    # Names the upload in the apply form: a pk would be guessable.
    token = models.UUIDField(_("token"), unique=True)
    file = models.FileField(_("file"), blank=True, max_length=300)
    # The preview the user confirmed: the whole plan's, and each row's, to name what moved.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    row_fingerprints = models.JSONField(_("fingerprints of the rows"), default=dict)
    # The requester's language at the preview: the outcome is written in it.
    language = models.CharField(_("language"), max_length=10, default=default_language)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.PREVIEWED)
    new = models.PositiveIntegerField(_("new rows"), default=0)
    changed = models.PositiveIntegerField(_("changed rows"), default=0)
    conflicts = models.PositiveIntegerField(_("rows in conflict"), default=0)
    error = models.TextField(_("error"), blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    created_at = models.DateTimeField(_("previewed at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("handed to the queue at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"Workbook import #{self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("tracking:workbook_import", args=[self.pk])

    @property
    def rows_to_apply(self) -> int:
        return self.new + self.changed

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES


class ReportDownload(models.Model):
    """Who downloaded which report, and when."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.report} · {self.user} · {self.at:%Y-%m-%d %H:%M}"


class EvidenceDownload(models.Model):
    """Who downloaded which evidence file, and when: shown to the participant's coordinators
    and the secretariat."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("downloaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.evidence} · {self.user} · {self.at:%Y-%m-%d %H:%M}"


class FormSubmission(models.Model):
    """A create form sent once: the token its page carried and where its result is.

    The unique token makes a double click, or a retry after a timeout, find the first result
    instead of creating a second one, even when both arrive at the same moment. An API
    request's Idempotency-Key is such a token too; its first answer is kept to be answered
    again, with a fingerprint of the request so that a key reused for another is refused.
    """

    token = models.UUIDField(_("form token"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(_("result"), max_length=500, blank=True)
    # Indexed for the periodic task that forgets old tokens.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    response = models.JSONField(_("response"), null=True, blank=True, encoder=DjangoJSONEncoder)

    def __str__(self) -> str:
        return f"{self.token} · {self.user} · {self.result_url}"


class PasswordResetRequest(models.Model):
    """A password reset mail that was let through, counted by `tracking/throttle.py`.

    Rows, not the cache: the default cache is per process, and every gunicorn worker must see
    the same count. Rows older than the throttle's window are deleted as new ones come.
    """

    email = models.CharField(_("e-mail address"), max_length=254)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("asked at"), auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="reset_email_at"),
            models.Index(fields=["ip_address", "at"], name="reset_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.ip_address} · {self.at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for the API: it acts with its user's roles, nothing more.

    Only the SHA-256 of the secret is kept (the secret is shown once, when it is made); the
    prefix lets its owner tell tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
