"""Which language a page is in: the profile's, else the chooser's cookie, else the browser's.

The page's `lang` and `dir` and what comes from outside our catalogs (Django's own strings,
the CLDR's country names, date formats) show the language before our catalogs are translated.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD

LOGIN = reverse("login")
HOME = reverse("home")
CHOOSER = reverse("tracking:language")

# (Accept-Language, lang, dir, Django's "Username" label, Tajikistan in the CLDR)
BROWSERS = [
    ("ru-RU,ru;q=0.9,en;q=0.5", "ru", "ltr", "Имя пользователя", "Таджикистан"),
    ("ar", "ar", "rtl", "اسم المستخدم", "طاجيكستان"),
    ("zh-Hans-CN,zh;q=0.8", "zh-hans", "ltr", "用户名", "塔吉克斯坦"),
    ("fr-CH, fr;q=0.9, en;q=0.8", "fr", "ltr", "Nom d’utilisateur", "Tadjikistan"),
    ("es-MX,es;q=0.9", "es", "ltr", "Nombre de usuario", "Tayikistán"),
]


def _html_tag(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="(rtl|ltr)">', response.text)
    assert match, response.text[:300]
    return match[1], match[2]


@pytest.mark.parametrize(("header", "lang", "direction", "username", "country"), BROWSERS)
def test_a_first_visit_follows_the_browsers_language(
    client, tjk_focal, header, lang, direction, username, country
):
    login = client.get(LOGIN, headers={"accept-language": header})

    assert _html_tag(login) == (lang, direction)
    assert login.headers["Content-Language"] == lang
    assert f'<label for="id_username">{username}' in login.text

    client.force_login(tjk_focal)
    home = client.get(HOME, headers={"accept-language": header})

    assert _html_tag(home) == (lang, direction)
    assert country in home.text


def test_a_language_the_site_does_not_have_falls_back_to_english(client, db):
    response = client.get(LOGIN, headers={"accept-language": "de-DE,de;q=0.9"})

    assert _html_tag(response) == ("en", "ltr")


def test_the_chooser_is_on_the_login_page_with_each_language_in_its_own_name(client, db):
    html = client.get(LOGIN).text

    assert f'<form method="post" action="{CHOOSER}" class="language-chooser">' in html
    assert '<label for="language-chooser">Language</label>' in html
    assert f'<input type="hidden" name="next" value="{LOGIN}">' in html
    options = re.findall(r'<option value="([^"]+)" lang="\1"( selected)?>([^<]+)</option>', html)
    assert [(code, name) for code, _selected, name in options] == [
        ("ar", "العربية"),
        ("zh-hans", "中文"),
        ("en", "English"),
        ("fr", "Français"),
        ("ru", "Русский"),
        ("es", "Español"),
    ]
    assert [code for code, selected, _name in options if selected] == ["en"]


def test_the_chooser_sets_a_cookie_that_wins_over_the_browser(client, db):
    response = client.post(CHOOSER, {"language": "ar", "next": LOGIN})

    assert response.status_code == 302 and response.url == LOGIN
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ar"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    page = client.get(LOGIN, headers={"accept-language": "ru"})
    assert _html_tag(page) == ("ar", "rtl")


def test_the_language_cookie_is_as_private_as_the_session_cookie_in_production():
    from tests.test_settings import SAFE_KEY, _settings

    names = ["LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE"]
    result = _settings(
        *names, "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        DEBUG="false", SECRET_KEY=SAFE_KEY, ALLOWED_HOSTS="tracker.example.org",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "'Lax'"] * 2


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_the_chooser_goes_back_only_to_a_page_of_this_site(client, db, next_url):
    response = client.post(CHOOSER, {"language": "fr", "next": next_url})

    assert response.status_code == 302
    assert response.url == HOME


def test_the_chooser_refuses_a_language_the_site_does_not_have(client, tjk_focal):
    client.force_login(tjk_focal)

    response = client.post(CHOOSER, {"language": "de", "next": HOME})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    tjk_focal.refresh_from_db()
    assert tjk_focal.language == ""


def test_a_get_only_goes_back(client, tjk_focal):
    client.force_login(tjk_focal)

    response = client.get(CHOOSER, {"language": "fr", "next": reverse("tracking:actions")})

    assert response.url == reverse("tracking:actions")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    tjk_focal.refresh_from_db()
    assert tjk_focal.language == ""


def test_the_saved_language_wins_over_the_cookie_and_the_browser(client, tjk_focal):
    tjk_focal.language = "ru"
    tjk_focal.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(tjk_focal)

    page = client.get(HOME, headers={"accept-language": "ar"})

    assert _html_tag(page) == ("ru", "ltr")
    assert "Таджикистан" in page.text


def test_the_chooser_saves_the_language_and_it_stays_across_logout_and_login(client, tjk_focal):
    client.post(LOGIN, {"username": "tjk-focal", "password": PASSWORD})
    actions = reverse("tracking:actions")

    response = client.post(CHOOSER, {"language": "es", "next": actions})

    assert response.url == actions
    tjk_focal.refresh_from_db()
    assert tjk_focal.language == "es"
    assert _html_tag(client.get(actions, headers={"accept-language": "fr"})) == ("es", "ltr")

    client.post(reverse("logout"))
    assert _html_tag(client.get(LOGIN, headers={"accept-language": "fr"})) == ("es", "ltr")

    # Another browser, which never saw the cookie: the profile brings the language back.
    client.cookies.clear()
    assert _html_tag(client.get(LOGIN, headers={"accept-language": "fr"})) == ("fr", "ltr")
    client.post(LOGIN, {"username": "tjk-focal", "password": PASSWORD})
    assert _html_tag(client.get(HOME, headers={"accept-language": "fr"})) == ("es", "ltr")


def test_the_profile_shows_and_changes_the_language(client, tjk_focal):
    client.force_login(tjk_focal)
    profile = reverse("tracking:profile")

    html = client.get(profile).text

    assert '<label for="id_language">Language:</label>' in html
    assert '<option value="" selected>The language of my browser</option>' in html
    assert '<option value="zh-hans" lang="zh-hans">中文</option>' in html

    client.post(profile, {"email": "", "notify_workflow": "on", "language": "zh-hans"})

    tjk_focal.refresh_from_db()
    assert tjk_focal.language == "zh-hans"
    assert _html_tag(client.get(profile)) == ("zh-hans", "ltr")

    client.post(profile, {"email": "", "notify_workflow": "on", "language": ""})

    tjk_focal.refresh_from_db()
    assert tjk_focal.language == ""
    assert _html_tag(client.get(profile, headers={"accept-language": "ar"})) == ("ar", "rtl")


def test_every_page_has_the_chooser_and_lang_and_dir(client, tjk_focal):
    """The error pages too, and those without the site's layout."""
    from tracking.middleware import unavailable_response

    client.force_login(tjk_focal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    for url in [HOME, reverse("tracking:profile"), "/tracking/actions/999999/", LOGIN]:
        response = client.get(url)
        assert _html_tag(response) == ("ar", "rtl"), url
        assert 'class="language-chooser"' in response.text, url

    from django.utils import translation

    with translation.override("ar"):
        assert '<html lang="ar" dir="rtl">' in unavailable_response().content.decode()
