"""What evidence files we accept: checked by content, never by the name or the browser's word."""

import codecs
from typing import cast

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Detected kind → (MIME type, extensions a file of that kind may carry).
ALLOWED = {
    "pdf": ("application/pdf", {"pdf"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {"docx"},
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}),
    "odt": ("application/vnd.oasis.opendocument.text", {"odt"}),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", {"ods"}),
    "png": ("image/png", {"png"}),
    "jpg": ("image/jpeg", {"jpg", "jpeg"}),
    "txt": ("text/plain", {"txt"}),
    "csv": ("text/csv", {"csv"}),
}
TEXT_KINDS = {"txt", "csv"}
ALLOWED_LABEL = "PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT, CSV"


def _extension(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _is_text(upload: UploadedFile) -> bool:
    """Valid UTF-8 without NUL bytes, read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\0" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """(stored extension, content type) of an acceptable file; ValidationError otherwise."""
    limit = settings.EVIDENCE_MAX_UPLOAD_SIZE
    size = cast(int, upload.size)  # known for every file a form receives
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    extension = _extension(upload.name or "")
    upload.seek(0)
    guessed = filetype.guess(upload.read(8192))
    upload.seek(0)
    if guessed is not None:
        kind = guessed.extension
        if kind not in ALLOWED or kind in TEXT_KINDS:
            raise ValidationError(
                _("This kind of file is not accepted. Accepted: %(allowed)s.")
                % {"allowed": ALLOWED_LABEL},
                code="type",
            )
    elif extension in TEXT_KINDS and _is_text(upload):
        kind = extension
    else:
        raise ValidationError(
            _("This kind of file is not accepted. Accepted: %(allowed)s.")
            % {"allowed": ALLOWED_LABEL},
            code="type",
        )
    content_type, extensions = ALLOWED[kind]
    if extension not in extensions:
        raise ValidationError(
            _("The file's name ends in “.%(extension)s” but its content is %(kind)s.")
            % {"extension": extension, "kind": kind.upper()},
            code="extension",
        )
    return extension, content_type
