from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracking.idempotency import SubmitOnceForm

from .importer import DeclarationTooLargeError, check_size
from .models import Declaration, DeclarationVersion, Language


class DeclarationUploadForm(SubmitOnceForm):
    file = forms.FileField(
        label=_("Declaration file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,.txt,text/markdown"}),
    )
    slug = forms.SlugField(
        label=_("Slug"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to derive it from the title. An existing slug updates it."),
    )
    language = forms.ChoiceField(
        label=_("Language version"),
        required=False,
        choices=[("", _("None: the file is the declaration itself")), *Language.choices],
        help_text=_(
            "Choose a language to add or update that language version of the declaration whose "
            "slug you give. It must have the same sections and paragraphs."
        ),
    )
    version_status = forms.ChoiceField(
        label=_("The language version is"),
        required=False,
        choices=DeclarationVersion.Status.choices,
        initial=DeclarationVersion.Status.WORKING,
        widget=forms.RadioSelect,
        help_text=_("Only for a language version: the UN's official text, or a translation."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A UN document in Markdown: UTF-8 text, at most %(limit)s."
        ) % {"limit": filesizeformat(settings.DECLARATION_MAX_BYTES)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.DECLARATION_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        data = upload.read(limit + 1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is not UTF-8 text.")) from error
        if "\x00" in text or not text.strip():
            raise ValidationError(_("The file is not a text document."))
        text = text.removeprefix("\ufeff")
        try:
            check_size(text)
        except DeclarationTooLargeError as error:
            raise ValidationError(str(error)) from error
        self.cleaned_data["text"] = text
        return upload

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        language, slug = cleaned.get("language"), cleaned.get("slug")
        if not language:
            return cleaned
        if not slug:
            self.add_error("slug", _("Give the slug of the declaration this version translates."))
            return cleaned
        declaration = Declaration.objects.filter(slug=slug).first()
        if declaration is None:
            self.add_error("slug", _("No declaration has this slug: upload the declaration first."))
        elif declaration.language == language:
            self.add_error(
                "language",
                _("%(title)s is itself in this language: choose no language to update it.")
                % {"title": declaration.title},
            )
        return cleaned
