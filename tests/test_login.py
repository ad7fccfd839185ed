import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PASSWORD

# The language chooser is public too (on the login page): tests/i18n/test_language_choice.py.
PUBLIC_PREFIXES = (
    "accounts/login",
    "accounts/password_reset",
    "accounts/reset/",
    "healthz",
    "tracking/language/",
    # The public view of published cycles: tests/public/.
    "public/",
    # The API answers 401 with WWW-Authenticate, not a redirect to a form; its OpenAPI document
    # and docs are open: tests/tracking/test_access.py.
    "api/",
)


def _pages_without_arguments(resolver=None, prefix=""):
    """Every URL of the project that takes no argument, found by walking the URLconf."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                yield from _pages_without_arguments(pattern, route)
        elif isinstance(pattern, URLPattern) and "<" not in route and "(?P" not in route:
            yield "/" + route.lstrip("^").rstrip("$")


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, db):
    pages = [p for p in _pages_without_arguments() if not p.lstrip("/").startswith(PUBLIC_PREFIXES)]
    assert "/" in pages
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login")), page


def test_admin_sends_an_anonymous_visitor_to_its_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_user_logs_in_with_the_form_and_sees_their_name(client, secretariat):
    page = client.get(reverse("login"))
    assert b'<label for="id_username">' in page.content

    response = client.post(
        reverse("login"), {"username": "secretariat", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Sara Secretariat" in response.content.decode()
    assert "Secretariat" in response.content.decode()


def test_a_wrong_password_shows_an_error_and_does_not_log_in(client, secretariat):
    response = client.post(reverse("login"), {"username": "secretariat", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_five_wrong_passwords_lock_the_account_from_that_address(client, secretariat):
    for _ in range(5):
        client.post(reverse("login"), {"username": "secretariat", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "secretariat", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_logging_out_ends_the_session(client, secretariat):
    client.force_login(secretariat)
    assert client.get(reverse("home")).status_code == 200

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_password_reset_mails_a_link_that_sets_a_new_password(client, secretariat, mailoutbox):
    secretariat.email = "sara@example.org"
    secretariat.save()

    client.post(reverse("password_reset"), {"email": "sara@example.org"})

    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/reset/" in line)
    form = client.get(link.strip(), follow=True)
    new = "another-long-password-2026"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "Your new password has been set" in done.content.decode()
    secretariat.refresh_from_db()
    assert secretariat.check_password(new)


@pytest.mark.parametrize("name", ["password_change", "password_reset"])
def test_account_pages_label_every_input(client, secretariat, name):
    client.force_login(secretariat)
    html = client.get(reverse(name)).content.decode()
    assert html.count("<label") >= html.count('<input type="password"') + html.count('type="email"')


def test_the_header_names_the_users_role_for_each_participant(client, tjk_focal, tjk_coordinator):
    client.force_login(tjk_focal)

    header = client.get(reverse("home")).content.decode().split("</header>")[0]

    assert "Farrukh Focal" in header
    assert '<span class="site-user__role">Focal point · Tajikistan</span>' in header
    assert "Coordinator" not in header
