"""Create forms that are safe to send twice.

Each create form carries a one-time token issued with the page. The first POST with a token
records it in the same transaction as the rows it creates; a second POST with the same token
(a double click, a retry after a client timeout, a reloaded result page) hits the unique
constraint, waits for the first to commit, and is sent to the first one's result.
"""

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID, uuid4

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FormSubmission, User

ALREADY_SENT = _("This form had already been sent, so it was saved only once.")


class SubmitOnceForm(forms.Form):
    """Adds the hidden one-time token; an unbound form gets a fresh one."""

    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["form_token"].initial = uuid4()

    @property
    def values_without_token(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "form_token"}


def claim(*, token: UUID, user: User) -> tuple[FormSubmission, bool]:
    """Records the token in the caller's transaction: (its row, False); or, when it was sent
    before, (the first one's row once committed, True). Another user's token is refused."""
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(token=token, user=user), False
    except IntegrityError:
        first = FormSubmission.objects.get(token=token)
        if first.user_id != user.pk:
            raise PermissionDenied from None
        return first, True


def submit_once(*, token: UUID | None, user: User, create: Callable[[], str]) -> tuple[str, bool]:
    """Runs `create` (which returns the URL of what it made) once per token.

    Returns the URL and whether this was a repeat. A form sent without a token (a page from
    before tokens) is simply created.
    """
    if token is None:
        return create(), False
    with transaction.atomic():
        submission, repeated = claim(token=token, user=user)
        if repeated:
            return submission.result_url, True
        url = create()
        FormSubmission.objects.filter(pk=submission.pk).update(result_url=url)
    return url, False


def expire() -> int:
    """Forgets the tokens and keys older than IDEMPOTENCY_RETENTION_HOURS (the periodic task):
    how many. Without it, every form ever sent and every stored API answer would stay."""
    before = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    return FormSubmission.objects.filter(created_at__lt=before).delete()[0]
