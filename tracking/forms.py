"""Forms of the tracking pages."""

from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.validators import URLValidator
from django.db.models import ManyToManyField, Value
from django.db.models.functions import Substr
from django.forms.models import ModelChoiceIterator, construct_instance
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from declarations.models import Declaration, Paragraph, Theme, paragraph_text_in

from . import ids, languages
from .idempotency import SubmitOnceForm
from .models import (
    Action,
    Assessment,
    Evidence,
    Match,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Publication,
    Report,
    ReportingCycle,
    Submission,
    User,
)
from .permissions import memberships, reportable_participant_ids
from .regions import Region
from .uploads import ALLOWED_LABEL, check_upload
from .widgets import (
    CachedCheckboxSelectMultiple,
    CachedSelect,
    CachedSelectMultiple,
    LanguageSelect,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def by_name(options: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """Options in the order of their labels in the active language (participants' names are
    translated, so the database's order by `name` is English order)."""
    return sorted(options, key=lambda option: languages.sort_key(str(option[1])))


class ByNameIterator(ModelChoiceIterator):
    """Options `by_name`."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from by_name([self.choice(obj) for obj in self.queryset])


class FetchedIterator(ModelChoiceIterator):
    """Reads the options with one plain fetch: Django's iterator opens a server-side cursor on
    PostgreSQL, three round trips for a short list."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


# What a participant's option label shows (`Participant.display_name`): kept options of
# participants are written again when one of these changes.
PARTICIPANT_LABEL = ("code", "name", "kind")


class FetchedChoiceField(forms.ModelChoiceField):
    iterator = FetchedIterator


class ParticipantChoiceField(forms.ModelChoiceField):
    iterator = ByNameIterator


class ParticipantMultipleChoiceField(ids.ModelMultipleChoiceField):
    iterator = ByNameIterator


class VersionedForm(forms.Form):
    """Carries the version of the record the form was loaded with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


# A paragraph's option label shows this many characters of its text, then "…".
LABEL_TEXT = 90
# What a paragraph's option label shows (`paragraph_label`): kept options of paragraphs are
# written again when one of these changes. `shown_text` is `operative_paragraphs`'s.
PARAGRAPH_LABEL = ("number", "verb", "declaration__short_title", "shown_text")


def paragraph_label(paragraph: Paragraph) -> str:
    """Of a paragraph of `operative_paragraphs`."""
    text: str = paragraph.shown_text  # type: ignore[attr-defined]
    text = text if len(text) <= LABEL_TEXT else text[:LABEL_TEXT] + "…"
    return f"{paragraph.label} ({paragraph.declaration.short_title}): {text}"


class ParagraphChoiceField(ids.ModelMultipleChoiceField):
    widget = CachedCheckboxSelectMultiple(depends_on=PARAGRAPH_LABEL)
    iterator = FetchedIterator

    def label_from_instance(self, paragraph: Paragraph) -> str:
        return paragraph_label(paragraph)


class OneParagraphField(forms.ModelChoiceField):
    widget = CachedSelect(depends_on=PARAGRAPH_LABEL)
    iterator = FetchedIterator

    def label_from_instance(self, paragraph: Paragraph) -> str:
        return paragraph_label(paragraph)


def operative_paragraphs():
    """The paragraphs to choose from, each with as much of its text as its label shows
    (`shown_text`: in the user's language if its declaration has a version in it), read in
    the same query, so that the kept options' key is one plain query too."""
    return (
        Paragraph.objects.operative()
        .select_related("declaration")
        # The whole document, once per paragraph: the labels name the declaration only.
        .defer("declaration__source_text")
        # One character more than is shown: whether the label ends in "…".
        .annotate(shown_text=Substr(paragraph_text_in(get_language()), 1, LABEL_TEXT + 1))
        .order_by("declaration__short_title", "position")
    )


class ActionFieldsForm(forms.ModelForm):
    paragraphs = ParagraphChoiceField(
        label=_("Operative paragraphs"),
        queryset=Paragraph.objects.none(),
        help_text=_("The commitments this action implements: at least one."),
    )

    class Meta:
        model = Action
        fields = [
            "paragraphs",
            "title",
            "description",
            "lead_institution",
            "partners",
            "start_date",
            "end_date",
            "status",
            "progress",
        ]
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 5}),
            "partners": forms.Textarea(attrs={"rows": 2}),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100}),
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        paragraphs = cleaned.get("paragraphs")
        if paragraphs and len({p.declaration_id for p in paragraphs}) > 1:
            self.add_error(
                "paragraphs", _("Choose paragraphs of one declaration only for one action.")
            )
        return cleaned

    def values(self) -> dict:
        """The action's own fields, for the services."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "paragraphs"}


class ActionCreateForm(SubmitOnceForm, ActionFieldsForm):
    participant = ParticipantChoiceField(
        label=_("Participant"), queryset=Participant.objects.none(), empty_label=None
    )

    field_order = ["participant", "paragraphs"]

    def __init__(self, *args, participants, offered: list[Participant] | None = None, **kwargs):
        """`offered`: the participants of `participants`, when the caller has read them
        already (the page reads where the user may file)."""
        super().__init__(*args, **kwargs)
        participant = cast(ParticipantChoiceField, self.fields["participant"])
        participant.queryset = participants
        if offered is not None:
            participant.choices = by_name([(p.pk, str(p)) for p in offered])
        paragraphs = cast(ParagraphChoiceField, self.fields["paragraphs"])
        declarations = Declaration.objects.filter(participants__in=participants)
        paragraphs.queryset = operative_paragraphs().filter(declaration__in=declarations)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        participant, paragraphs = cleaned.get("participant"), cleaned.get("paragraphs")
        if participant and paragraphs:
            allowed = set(participant.declarations.values_list("pk", flat=True))
            if any(p.declaration_id not in allowed for p in paragraphs):
                self.add_error(
                    "paragraphs",
                    _("%(participant)s does not report on the declaration of these paragraphs.")
                    % {"participant": participant},
                )
        return cleaned


class ActionEditForm(VersionedForm, ActionFieldsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        paragraphs = cast(ParagraphChoiceField, self.fields["paragraphs"])
        paragraphs.queryset = operative_paragraphs().filter(
            declaration_id=self.instance.declaration_id
        )


class WorkbookActionForm(ActionFieldsForm):
    """An action's row of a workbook, checked as the action forms check it. Its paragraphs
    are read from their numbers, among the declaration's operative paragraphs, before."""

    paragraphs = None  # type: ignore[assignment]

    class Meta(ActionFieldsForm.Meta):
        fields = [name for name in ActionFieldsForm.Meta.fields if name != "paragraphs"]

    def _post_clean(self):
        # As ModelForm's, without the model's check constraints: run as queries they cost two
        # per row of a workbook of a thousand, and they say again what `clean` and the fields'
        # validators check (dates in order, progress at most 100). The database enforces them.
        # (ModelForm's own helpers below are private: django-stubs does not list them.)
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(),  # type: ignore[attr-defined]
                validate_unique=False,
                validate_constraints=False,
            )
        except forms.ValidationError as error:
            self._update_errors(error)  # type: ignore[attr-defined]


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Workbook"),
        help_text=_("The workbook downloaded from this page, filled in (.xlsx)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument"
                   ".spreadsheetml.sheet"}
        ),
    )  # fmt: skip


