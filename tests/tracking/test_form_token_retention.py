"""Sent forms' one-time tokens and API Idempotency-Keys are not kept for ever: the periodic
task forgets those older than IDEMPOTENCY_RETENTION_HOURS, and a retry within them still gets
the first result."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.tracking.test_submit_once import action_form, token_of
from tracking.models import Action, FormSubmission
from tracking.tasks import expire_form_submissions


@pytest.fixture
def sent(client, tjk_focal, cycle, declaration, tajikistan) -> dict:
    """A new action form sent once by the focal point: the form's data."""
    client.force_login(tjk_focal)
    url = reverse("tracking:action_create")
    data = action_form(declaration, tajikistan, token_of(client.get(url).text))
    assert client.post(url, data).status_code == 302
    return data


def _age(hours: float) -> None:
    FormSubmission.objects.update(created_at=timezone.now() - timedelta(hours=hours))


def test_a_token_within_the_retention_is_kept_and_a_retry_saves_nothing(client, sent, settings):
    settings.IDEMPOTENCY_RETENTION_HOURS = 48
    _age(47)

    assert expire_form_submissions() == 0
    client.post(reverse("tracking:action_create"), sent)
    assert Action.objects.count() == 1


def test_a_token_past_the_retention_is_forgotten(sent, settings):
    settings.IDEMPOTENCY_RETENTION_HOURS = 48
    _age(49)

    assert expire_form_submissions() == 1
    assert not FormSubmission.objects.exists()
    assert Action.objects.count() == 1  # what the form created stays
    assert expire_form_submissions() == 0
