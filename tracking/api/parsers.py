"""Multipart bodies within the limits: refused by their declared length, before any is read."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers


class MultiPartParser(parsers.MultiPartParser):
    """Django caps the fields of a form (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files: a body
    longer than the fields and the largest file together would only be refused once stored."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {})["request"]
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + settings.EVIDENCE_MAX_UPLOAD_SIZE
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            raise RequestDataTooBig("The request body exceeds the upload limits.")
        return super().parse(stream, media_type, parser_context)
