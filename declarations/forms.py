from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracking.idempotency import SubmitOnceForm

from .importer import DeclarationTooLargeError, check_size


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