class WorkbookApplyForm(forms.Form):
    """Names the stored upload, and with it the preview the user confirmed."""

    upload = forms.UUIDField(widget=forms.HiddenInput)


class ProgressUpdateForm(SubmitOnceForm, forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ["date", "narrative", "status", "progress"]
        widgets = {
            "date": DATE_INPUT,
            "narrative": forms.Textarea(attrs={"rows": 4}),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100}),
        }


def _upload_help() -> str:
    return _("%(types)s. Give either a file or a link.") % {"types": ALLOWED_LABEL}


# The progress updates evidence may be attached to, newest first.
UPDATES_OFFERED = 20


class EvidenceForm(SubmitOnceForm, forms.ModelForm):
    upload = forms.FileField(
        label=_("File"),
        required=False,
        # Lazy as a whole: `%` on a lazy text translates it at once, here at import.
        help_text=lazy(_upload_help, str)(),
    )
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("An http or https address. Give either a file or a link."),
    )
    update = FetchedChoiceField(
        label=_("Progress update (optional)"),
        required=False,
        queryset=ProgressUpdate.objects.none(),
        empty_label=_("None: the action itself"),
    )
    field_order = ["title", "date", "upload", "url", "update", "visibility"]

    class Meta:
        model = Evidence
        fields = ["title", "date", "visibility"]
        widgets = {"date": DATE_INPUT}
        help_texts = {
            "visibility": _(
                "“Participant only”: the secretariat does not see it. “Public once published”: "
                "also shown on the public pages once the submission is approved and published."
            )
        }

    def __init__(self, *args, action: Action, updates: list | None = None, **kwargs):
        """`updates`: the action's newest draft updates, newest first, when the caller has
        read them already (the action's page lists them)."""
        super().__init__(*args, **kwargs)
        update = cast(forms.ModelChoiceField, self.fields["update"])
        if updates is not None and not self.is_bound:
            # Only shown (it is sent to the evidence form's own page): no queryset to check by.
            offered = [(record.pk, str(record)) for record in updates[:UPDATES_OFFERED]]
            update.choices = [("", update.empty_label), *offered]
        else:
            # The newest draft updates only: an action may gather many, the select stays short.
            newest = action.updates.filter(submission__state="draft").values("pk")
            update.queryset = action.updates.filter(
                pk__in=newest.order_by("-date", "-pk")[:UPDATES_OFFERED]
            ).order_by("-date", "-pk")
        update.help_text = _("The %(count)s newest updates of this cycle are offered.") % {
            "count": UPDATES_OFFERED
        }
        # A client that sends no level gets the default, as before levels existed.
        self.fields["visibility"].required = False
        self.extension = self.content_type = ""

    def clean_visibility(self) -> str:
        return (
            self.cleaned_data.get("visibility") or Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT
        )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.extension, self.content_type = check_upload(upload)
        return upload

    def clean_url(self):
        url = self.cleaned_data.get("url", "")
        if url and urlsplit(url).scheme.lower() not in {"http", "https"}:
            raise forms.ValidationError(_("Only http and https links are accepted."))
        return url

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        has_file = bool(cleaned.get("upload")) or "upload" in self.errors
        has_url = bool(cleaned.get("url")) or "url" in self.errors
        if has_file and has_url:
            raise forms.ValidationError(_("Give either a file or a link, not both."))
        if not has_file and not has_url:
            raise forms.ValidationError(_("Give a file or a link."))
        return cleaned


class AssessmentForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["rating", "justification"]
        widgets = {"justification": forms.Textarea(attrs={"rows": 5})}

    # What to say when a rating of Assessment.NEEDS_JUSTIFICATION comes without one.
    JUSTIFICATION_NEEDED = {
        Assessment.Rating.FULLY: _("Say why the paragraph is fully implemented."),
        Assessment.Rating.NOT_APPLICABLE: _("Say why the paragraph does not apply."),
        Assessment.Rating.NO_INFORMATION: _("Say why there is no information on the paragraph."),
    }

    def __init__(self, *args, submission: Submission, paragraph: Paragraph, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission, self.paragraph = submission, paragraph

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        rating = cleaned.get("rating")
        if (
            rating in Assessment.NEEDS_JUSTIFICATION
            and not cleaned.get("justification", "").strip()
        ):
            self.add_error("justification", self.JUSTIFICATION_NEEDED[rating])
        supported = Evidence.objects.supporting(self.submission, self.paragraph)
        if rating == Assessment.Rating.FULLY and not supported.exists():
            self.add_error(
                "rating",
                _(
                    "“Fully implemented” needs at least one evidence item on an action "
                    "of %(participant)s linked to this paragraph, in this submission."
                )
                % {"participant": self.submission.participant},
            )
        return cleaned

    def _post_clean(self):
        # The submission is set by the service; the model's constraints are checked there.
        pass


class SubmitForm(VersionedForm):
    pass


class ReviewForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment for the focal point"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning the submission to draft."),
    )
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("return", _("Return to draft"))],
        widget=forms.HiddenInput,
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say what needs to change before returning it."))
        return cleaned


