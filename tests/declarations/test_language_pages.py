"""The declaration and paragraph pages in the reader's language, with fallback and side by side.

The interface strings of a page may be translated; these tests look at the declaration's own
words, the `lang`/`dir` attributes and the links, which are the same in every interface language.
"""

import pytest
from django.urls import reverse

from declarations.importer import import_declaration, import_version
from declarations.models import DeclarationVersion, ParagraphText
from tests.declarations.conftest import SECTIONED
from tests.declarations.test_language_dialects import ARABIC

RUSSIAN_VERB = '<span class="paragraph__verb">считаем</span> важным укреплять'
ENGLISH_VERB = '<span class="paragraph__verb">Consider</span> it important to consolidate'


@pytest.fixture
def interface_languages(settings):
    """The interface offers the UN languages, so a browser's Accept-Language picks one."""
    settings.LANGUAGES = [
        ("ar", "Arabic"), ("zh-hans", "Chinese"), ("en", "English"), ("fr", "French"),
        ("ru", "Russian"), ("es", "Spanish"),
    ]  # fmt: skip


def test_a_russian_reader_gets_the_russian_version_in_constant_queries(
    as_reader, dushanbe, interface_languages, django_assert_num_queries
):
    # the twelve of test_pages.py's English page built, and the Russian version's texts
    with django_assert_num_queries(13):
        page = as_reader.get(dushanbe.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru")
    # then kept: session, user, the version of the declaration's text, memberships
    with django_assert_num_queries(4):
        again = as_reader.get(dushanbe.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru")

    assert '<h1 lang="ru" dir="ltr">Душанбинская декларация</h1>' in page.text
    assert RUSSIAN_VERB in page.text and ENGLISH_VERB not in page.text
    assert page.text.count('<div class="wording" lang="ru" dir="ltr">') == 26
    assert again.text.count('<div class="wording" lang="ru" dir="ltr">') == 26
    assert '<a href="?lang=en" lang="en" hreflang="en">English</a>' in page.text
    assert '<strong lang="ru" aria-current="true">Русский</strong>' in page.text
    assert page.context["reading"].working_translations[0].language == "ru"


def test_a_reader_whose_language_has_no_version_reads_the_original_and_is_told(
    as_reader, dushanbe, interface_languages
):
    page = as_reader.get(dushanbe.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")

    assert '<h1 lang="en" dir="ltr">Dushanbe Declaration</h1>' in page.text
    assert ENGLISH_VERB in page.text and RUSSIAN_VERB not in page.text
    assert page.context["reading"].missing == "fr"
    assert page.text.count('<p class="notice">') == 1  # "This declaration has no French version"
    assert '<a href="?lang=ru" lang="ru" hreflang="ru">Русский</a>' in page.text


def test_each_version_is_linked_with_whether_it_is_official(as_reader, dushanbe):
    page = as_reader.get(dushanbe.get_absolute_url(), {"lang": "ru"})

    assert RUSSIAN_VERB in page.text
    assert '<strong lang="ru" aria-current="true">Русский</strong> (Russian): working ' in (
        page.text
    )
    assert '<a href="?lang=en" lang="en" hreflang="en">English</a>: official text' in page.text
    assert "The Russian text is a working translation, not an official text" in page.text
    assert 'href="/declarations/dushanbe/5/?lang=ru"' in page.text
    version = DeclarationVersion.objects.get()
    version.status = DeclarationVersion.Status.OFFICIAL
    version.save()  # as the admin does
    page = as_reader.get(dushanbe.get_absolute_url(), {"lang": "ru"})
    assert "(Russian): official text" in page.text and "working translation" not in page.text


def test_an_unknown_language_is_ignored(as_reader, dushanbe):
    page = as_reader.get(dushanbe.get_absolute_url(), {"lang": "xx", "compare": "fr"})

    assert page.status_code == 200
    assert ENGLISH_VERB in page.text and 'class="paragraph__row compare"' not in page.text


def test_the_secretariat_reads_english_and_russian_side_by_side(
    client, secretariat, dushanbe, django_assert_num_queries
):
    client.force_login(secretariat)
    # as the Russian page: the versions, then the Russian texts (one query for both columns)
    with django_assert_num_queries(13):
        page = client.get(dushanbe.get_absolute_url(), {"compare": "ru"})

    assert page.text.count('<div class="paragraph__row compare">') == 16
    assert page.text.count('<div class="wording" lang="en" dir="ltr">') == 26
    assert page.text.count('<div class="wording" lang="ru" dir="ltr">') == 26
    row = page.text[page.text.index('aria-label="Paragraph 1"') :]
    assert row.index(ENGLISH_VERB) < row.index(RUSSIAN_VERB) < row.index("</article>")
    assert '<p class="compare-title" lang="ru" dir="ltr">Душанбинская декларация</p>' in page.text
    assert 'href="/declarations/dushanbe/1/?lang=en&amp;compare=ru"' in page.text


def test_side_by_side_with_arabic_sets_its_column_right_to_left(as_reader, db):
    geneva = import_declaration(SECTIONED, slug="geneva").declaration
    import_version(ARABIC, slug="geneva", language="ar", status="official")

    page = as_reader.get(geneva.get_absolute_url(), {"compare": "ar"})

    assert page.text.count('<div class="wording" lang="ar" dir="rtl">') == 5
    assert '<span lang="ar" dir="rtl">أولا - البيانات والرصد</span>' in page.text
    assert '<span lang="en" dir="ltr">I. Data and monitoring</span>' in page.text
    assert '<span class="paragraph__verb">نقرر</span> جمع البيانات' in page.text
    assert "working translation, not" not in page.text


def test_a_paragraph_the_version_lacks_is_shown_in_the_original(as_reader, dushanbe):
    ParagraphText.objects.filter(paragraph__number=2).delete()

    page = as_reader.get(dushanbe.get_absolute_url(), {"lang": "ru"})

    two = page.text[page.text.index('aria-label="Paragraph 2"') :]
    assert two.index('<div class="wording" lang="en" dir="ltr">') < two.index("</article>")
    assert '<span class="paragraph__verb">Encourage</span> unity' in two
    assert RUSSIAN_VERB in page.text


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ({}, ["Reaffirm</span> our commitment"], ["вновь подтверждаем"]),
        ({"lang": "ru"}, ["вновь подтверждаем</span> нашу"], ["Reaffirm</span>"]),
        ({"compare": "ru"}, ["Reaffirm</span> our", "вновь подтверждаем</span> нашу"], []),
    ],
)
def test_the_paragraph_page_shows_its_languages_in_constant_queries(
    as_reader, dushanbe, django_assert_num_queries, query, expected, absent
):
    # as pinned in test_pages.py: the paragraph's texts in every version come in one query
    with django_assert_num_queries(8):
        page = as_reader.get(reverse("declarations:paragraph", args=["dushanbe", 5]), query)

    assert all(text in page.text for text in expected)
    assert not any(text in page.text for text in absent)
    assert "(Russian): working translation" in page.text


def test_the_paragraph_page_follows_the_readers_language(as_reader, dushanbe, interface_languages):
    page = as_reader.get(
        reverse("declarations:paragraph", args=["dushanbe", 5]), HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert '<div class="wording" lang="ru" dir="ltr">' in page.text
    assert 'href="/declarations/dushanbe/" lang="ru" dir="ltr">Душанбинская декларация</a>' in (
        page.text
    )


@pytest.fixture
def russian_six(declaration) -> ParagraphText:
    """The conftest's declaration with a Russian version of its paragraph 6 only."""
    version = DeclarationVersion.objects.create(
        declaration=declaration, language="ru", title="Душанбинская декларация"
    )
    return ParagraphText.objects.create(
        version=version,
        paragraph=declaration.paragraphs.get(number=6),
        verb="считаем",
        text_markdown="*считаем* необходимым обязательство 6",
        text="считаем необходимым обязательство 6",
    )


def test_the_rating_form_shows_the_paragraph_in_the_readers_language(
    client, cycle, tjk_focal, russian_six, interface_languages
):
    client.force_login(tjk_focal)

    def form(number: int, language: str) -> str:
        url = reverse("tracking:assessment_edit", args=["TJK", cycle.pk, number])
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).text

    assert '<span lang="ru" dir="ltr">считаем необходимым обязательство 6</span>' in form(6, "ru")
    assert '<span lang="en" dir="ltr">Consider commitment 6</span>' in form(6, "en")
    assert '<span lang="en" dir="ltr">Consider commitment 7</span>' in form(7, "ru")


def test_the_action_form_lists_the_paragraphs_in_the_readers_language(
    client, cycle, tjk_focal, russian_six, interface_languages
):
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:action_create"), HTTP_ACCEPT_LANGUAGE="ru").text

    assert "OP6 (Dushanbe Declaration): считаем необходимым обязательство 6" in page
    assert "OP7 (Dushanbe Declaration): Consider commitment 7" in page
    english = client.get(reverse("tracking:action_create"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "OP6 (Dushanbe Declaration): Consider commitment 6" in english
