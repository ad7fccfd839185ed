"""Sessions end after a while without activity: sooner for the secretariat and coordinators."""

import time

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _idle_for(client, seconds: int) -> None:
    session = client.session
    session["last_activity"] = int(time.time()) - seconds
    session.save()


@pytest.mark.parametrize("name", ["secretariat", "tjk_coordinator"])
def test_a_manager_idle_for_more_than_30_minutes_is_logged_out_with_a_note(client, request, name):
    client.force_login(request.getfixturevalue(name))
    client.get(reverse("home"))
    _idle_for(client, 31 * 60)

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "logged out after 30 minutes without activity" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_manager_active_within_30_minutes_stays_logged_in(client, secretariat):
    client.force_login(secretariat)
    client.get(reverse("home"))
    _idle_for(client, 29 * 60)

    assert client.get(reverse("home")).status_code == 200
    assert client.session["last_activity"] >= int(time.time()) - 5


def test_a_focal_point_gets_the_longer_idle_time(client, tjk_focal, settings):
    settings.SESSION_IDLE_TIMEOUT_OTHERS = 2 * 60 * 60
    client.force_login(tjk_focal)
    client.get(reverse("home"))
    _idle_for(client, 60 * 60)

    assert client.get(reverse("home")).status_code == 200

    _idle_for(client, 3 * 60 * 60)
    assert client.get(reverse("home")).status_code == 302


def test_the_idle_time_follows_the_setting(client, secretariat, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client.force_login(secretariat)
    client.get(reverse("home"))
    _idle_for(client, 6 * 60)

    assert client.get(reverse("home")).status_code == 302