def current_cycle(cycles) -> ReportingCycle | None:
    """Of `cycles`, the open one (the latest if several, as services.open_cycle), else the
    latest: what a form preselects."""
    return max(cycles, key=lambda c: (c.is_open, c.starts_on, c.pk), default=None)


class CycleForm(forms.Form):
    """Which declaration and reporting cycle the secretariat's pages show (one query)."""

    cycle = forms.TypedChoiceField(
        label=_("Declaration and reporting cycle"), coerce=int, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cycles = (
            ReportingCycle.objects.select_related("declaration")
            .defer("declaration__source_text")  # the page names the declaration, nothing more
            .order_by("declaration__short_title", "-starts_on")
        )
        self.cycles = {cycle.pk: cycle for cycle in cycles}
        cycle = cast(forms.TypedChoiceField, self.fields["cycle"])
        cycle.choices = [(pk, str(c)) for pk, c in self.cycles.items()]
        # The page shows the current cycle until another is asked for: so does the form.
        current = current_cycle(self.cycles.values())
        if current:
            self.initial.setdefault("cycle", current.pk)

    def chosen(self) -> ReportingCycle | None:
        """The cycle asked for, else the open one, else the latest one."""
        if self.is_bound and self.is_valid() and self.cleaned_data["cycle"]:
            return self.cycles[self.cleaned_data["cycle"]]
        return current_cycle(self.cycles.values())


class MatrixForm(CycleForm):
    everyone = forms.BooleanField(
        label=_("Also show the participants with nothing submitted"), required=False
    )

    def shows_everyone(self) -> bool:
        return self.is_bound and self.is_valid() and self.cleaned_data["everyone"]


class ReportParagraphField(ids.ModelMultipleChoiceField):
    def label_from_instance(self, paragraph: Paragraph) -> str:
        return _("%(declaration)s, paragraph %(number)s") % {
            "declaration": paragraph.declaration.short_title,
            "number": paragraph.number,
        }


def current_language() -> str:
    """The active language as one of settings.LANGUAGES ('zh-hans' for 'zh-Hans')."""
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


class ReportRequestForm(SubmitOnceForm):
    declaration = forms.ModelChoiceField(
        queryset=Declaration.objects.none(), label=_("Declaration")
    )
    cycle = forms.ModelChoiceField(queryset=ReportingCycle.objects.none(), label=_("Cycle"))
    participants = ParticipantMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        label=_("Participants"),
        help_text=_("Leave empty for every participant you may see."),
        widget=CachedSelectMultiple(depends_on=PARTICIPANT_LABEL),
    )
    paragraphs = ReportParagraphField(
        queryset=Paragraph.objects.none(),
        required=False,
        label=_("Paragraphs"),
        help_text=_("Leave empty for every operative paragraph."),
        widget=CachedSelectMultiple(depends_on=("number", "declaration__short_title")),
    )
    format = forms.ChoiceField(
        choices=Report.Format.choices, initial=Report.Format.PDF, label=_("Format")
    )
    table = forms.ChoiceField(
        choices=[("", _("Every table, in a ZIP file")), *Report.Table.choices],
        required=False,
        label=_("CSV table"),
        help_text=_("CSV only: one table as a single file."),
    )
    language = forms.ChoiceField(
        required=False,
        label=_("Language"),
        help_text=_("The language of the report's headings, labels and file name."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["language"]).choices = settings.LANGUAGES
        self.fields["language"].initial = current_language()
        allowed = reportable_participant_ids(user)
        participants = Participant.objects.order_by("name")
        declarations = Declaration.objects.all()
        participant_field = cast(ParticipantMultipleChoiceField, self.fields["participants"])
        if allowed is not None:
            participants = participants.filter(pk__in=allowed)
            declarations = declarations.filter(participants__in=allowed).distinct()
        participant_field.queryset = participants
        if allowed is not None:
            # A member's own participants, read with the memberships: offered without reading
            # them again (the queryset still checks the answer).
            own = {m.participant_id: m.participant for m in memberships(user)}
            participant_field.choices = by_name(
                [(pk, str(own[pk])) for pk in dict.fromkeys(allowed)]
            )
        declaration = cast(forms.ModelChoiceField, self.fields["declaration"])
        declaration.queryset = declarations
        cycle = cast(forms.ModelChoiceField, self.fields["cycle"])
        cycle.queryset = ReportingCycle.objects.filter(declaration__in=declarations).select_related(
            "declaration"
        )
        cast(ReportParagraphField, self.fields["paragraphs"]).queryset = (
            Paragraph.objects.operative()
            .filter(declaration__in=declarations)
            .select_related("declaration")
            .order_by("declaration", "position")
        )
        # Read once for their options and the preselection (the querysets check the answer):
        # a model field's options would read them again, through a cursor of three round trips.
        declaration_list = list(declarations.only("pk", "short_title"))
        cycles = list(cycle.queryset.defer("declaration__source_text"))
        for field, rows in ((declaration, declaration_list), (cycle, cycles)):
            empty = [("", field.empty_label)] if field.empty_label is not None else []
            field.choices = [*empty, *((row.pk, str(row)) for row in rows)]
        if not self.is_bound:
            self._preselect([row.pk for row in declaration_list], cycles)

    def _preselect(self, declaration_ids: list[int], cycles: list[ReportingCycle]) -> None:
        """The declaration when there is one (or one with an open cycle), and its current cycle."""
        with_open_cycle = {cycle.declaration_id for cycle in cycles if cycle.is_open}
        if self.initial.get("declaration") in declaration_ids:  # chosen by the link
            chosen = self.initial["declaration"]
        elif len(declaration_ids) == 1:
            chosen = declaration_ids[0]
        elif len(with_open_cycle) == 1:
            chosen = with_open_cycle.pop()
        else:
            return
        self.initial.setdefault("declaration", chosen)
        cycle = current_cycle([cycle for cycle in cycles if cycle.declaration_id == chosen])
        if cycle:
            self.initial.setdefault("cycle", cycle.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        declaration = data.get("declaration")
        if not declaration:
            return data
        if data.get("cycle") and data["cycle"].declaration_id != declaration.pk:
            self.add_error("cycle", _("Choose a cycle of the chosen declaration."))
        if any(p.declaration_id != declaration.pk for p in data.get("paragraphs", [])):
            self.add_error("paragraphs", _("Choose paragraphs of the chosen declaration."))
        joined = set(declaration.participants.values_list("pk", flat=True))
        outside = [p.display_name for p in data.get("participants", []) if p.pk not in joined]
        if outside:
            self.add_error(
                "participants",
                _("Not a participant of this declaration: %(names)s")
                % {"names": ", ".join(outside)},
            )
        if data.get("format") != Report.Format.CSV:
            data["table"] = ""
        # A form sent without a language (a page from before the field) takes the session's.
        data["language"] = data.get("language") or current_language()
        return data


class ProfileForm(forms.ModelForm):
    """The user's e-mail address, which e-mails they receive and in which language."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The language of my browser")), *languages.choices()],
        required=False,
        help_text=_("The language of the pages and of the e-mails the tracker sends you."),
        widget=LanguageSelect,
    )

    class Meta:
        model = User
        fields = ["email", "notify_workflow", "notify_reminders", "language"]
        labels = {
            "email": _("E-mail address"),
            "notify_workflow": _("Workflow notices"),
            "notify_reminders": _("Reminders"),
        }
        help_texts = {"email": _("Leave it empty to receive no e-mail at all.")}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, such as the script or system that uses it."),
    )


class ReportingCycleForm(forms.Form):
    """A cycle's fields, for creating and editing it; the services check the rules again."""

    declaration = FetchedChoiceField(
        label=_("Declaration"), queryset=Declaration.objects.none(), empty_label=None
    )
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("For example 2026, or 2026–2027.")
    )
    starts_on = forms.DateField(label=_("Period starts on"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Period ends on"), widget=DATE_INPUT)
    due_on = forms.DateField(label=_("Submissions due on"), widget=DATE_INPUT)
    participants = ParticipantMultipleChoiceField(
        label=_("Participants in scope"),
        queryset=Participant.objects.none(),
        widget=CachedCheckboxSelectMultiple(
            attrs={"class": "checkbox-list"}, depends_on=PARTICIPANT_LABEL
        ),
        help_text=_("The participants that report in this cycle: at least one."),
        error_messages={"required": _("Choose at least one participant.")},
    )

    VALUES = ("declaration", "name", "starts_on", "ends_on", "due_on")

    def __init__(self, *args, cycle: ReportingCycle | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        declarations = Declaration.objects.only("pk", "short_title").order_by("short_title")
        cast(forms.ModelChoiceField, self.fields["declaration"]).queryset = declarations
        cast(forms.ModelMultipleChoiceField, self.fields["participants"]).queryset = (
            Participant.objects.filter(declarations__isnull=False).distinct().order_by("name")
        )
        if cycle is not None:
            self.initial = {
                **{name: getattr(cycle, name) for name in self.VALUES},
                "declaration": cycle.declaration_id,
                "participants": list(cycle.participants.values_list("pk", flat=True)),
                **self.initial,
            }
            if cycle.submissions.exists():
                self.fields["declaration"].disabled = True
                self.fields["declaration"].help_text = _(
                    "Participants have filed in this cycle, so its declaration cannot change."
                )
        elif not self.is_bound:
            declaration = declarations.first()
            if declaration is not None:
                # Every participant of the declaration reports, unless the user says otherwise.
                self.initial.setdefault("declaration", declaration.pk)
                self.initial.setdefault(
                    "participants", list(declaration.participants.values_list("pk", flat=True))
                )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts, ends, due = data.get("starts_on"), data.get("ends_on"), data.get("due_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The period cannot end before it starts."))
        if starts and due and due < starts:
            self.add_error("due_on", _("Submissions cannot be due before the period starts."))
        declaration, name = data.get("declaration"), data.get("name")
        if declaration and name:
            same_name = ReportingCycle.objects.filter(declaration=declaration, name=name)
            if self.cycle is not None:
                same_name = same_name.exclude(pk=self.cycle.pk)
            if same_name.exists():
                self.add_error(
                    "name",
                    _("%(declaration)s already has a cycle named “%(name)s”.")
                    % {"declaration": declaration, "name": name},
                )
        if declaration and data.get("participants"):
            joined = set(declaration.participants.values_list("pk", flat=True))
            outside = [p.display_name for p in data["participants"] if p.pk not in joined]
            if outside:
                self.add_error(
                    "participants",
                    _("Not a participant of %(declaration)s: %(names)s.")
                    % {"declaration": declaration, "names": ", ".join(outside)},
                )
        return data

    def values(self) -> dict:
        """The cycle's own fields, for the services."""
        return {name: self.cleaned_data[name] for name in self.VALUES}


class CycleCloseForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("Close anyway: submissions under review stay submitted and can still be approved"),
        required=False,
    )


class PublicationForm(forms.ModelForm):
    """The licence the open data of a published cycle is offered under."""

    licence_url = forms.URLField(
        label=_("Licence address"),
        required=False,
        max_length=500,
        assume_scheme="https",
        # Shown as a link to everyone: no javascript: or other schemes.
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where the licence's text can be read."),
    )

    class Meta:
        model = Publication
        fields = ["licence", "licence_url"]
        help_texts = {"licence": _("Stated on the public pages and in every open data download.")}


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending no mail past the throttle (`tracking/throttle.py`); the page
    that follows is the same either way. Each mail is in its user's language."""

    def save(self, *args, request=None, **kwargs) -> None:
        from .throttle import client_ip, password_reset_allow

        if password_reset_allow(email=self.cleaned_data["email"], ip_address=client_ip(request)):
            kwargs["request"] = request
            super().save(*args, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # Without a saved language, the page's: the mail answers the page just sent.
        language = context["user"].language or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=16,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class LanguageForm(forms.Form):
    """The language chooser of every page."""

    language = forms.ChoiceField(choices=languages.choices())


class NeedForm(VersionedForm, forms.ModelForm):
    """A need for technical assistance on one operative paragraph of the submission's
    declaration."""

    paragraph = OneParagraphField(label=_("Operative paragraph"), queryset=Paragraph.objects.none())

    class Meta:
        model = Need
        fields = ["paragraph", "kind", "priority", "description", "shareable"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, declaration_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        paragraph = cast(OneParagraphField, self.fields["paragraph"])
        paragraph.queryset = operative_paragraphs().filter(declaration_id=declaration_id)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self):
        # The submission is set by the service; the model's constraints are checked there.
        pass


class OfferForm(VersionedForm, forms.ModelForm):
    """A provider's offer: what it gives, on which paragraphs or themes, open to whom."""

    paragraphs = ParagraphChoiceField(
        label=_("Operative paragraphs"),
        queryset=Paragraph.objects.none(),
        required=False,
        help_text=_("Choose paragraphs, themes, or both."),
    )
    themes = ids.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        required=False,
        widget=CachedCheckboxSelectMultiple(depends_on=("name",)),
    )
    open_regions = forms.MultipleChoiceField(
        label=_("Open to regions"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave regions and participants empty to open the offer to everyone."),
    )
    open_participants = ParticipantMultipleChoiceField(
        label=_("Open to participants"),
        queryset=Participant.objects.all(),
        required=False,
        widget=CachedSelectMultiple(attrs={"size": 8}, depends_on=PARTICIPANT_LABEL),
    )

    class Meta:
        model = Offer
        fields = ["declaration", "title", "kind", "description", "contact_name", "contact_email"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        field_classes = {"declaration": FetchedChoiceField}

    PLAIN_FIELDS = ("title", "kind", "description", "contact_name", "contact_email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The labels name the declaration: not its whole source text, 9 KB for each of the
        # 80 paragraphs at UN scale.
        paragraphs = cast(ParagraphChoiceField, self.fields["paragraphs"])
        paragraphs.queryset = operative_paragraphs().defer("declaration__source_text")
        if self.instance.pk:
            # An offer stays on its declaration.
            del self.fields["declaration"]
            self.initial.update(open_regions=self.instance.region_list, **self._linked_ids())
        else:
            declaration = cast(forms.ModelChoiceField, self.fields["declaration"])
            declaration.queryset = Declaration.objects.defer("source_text")

    LINKS = ("paragraphs", "themes", "open_participants")

    def _linked_ids(self) -> dict[str, list[int]]:
        """The ids of the offer's paragraphs, themes and participants, which the boxes and
        options it checks need (not the records), in one query: a UNION of the links."""
        parts = []
        for index, name in enumerate(self.LINKS):
            relation = cast(ManyToManyField, Offer._meta.get_field(name))
            links = getattr(Offer, name).through.objects.filter(
                **{relation.m2m_field_name(): self.instance.pk}
            )
            parts.append(links.values_list(Value(index), relation.m2m_reverse_name()))
        linked: dict[str, list[int]] = {name: [] for name in self.LINKS}
        for index, pk in parts[0].union(*parts[1:], all=True):
            linked[self.LINKS[index]].append(pk)
        return linked

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("paragraphs") and not cleaned.get("themes"):
            self.add_error("paragraphs", _("Choose at least one paragraph or one theme."))
        declaration = cleaned.get("declaration") or getattr(self.instance, "declaration", None)
        if declaration is not None and any(
            p.declaration_id != declaration.pk for p in cleaned.get("paragraphs", [])
        ):
            self.add_error(
                "paragraphs",
                _("Choose paragraphs of %(declaration)s only.") % {"declaration": declaration},
            )
        return cleaned

    def values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.PLAIN_FIELDS}
        values["open_regions"] = " ".join(sorted(self.cleaned_data["open_regions"]))
        return values

    def relations(self) -> dict:
        return {
            "paragraphs": list(self.cleaned_data["paragraphs"]),
            "themes": list(self.cleaned_data["themes"]),
            "open_participants": list(self.cleaned_data["open_participants"]),
        }

    def _post_clean(self):
        # The provider is set by the service.
        pass


class MatchProposeForm(forms.Form):
    need = forms.IntegerField(widget=forms.HiddenInput)
    offer = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note for both sides"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MatchMoveForm(VersionedForm):
    state = forms.ChoiceField(choices=Match.State.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Replaces the match's note when given."),
    )


class OfferMoveForm(VersionedForm):
    state = forms.ChoiceField(choices=Offer.State.choices, widget=forms.HiddenInput)
