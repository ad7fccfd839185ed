from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracking.idempotency import SubmitOnceForm

MAX_UPLOAD_SIZE = 1024 * 1024


class DeclarationUploadForm(SubmitOnceForm):
    file = forms.FileField(
        label=_("Declaration file"),
        help_text=_("A UN document in Markdown: UTF-8 text, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,.txt,text/markdown"}),
    )
    slug = forms.SlugField(
        label=_("Slug"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to derive it from the title. An existing slug updates it."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_SIZE:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_SIZE),
                },
            )
        data = upload.read(MAX_UPLOAD_SIZE + 1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is not UTF-8 text.")) from error
        if "\x00" in text or not text.strip():
            raise ValidationError(_("The file is not a text document."))
        self.cleaned_data["text"] = text.removeprefix("\ufeff")
        return upload
