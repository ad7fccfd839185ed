"""What a declaration says: its sections, paragraphs (the commitments), themes and references."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """The six official languages of the United Nations, by the codes of Django's locales."""

    ARABIC = "ar", _("Arabic")
    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    RUSSIAN = "ru", _("Russian")
    SPANISH = "es", _("Spanish")


def language_code(value: str | None) -> str:
    """The UN language a code names ("ru-RU" -> "ru", "zh-CN" -> "zh-hans"), or ""."""
    code = (value or "").strip().lower().replace("_", "-")
    if code in Language.values:
        return code
    primary = code.split("-")[0]
    if primary == "zh":  # one Chinese among the UN languages
        return Language.CHINESE
    return primary if primary in Language.values else ""


def language_direction(code: str) -> str:
    """ "rtl" for Arabic, "ltr" for the others: the value of an HTML `dir` attribute."""
    try:
        return "rtl" if get_language_info(code)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


class Declaration(models.Model):
    title = models.CharField(_("title"), max_length=300)
    short_title = models.CharField(_("short title"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    symbol = models.CharField(_("UN symbol"), max_length=50, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    place = models.CharField(_("place of adoption"), max_length=200, blank=True)
    original_language = models.CharField(_("original language"), max_length=50, blank=True)
    # The language of the text held on the paragraphs; other languages are DeclarationVersions.
    language = models.CharField(
        _("language of the text"), max_length=10, choices=Language, default=Language.ENGLISH
    )
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
    # Pages kept in the cache name themes: a theme changed makes a new version of them.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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


class WordedText:
    """The wording of a paragraph in one language: its lead verb and its text in parts."""

    verb: str
    text: str

    if TYPE_CHECKING:  # each subclass says where its language comes from

        @property
        def language(self) -> str: ...

    @property
    def parts(self) -> list[str]:
        """The plain text in its parts: the lead part, then continuations and sub-items."""
        return self.text.split("\n\n")

    @property
    def lead_text(self) -> str:
        """The first part after the lead verb (shown in italics beside it), with its space.

        The space is kept only when the text has one: "*подчеркивая*, что" and the Chinese
        "*认为*必须" have none.
        """
        first = self.parts[0]
        if not first.startswith(self.verb):
            return first
        rest = first[len(self.verb) :]
        return " " + rest.lstrip() if rest[:1].isspace() else rest

    @property
    def further_parts(self) -> list[str]:
        return self.parts[1:]

    @property
    def direction(self) -> str:
        return language_direction(self.language)


def paragraph_text_in(language: str, paragraph: str = "pk", field: str = "text") -> Coalesce:
    """An SQL expression: a paragraph's `field` ("text", "verb" or "text_markdown") in
    `language`, or its own when its declaration has no version in that language.

    For querysets read as values or streamed as SQL: on paragraphs
    (``Paragraph.objects.annotate(text_ru=paragraph_text_in("ru"))``) or on rows that point at
    one (``Assessment.objects.annotate(text_ru=paragraph_text_in("ru", "paragraph"))``).
    """
    own = F(field) if paragraph == "pk" else F(f"{paragraph}__{field}")
    texts = ParagraphText.objects.filter(
        paragraph_id=OuterRef(paragraph), version__language=language_code(language)
    )
    return Coalesce(Subquery(texts.values(field)[:1]), own)


class ParagraphQuerySet(models.QuerySet["Paragraph"]):
    def operative(self) -> "ParagraphQuerySet":
        return self.filter(kind=Paragraph.Kind.OPERATIVE)

    def with_text_in(self, *languages: str) -> "ParagraphQuerySet":
        """Fetches the texts in these languages (default: the active one) for `text_in`."""
        codes = [language_code(code) for code in languages or [get_language()]]
        texts = ParagraphText.objects.filter(version__language__in=codes).select_related("version")
        return self.prefetch_related(
            models.Prefetch("texts", queryset=texts, to_attr="prefetched_texts")
        )


_ParagraphManagerBase = models.Manager.from_queryset(ParagraphQuerySet)


class ParagraphManager(_ParagraphManagerBase["Paragraph"]):
    def get_by_natural_key(self, declaration_slug: str, number: int) -> "Paragraph":
        return self.get(declaration__slug=declaration_slug, number=number)


class Paragraph(WordedText, models.Model):
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

    if TYPE_CHECKING:
        # Set by the exporter: the paragraph's `text_in` the exported language.
        wording: "ParagraphText | Paragraph"
        # Set by the declaration pages: its themes and references, read for many at once.
        theme_list: list[Theme]
        reference_list: list[Reference]

    class Meta:
        ordering = ["declaration", "position"]
        # The matching board lists needs by their paragraph's position: read in that order, the
        # first page's needs are found without sorting every need of every declaration.
        indexes = [models.Index(fields=["position"], name="paragraph_position")]
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
        return f"{self.declaration.short_title} {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("declarations:paragraph", args=[self.declaration.slug, self.number])

    @property
    def label(self) -> str:
        """How pages name the paragraph in the active language: 'OP6', 'PP (Noting)'."""
        if self.number is not None:
            return operative_label(self.number)
        return gettext("PP (%(verb)s)") % {"verb": self.verb}

    def natural_key(self) -> tuple[str, int | None]:
        return (self.declaration.slug, self.number)

    # Django's serializers read the attribute off the function; a function has no such field.
    natural_key.dependencies = ["declarations.declaration"]  # type: ignore[attr-defined]

    @property
    def is_operative(self) -> bool:
        return self.kind == self.Kind.OPERATIVE

    @property
    def language(self) -> str:
        return self.declaration.language

    def text_in(self, language: str | None = None) -> "ParagraphText | Paragraph":
        """The paragraph in `language` (default: the active language), or the paragraph itself
        when its declaration has no version in that language.

        Both answers have `verb`, `text`, `text_markdown`, `language` and the parts of
        `WordedText`. Fetch the paragraphs with `Paragraph.objects.with_text_in(language)` to
        answer without a query per paragraph.
        """
        code = language_code(language or get_language())
        prefetched = getattr(self, "prefetched_texts", None)
        if prefetched is None:
            found = self.texts.filter(version__language=code).select_related("version").first()
        else:
            found = next((t for t in prefetched if t.version.language == code), None)
        return found or self


class DeclarationVersion(models.Model):
    """The declaration in another language than its own text's, paragraph for paragraph.

    An official text is the UN document as the UN publishes it in that language; a working
    translation is one made for the tracker. Its paragraphs' texts are `ParagraphText`s.
    """

    class Status(models.TextChoices):
        OFFICIAL = "official", _("Official text")
        WORKING = "working", _("Working translation")

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("declaration"),
    )
    language = models.CharField(_("language"), max_length=10, choices=Language)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.WORKING)
    title = models.CharField(_("title"), max_length=300)
    header = models.TextField(_("document header"), blank=True)
    annex_heading = models.TextField(_("annex heading"), blank=True)
    original_note = models.CharField(_("note on the original language"), max_length=200, blank=True)
    # The headings of the declaration's sections as this version writes them, in their order:
    # [{"number": "I", "heading": "I. Данные и мониторинг", "title": "Данные и мониторинг"}].
    sections = models.JSONField(_("section headings"), default=list, blank=True)
    source_filename = models.CharField(_("source file name"), max_length=255, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["declaration_id", "language"]
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "language"], name="one_version_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration} ({self.get_language_display()}, {self.get_status_display()})"

    @property
    def is_official(self) -> bool:
        return self.status == self.Status.OFFICIAL

    def section_heading(self, number: str) -> str:
        return next((s["heading"] for s in self.sections if s["number"] == number), "")


class ParagraphText(WordedText, models.Model):
    """A paragraph's wording in one language version of its declaration."""

    version = models.ForeignKey(
        DeclarationVersion,
        on_delete=models.CASCADE,
        related_name="texts",
        verbose_name=_("version"),
    )
    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.CASCADE, related_name="texts", verbose_name=_("paragraph")
    )
    verb = models.CharField(_("lead verb or phrase"), max_length=100)
    text_markdown = models.TextField(_("text (Markdown)"))
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("paragraph text")
        verbose_name_plural = _("paragraph texts")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "paragraph"], name="one_text_per_paragraph_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paragraph} ({self.version.language})"

    @property
    def language(self) -> str:
        return self.version.language


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
    # Empty: the declaration's own text; a language: a version of the declaration `slug` names.
    language = models.CharField(_("language"), max_length=10, choices=Language, blank=True)
    version_status = models.CharField(
        _("status of the version"), max_length=20, choices=DeclarationVersion.Status, blank=True
    )
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


def operative_label(number: int) -> str:
    """An operative paragraph's short name, 'OP6', in the active language."""
    return gettext("OP%(number)s") % {"number": number}
