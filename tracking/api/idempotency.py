"""Idempotency-Key: a POST that creates, sent again with the same key (a retry after a timeout),
answers the first answer and creates nothing more. The key is a page form's one-time token in
another form: the same FormSubmission row, claimed in the same transaction as what it creates.
"""

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from ..idempotency import claim
from ..models import FormSubmission

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# Keys are the client's own strings, unique per user: each becomes a name-based UUID
# (version 5), which never equals a page form's random token (version 4).
KEYS = uuid.UUID("5f0c3c1e-6d0b-4d59-9a57-3e3b2f0a1d42")
# Headers of the first answer that the repeat answers too.
KEPT_HEADERS = ("ETag", "Location")

PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A string of your choice (a UUID is best), at most 255 printable ASCII "
    "characters. Sent again with the same request, the first answer is answered again and "
    "nothing is created twice; sent with a different request, 422.",
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def fingerprint(request: Request) -> str:
    """The request as the view reads it: the same data sent again (in another multipart
    boundary, with keys in another order) has the same fingerprint."""
    data = request.data
    if isinstance(data, QueryDict):
        data = dict(data.lists())

    def plain(value: Any) -> Any:
        if isinstance(value, UploadedFile):
            return [value.name, value.size, _file_digest(value)]
        return str(value)

    text = json.dumps([request.method, request.path, data], sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not (0 < len(key) <= MAX_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ParseError(
            _("Idempotency-Key must be 1 to 255 printable ASCII characters.")
        )
    return key


def respond_once(request: Request, create: Callable[[], Response]) -> Response:
    key = _key(request)
    if key is None:
        return create()
    user = request.user
    token = uuid.uuid5(KEYS, f"{user.pk}:{key}")
    sent = fingerprint(request)
    with transaction.atomic():
        submission, repeated = claim(token=token, user=user)  # type: ignore[arg-type]
        if not repeated:
            response = create()  # what it raises rolls the claim back: a retry runs again
            kept = {name: response[name] for name in KEPT_HEADERS if name in response}
            submission.fingerprint = sent
            submission.response = {
                "status": response.status_code,
                "body": response.data,
                "headers": kept,
            }
            submission.save(update_fields=["fingerprint", "response"])
            return response
    return _repeat(submission, sent)


def _repeat(first: FormSubmission, sent: str) -> Response:
    if first.fingerprint != sent or first.response is None:
        raise KeyReused(_("This Idempotency-Key was sent with another request: nothing was done."))
    answer = first.response
    return Response(answer["body"], status=answer["status"], headers=answer["headers"])


def created_once(create: Callable) -> Callable:
    """Makes a view's `create` answer the first answer to a repeated Idempotency-Key."""

    @functools.wraps(create)
    def once(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return respond_once(request, lambda: create(view, request, *args, **kwargs))

    return once
