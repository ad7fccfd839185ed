"""Every page carries the security headers; neither cookie is readable by a script."""

from django.urls import reverse

from tests.conftest import PASSWORD


def test_a_page_carries_the_security_headers(client, tjk_focal, tjk_action):
    client.force_login(tjk_focal)

    response = client.get(reverse("tracking:action", args=[tjk_action.pk]))

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_session_and_csrf_cookies_are_out_of_reach_of_scripts(client, tjk_focal):
    client.get(reverse("login"))
    client.post(reverse("login"), {"username": "tjk-focal", "password": PASSWORD})

    session, csrf = client.cookies["sessionid"], client.cookies["csrftoken"]

    assert session["httponly"] and session["samesite"] == "Lax"
    # The forms carry the token themselves: no script of ours reads the cookie.
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
