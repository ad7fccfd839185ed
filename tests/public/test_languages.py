"""The public pages speak every language of the site, chosen anonymously, and the cache keeps
one copy per language."""

from django.conf import settings
from django.urls import reverse


def _cycle_page(published) -> str:
    return reverse("public:cycle", args=[published.cycle.declaration.slug, published.cycle.pk])


def test_the_chooser_works_for_an_anonymous_visitor(client, published):
    page = _cycle_page(published)

    response = client.post(
        reverse("tracking:language"), {"language": "ru", "next": page}, follow=True
    )

    assert response.redirect_chain == [(page, 302)]
    assert '<html lang="ru" dir="ltr">' in response.text
    assert "Осуществлен частично" in response.text  # "Partially implemented"
    assert "sessionid" not in client.cookies


def test_each_language_has_its_own_cached_copy(client, published):
    page = _cycle_page(published)

    english = client.get(page).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    russian = client.get(page).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    arabic = client.get(page).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert '<html lang="en" dir="ltr">' in english and "Partially implemented" in english
    assert '<html lang="ru" dir="ltr">' in russian and "Осуществлен частично" in russian
    assert "Partially implemented" not in russian
    assert '<html lang="ar" dir="rtl">' in arabic
    assert client.get(page).text.count("Partially implemented") == english.count(
        "Partially implemented"
    )


def test_the_browser_language_is_followed_too(client, published):
    response = client.get(
        reverse(
            "public:participant", args=[published.cycle.declaration.slug, published.cycle.pk, "TJK"]
        ),  # fmt: skip
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert '<html lang="fr" dir="ltr">' in response.text
    assert "Tadjikistan" in response.text
