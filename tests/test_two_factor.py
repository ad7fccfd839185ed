"""Two-factor login: required roles enrol, everyone with an authenticator gives a code."""

import io
import re

import pytest
import qrcode
import qrcode.image.svg
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

VERIFY, SETUP = reverse("two_factor_verify"), reverse("two_factor_setup")


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["secretariat", "coordinator"]


def _log_in(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def _enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _enrol(client) -> list[str]:
    """Confirms the pending authenticator of the logged-in user; returns the recovery codes."""
    page = client.get(SETUP).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(confirmed=False)
    assert re.search(r"<code[^>]*>[A-Z2-7]{32}</code>", page)
    response = client.post(SETUP, {"code": _code(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


def test_a_required_role_without_an_authenticator_is_sent_to_set_one_up(
    client, required, secretariat
):
    _log_in(client, "secretariat")

    response = client.get(reverse("tracking:actions"))

    assert response.status_code == 302
    assert response.url.startswith(SETUP)
    assert "next=%2Ftracking%2Factions%2F" in response.url


def test_setup_confirms_with_a_code_and_shows_ten_recovery_codes_once(
    client, required, tjk_coordinator
):
    _log_in(client, "tjk-coordinator")

    codes = _enrol(client)

    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=tjk_coordinator).confirmed
    assert client.get(reverse("home")).status_code == 200
    assert client.get(SETUP).status_code == 302  # no second enrolment, no codes shown again


def test_the_setup_page_draws_the_devices_url_with_the_fixed_mask(
    client, tjk_focal, django_assert_num_queries
):
    _log_in(client, "tjk-focal")
    client.get(SETUP)  # makes the pending authenticator
    device = TOTPDevice.objects.get(user=tjk_focal, confirmed=False)

    # session, user, authenticators (TOTP, static) in the access check, failed logins,
    # the pending authenticator, the menu's memberships
    with django_assert_num_queries(7):
        page = client.get(SETUP).content.decode()

    drawn = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=8,
        mask_pattern=0,
    )
    assert drawn.to_string(encoding="unicode") in page


def test_setup_refuses_a_wrong_code(client, required, secretariat):
    _log_in(client, "secretariat")
    client.get(SETUP)

    response = client.post(SETUP, {"code": "000000"})

    assert "This code is wrong" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get(reverse("home")).status_code == 302


def test_other_roles_log_in_with_the_password_alone_and_may_enrol(client, required, tjk_focal):
    _log_in(client, "tjk-focal")
    assert client.get(reverse("home")).status_code == 200
    assert "Set up two-factor login" in client.get(reverse("tracking:profile")).content.decode()

    _enrol(client)
    client.post(reverse("logout"))
    _log_in(client, "tjk-focal")

    assert client.get(reverse("home")).url.startswith(VERIFY)


def test_verify_accepts_a_fresh_code_and_refuses_a_wrong_and_a_reused_one(
    client, required, secretariat
):
    device = _enrolled(secretariat)
    _log_in(client, "secretariat")
    page = client.get(VERIFY).content.decode()
    assert "Authentication code" in page and ">Verify</button>" in page

    wrong = client.post(VERIFY, {"code": "000000"})
    assert "This code is wrong or was already used" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302

    code = _code(device)
    assert client.post(VERIFY, {"code": code, "next": "/tracking/actions/"}).url == (
        "/tracking/actions/"
    )
    assert client.get(reverse("home")).status_code == 200

    client.post(reverse("logout"))
    _log_in(client, "secretariat")
    reused = client.post(VERIFY, {"code": code})
    assert "This code is wrong or was already used" in reused.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_recovery_code_works_once(client, required, tjk_coordinator):
    _log_in(client, "tjk-coordinator")
    recovery = _enrol(client)[0]
    client.post(reverse("logout"))

    _log_in(client, "tjk-coordinator")
    assert client.post(VERIFY, {"code": recovery}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert StaticToken.objects.count() == 9

    client.post(reverse("logout"))
    _log_in(client, "tjk-coordinator")
    refused = client.post(VERIFY, {"code": recovery})
    assert "This code is wrong or was already used" in refused.content.decode()


def test_five_wrong_codes_log_out_and_lock_the_account(client, required, secretariat):
    device = _enrolled(secretariat)
    _log_in(client, "secretariat")

    for _ in range(4):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 200
    locked = client.post(VERIFY, {"code": "000000"})

    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert client.get(reverse("home")).url.startswith(reverse("login"))
    # The password is refused for the cool-off too, and so is a right code.
    assert _log_in(client, "secretariat").status_code == 429
    assert client.post(VERIFY, {"code": _code(device)}).url.startswith(reverse("login"))


def test_the_pending_step_allows_only_the_two_factor_pages_and_logout(
    client, required, secretariat
):
    _enrolled(secretariat)
    _log_in(client, "secretariat")

    assert client.get(reverse("tracking:profile")).url.startswith(VERIFY)
    assert client.get(SETUP).url == VERIFY
    assert client.get(VERIFY).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(VERIFY).url.startswith(reverse("login"))


def test_the_command_resets_a_users_devices(client, required, tjk_coordinator):
    _log_in(client, "tjk-coordinator")
    _enrol(client)
    out = io.StringIO()

    call_command("reset_two_factor", "tjk-coordinator", stdout=out)

    assert "deleted TOTP device: 1 row(s)" in out.getvalue()
    assert not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    client.post(reverse("logout"))
    _log_in(client, "tjk-coordinator")
    assert client.get(reverse("home")).url.startswith(SETUP)


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("reset_two_factor", "nobody", stdout=io.StringIO())


def test_a_reset_while_the_code_is_owed_sends_a_required_role_to_setup(
    client, required, secretariat
):
    _enrolled(secretariat)
    _log_in(client, "secretariat")
    call_command("reset_two_factor", "secretariat", stdout=io.StringIO())

    assert client.get(VERIFY).url == SETUP
    assert client.get(reverse("home")).url.startswith(SETUP)
