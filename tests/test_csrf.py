"""Forged POSTs are refused: without the form's token, with another session's token, and over
HTTPS from another site; the same POST from the site's own form goes through."""

import pytest
from django.test import Client
from django.urls import reverse

from tracking.models import ProgressUpdate


@pytest.fixture
def browser(tjk_focal) -> Client:
    """Tajikistan's focal point in a client that checks CSRF tokens, as a browser is checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(tjk_focal)
    return client


def _token(client: Client, **extra) -> str:
    """The token the site's forms carry for this session."""
    client.get(reverse("tracking:profile"), **extra)
    return client.cookies["csrftoken"].value


def _update(token: str | None = None) -> dict:
    form = {"date": "2026-03-01", "narrative": "Forged", "status": "in_progress", "progress": 10}
    return form | ({"csrfmiddlewaretoken": token} if token else {})


def test_a_post_without_the_token_is_refused(browser, tjk_action):
    response = browser.post(reverse("tracking:update_create", args=[tjk_action.pk]), _update())

    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_a_post_with_another_sessions_token_is_refused(browser, tjk_action, kaz_focal):
    other = Client(enforce_csrf_checks=True)
    other.force_login(kaz_focal)
    _token(browser)

    response = browser.post(
        reverse("tracking:update_create", args=[tjk_action.pk]), _update(_token(other))
    )

    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("origin", "status"), [("https://evil.example", 403), ("https://testserver", 302)]
)
def test_over_https_a_post_from_another_site_is_refused(browser, tjk_action, origin, status):
    token = _token(browser, secure=True)

    response = browser.post(
        reverse("tracking:update_create", args=[tjk_action.pk]),
        _update(token),
        secure=True,
        headers={"Origin": origin},
    )

    assert response.status_code == status
    assert ProgressUpdate.objects.exists() == (status == 302)


def test_logging_in_and_out_need_the_token(browser, tjk_focal):
    assert browser.post(reverse("logout")).status_code == 403
    assert browser.get(reverse("logout")).status_code == 405
    anonymous = Client(enforce_csrf_checks=True)

    response = anonymous.post(reverse("login"), {"username": "tjk-focal", "password": "x"})

    assert response.status_code == 403
