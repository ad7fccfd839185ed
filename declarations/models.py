"""What a declaration says: its sections, paragraphs (the commitments), themes and references."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Declaration(models.Model):
    title = models.CharField(_("title"), max_length=300)
    short_title = models.CharField(_("short title"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    symbol = models.CharField(_("UN symbol"), max_length=50, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    place = models.CharField(_("place of adoption"), max_length=200, blank=True)
    original_language = models.CharField(_("original language"), max_length=50, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    session = models.CharField(_("session"), max_length=100, blank=True)
    agenda_item = models.CharField(_("agenda item"), max_length=100, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["short_title"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")

    def __str__(self) -> str:
        return self.short_title

    def get_absolute_url(self) -> str:
        return reverse("declarations:detail", args=[self.slug])


class Section(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["declaration", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="section_number_unique_per_declaration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Theme(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")
        PILLAR = "pillar", _("Pillar of the UN Global Counter-Terrorism Strategy")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.TOPIC)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Reference(models.Model):
    """An instrument a paragraph cites, e.g. Security Council resolution 1373 (2001)."""

    class Kind(models.TextChoices):
        SC_RESOLUTION = "sc_resolution", _("Security Council resolution")
        GA_RESOLUTION = "ga_resolution", _("General Assembly resolution")
        STANDARD = "standard", _("Standard or recommendations")
        STRATEGY = "strategy", _("Strategy or plan of action")
        OTHER = "other", _("Other instrument")

    name = models.CharField(_("name"), max_length=300, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParagraphQuerySet(models.QuerySet["Paragraph"]):
    def operative(self) -> "ParagraphQuerySet":
        return self.filter(kind=Paragraph.Kind.OPERATIVE)


_ParagraphManagerBase = models.Manager.from_queryset(ParagraphQuerySet)


class ParagraphManager(_ParagraphManagerBase["Paragraph"]):
    def get_by_natural_key(self, declaration_slug: str, number: int) -> "Paragraph":
        return self.get(declaration__slug=declaration_slug, number=number)


class Paragraph(models.Model):
    """A clause of a declaration; operative paragraphs are the commitments that get tracked."""

    class Kind(models.TextChoices):
        PREAMBULAR = "preambular", _("Preambular")
        OPERATIVE = "operative", _("Operative")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="paragraphs"
    )
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="paragraphs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    verb = models.CharField(_("lead verb or phrase"), max_length=100)
    text_markdown = models.TextField(_("text (Markdown)"))
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"))
    themes = models.ManyToManyField(Theme, related_name="paragraphs", blank=True)
    references = models.ManyToManyField(Reference, related_name="paragraphs", blank=True)

    objects = ParagraphManager()

    class Meta:
        ordering = ["declaration", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="paragraph_number_unique_per_declaration"
            ),
            models.UniqueConstraint(
                fields=["declaration", "position"], name="paragraph_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="operative", number__isnull=False)
                | Q(kind="preambular", number__isnull=True),
                name="paragraph_number_iff_operative",
            ),
        ]

    def __str__(self) -> str:
        if self.number is not None:
            return f"{self.declaration.short_title} OP{self.number}"
        return f"{self.declaration.short_title} PP ({self.verb})"

    def get_absolute_url(self) -> str:
        return reverse("declarations:paragraph", args=[self.declaration.slug, self.number])

    def natural_key(self) -> tuple[str, int | None]:
        return (self.declaration.slug, self.number)

    # Django's serializers read the attribute off the function; a function has no such field.
    natural_key.dependencies = ["declarations.declaration"]  # type: ignore[attr-defined]

    @property
    def is_operative(self) -> bool:
        return self.kind == self.Kind.OPERATIVE

    @property
    def parts(self) -> list[str]:
        """The plain text in its parts: the lead part, then continuations and sub-items."""
        return self.text.split("\n\n")

    @property
    def lead_text(self) -> str:
        """The first part of the text, after the lead verb (shown in italics beside it)."""
        first = self.parts[0]
        return first[len(self.verb) :].lstrip() if first.startswith(self.verb) else first

    @property
    def further_parts(self) -> list[str]:
        return self.parts[1:]


class DeclarationImport(models.Model):
    """A declaration file uploaded in the browser and imported by a worker."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    filename = models.CharField(_("file name"), max_length=255)
    source_text = models.TextField(_("source text"))
    slug = models.SlugField(_("slug"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="declaration_imports",
        verbose_name=_("requested by"),
    )
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("declaration"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("declaration import")
        verbose_name_plural = _("declaration imports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_progress_le_100")
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("declarations:import", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}
