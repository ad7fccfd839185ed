"""`next` never sends anyone off the site: logging in, logging out and the two-factor code
page each fall back to their own page for any address that is not this site's."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

# Each of these takes a browser to evil.example (or runs a script) if followed as it is.
HOSTILE = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https://testserver@evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_logging_in_with_a_hostile_next_goes_home(client, tjk_focal, target):
    response = client.post(
        reverse("login"), {"username": "tjk-focal", "password": PASSWORD, "next": target}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_logging_in_follows_a_next_on_the_site(client, tjk_focal):
    response = client.post(
        reverse("login"),
        {"username": "tjk-focal", "password": PASSWORD, "next": "/tracking/actions/"},
    )

    assert response.url == "/tracking/actions/"


@pytest.mark.parametrize("target", HOSTILE)
def test_logging_out_with_a_hostile_next_goes_to_the_login_page(client, tjk_focal, target):
    client.force_login(tjk_focal)

    response = client.post(reverse("logout"), {"next": target})

    assert response.status_code == 302
    assert response.url == reverse("login")


@pytest.mark.parametrize("target", HOSTILE)
def test_the_two_factor_page_ignores_a_hostile_next(client, settings, secretariat, target):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["secretariat"]
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    client.post(reverse("login"), {"username": "secretariat", "password": PASSWORD})
    verify = reverse("two_factor_verify")

    page = client.get(verify, {"next": target})
    response = client.post(verify, {"code": f"{totp(device.bin_key):06d}", "next": target})

    assert 'name="next" value="/"' in page.text
    # The language chooser keeps the page's own path (this page, query included) to come back
    # to: a same-site path. Nothing else on the page may carry the hostile value.
    chooser = re.search(r'<form[^>]*class="language-chooser".*?</form>', page.text, re.S)
    assert chooser is not None
    assert "evil.example" not in page.text.replace(chooser.group(0), "")
    assert response.status_code == 302
    assert response.url == reverse("home")
