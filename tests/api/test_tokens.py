"""Personal API tokens: made on the profile page or by a command, shown once, revoked."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tracking.api.authentication import hash_key
from tracking.models import ApiToken

PROFILE = reverse("tracking:profile")
ACTIONS = reverse("api:action-list")


def _bearer(client, secret, url=ACTIONS):
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


def test_a_token_made_on_the_profile_is_shown_once_and_works(client, tjk_focal, tjk_action):
    client.force_login(tjk_focal)

    page = client.post(reverse("tracking:api_token_create"), {"name": "Nightly sync"})

    assert page.status_code == 200
    secret = page.context["secret"]
    assert f'value="{secret}"' in page.text
    assert "is shown only now" in page.text
    assert "no-store" in page["Cache-Control"]
    token = ApiToken.objects.get(user=tjk_focal)
    assert token.key_hash == hash_key(secret) and secret not in token.key_hash
    assert secret.startswith(token.prefix)
    listing = client.get(PROFILE).text
    assert "Nightly sync" in listing and f"{token.prefix}…" in listing
    assert secret not in listing

    client.logout()
    response = _bearer(client, secret)

    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [tjk_action.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_needs_a_name(client, tjk_focal):
    client.force_login(tjk_focal)

    page = client.post(reverse("tracking:api_token_create"), {"name": ""})

    assert page.status_code == 200
    assert "This field is required." in page.text
    assert not ApiToken.objects.exists()


def test_a_revoked_token_no_longer_works(client, tjk_focal):
    client.force_login(tjk_focal)
    secret = client.post(reverse("tracking:api_token_create"), {"name": "Old"}).context["secret"]
    token = ApiToken.objects.get()

    response = client.post(reverse("tracking:api_token_revoke", args=[token.pk]), follow=True)

    assert "The token was revoked" in response.text
    assert "Old" not in client.get(PROFILE).text
    client.logout()
    refused = _bearer(client, secret)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == "The token is not valid or was revoked."


def test_nobody_revokes_another_users_token(client, tjk_focal, kaz_focal):
    client.force_login(tjk_focal)
    secret = client.post(reverse("tracking:api_token_create"), {"name": "Mine"}).context["secret"]
    client.force_login(kaz_focal)

    client.post(reverse("tracking:api_token_revoke", args=[ApiToken.objects.get().pk]))

    client.logout()
    assert _bearer(client, secret).status_code == 200


def test_revoking_needs_a_post(client, tjk_focal):
    client.force_login(tjk_focal)

    assert client.get(reverse("tracking:api_token_revoke", args=[1])).status_code == 405


def test_the_command_prints_a_token_that_acts_with_the_users_roles(client, tjk_action, kaz_focal):
    out = io.StringIO()

    call_command("api_token", "kaz-focal", "--name", "Ministry system", stdout=out)

    secret = out.getvalue().strip()
    assert ApiToken.objects.get(key_hash=hash_key(secret)).name == "Ministry system"
    assert _bearer(client, secret).json()["results"] == []  # Kazakhstan sees no Tajik draft
    detail = _bearer(client, secret, reverse("api:action-detail", args=[tjk_action.pk]))
    assert detail.status_code == 404


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No active user is named 'nobody'"):
        call_command("api_token", "nobody", stdout=io.StringIO())


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer dt_wrong", "Token abc"])
def test_a_malformed_or_unknown_credential_is_refused(client, db, header):
    response = client.get(ACTIONS, headers={"Authorization": header})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_a_token_of_a_deactivated_user_no_longer_works(client, api, tjk_focal):
    holder = api(tjk_focal)
    tjk_focal.is_active = False
    tjk_focal.save()

    assert holder.get(ACTIONS).status_code == 401
