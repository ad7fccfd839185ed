"""The declaration and paragraph pages keep the declaration's text in the cache, the same for
every user, until it changes: every way it changes (an import of the declaration or of a
language version, a theme mapping, the admin) shows on the next view. The actions on a
paragraph stay the user's own."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from declarations.importer import import_declaration, import_version
from declarations.models import DeclarationVersion, Paragraph, Theme
from declarations.services import DATA_DIR, theme_mapping_apply
from tests.declarations.conftest import RUSSIAN, SECTIONED, SEED
from tests.tracking.filings import file_action, rate_all
from tracking import services
from tracking.models import Submission, User

PARAGRAPH = reverse("declarations:paragraph", args=["dushanbe", 1])
CONSOLIDATE = "it important to consolidate"
STRENGTHEN = "важным укреплять"


@pytest.fixture
def pages(as_reader, dushanbe):
    """Fetches the declaration page and a paragraph page (in a language), so both are kept."""

    def fetch(query: dict | None = None) -> tuple[str, str]:
        return (
            _main(as_reader.get(dushanbe.get_absolute_url(), query or {}).text),
            _main(as_reader.get(PARAGRAPH, query or {}).text),
        )

    fetch()
    fetch({"lang": "ru"})
    return fetch


@pytest.fixture
def as_admin(db) -> Client:
    """A superuser in a browser of their own (the reader's pages are fetched beside it)."""
    admin = User.objects.create_superuser("admin", "admin@example.org", "x", is_secretariat=True)
    browser = Client()
    browser.force_login(admin)
    return browser


def _main(html: str) -> str:
    """The page's own content, without the header."""
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _mapping() -> dict:
    return json.loads((DATA_DIR / "dushanbe-themes.json").read_text(encoding="utf-8"))


def test_the_text_is_kept_for_every_user_and_language(as_reader, client, secretariat, dushanbe):
    first = as_reader.get(dushanbe.get_absolute_url(), {"lang": "ru"}).text
    client.force_login(secretariat)

    again = client.get(dushanbe.get_absolute_url(), {"lang": "ru"}).text
    english = client.get(dushanbe.get_absolute_url()).text

    assert STRENGTHEN in first and STRENGTHEN in again
    assert CONSOLIDATE in english and STRENGTHEN not in english


def test_a_new_import_of_the_declaration_shows_on_the_next_view(pages):
    text = SEED.read_text(encoding="utf-8")
    import_declaration(text.replace(CONSOLIDATE, "it vital to consolidate"), slug="dushanbe")

    declaration, paragraph = pages()

    assert "it vital to consolidate" in declaration and CONSOLIDATE not in declaration
    assert "it vital to consolidate" in paragraph and CONSOLIDATE not in paragraph


def test_a_new_import_of_a_language_version_shows_on_the_next_view(pages):
    text = RUSSIAN.read_text(encoding="utf-8").replace(STRENGTHEN, "нужным укреплять")
    import_version(text, slug="dushanbe", language="ru")

    declaration, paragraph = pages({"lang": "ru"})

    assert "нужным укреплять" in declaration and STRENGTHEN not in declaration
    assert "нужным укреплять" in paragraph and STRENGTHEN not in paragraph


def test_a_version_made_official_or_deleted_in_the_admin_shows_on_the_next_view(pages, as_admin):
    version = DeclarationVersion.objects.get(language="ru")
    change = reverse("admin:declarations_declarationversion_change", args=[version.pk])
    # the form's one field, and its inline of texts (read-only) as they are
    texts = as_admin.get(change).context["inline_admin_formsets"][0].formset
    data = {
        f"{texts.prefix}-{name}": value for name, value in texts.management_form.initial.items()
    }
    for form in texts.forms:
        data |= {f"{form.prefix}-id": form.instance.pk, f"{form.prefix}-version": version.pk}
    assert as_admin.post(change, {**data, "status": "official"}).status_code == 302

    declaration, paragraph = pages({"lang": "ru"})
    assert "(Russian): official text" in declaration and "(Russian): official text" in paragraph

    delete = reverse("admin:declarations_declarationversion_delete", args=[version.pk])
    assert as_admin.post(delete, {"post": "yes"}).status_code == 302

    declaration, paragraph = pages({"lang": "ru"})
    assert STRENGTHEN not in declaration and STRENGTHEN not in paragraph
    assert "Русский" not in declaration and "Русский" not in paragraph


def test_a_theme_renamed_or_mapped_to_other_paragraphs_shows_on_the_next_view(pages, dushanbe):
    mapping = _mapping()
    cooperation = mapping["themes"][0]
    assert cooperation["paragraphs"] == [1, 2, 4]
    cooperation["name"] = "Cooperation among States"
    theme_mapping_apply(declaration=dushanbe, themes=[cooperation])

    declaration, paragraph = pages()
    assert declaration.count(">Cooperation among States</a>") == 3
    assert ">Cooperation among States</a>" in paragraph
    assert '<option value="international-cooperation">Cooperation among States</option>' in (
        declaration
    )

    cooperation["paragraphs"] = [2, 4]
    theme_mapping_apply(declaration=dushanbe, themes=[cooperation])

    declaration, paragraph = pages()
    assert declaration.count(">Cooperation among States</a>") == 2
    assert ">Cooperation among States</a>" not in paragraph


def test_a_theme_renamed_in_the_admin_shows_on_the_next_view(pages, as_admin):
    theme = Theme.objects.get(slug="international-cooperation")
    change = reverse("admin:declarations_theme_change", args=[theme.pk])
    data = {"name": "Cooperation among States", "slug": theme.slug, "kind": theme.kind}
    assert as_admin.post(change, {**data, "description": ""}).status_code == 302

    declaration, paragraph = pages()

    assert declaration.count(">Cooperation among States</a>") == 3
    assert ">Cooperation among States</a>" in paragraph


def test_a_reference_renamed_in_the_admin_shows_on_the_next_view(pages, as_admin):
    reference = Paragraph.objects.get(number=5).references.order_by("name").first()
    change = reverse("admin:declarations_reference_change", args=[reference.pk])
    data = {"name": "Resolution renamed in the admin", "kind": reference.kind}
    assert as_admin.post(change, data).status_code == 302

    declaration, _paragraph = pages()

    assert "Resolution renamed in the admin" in declaration
    assert reference.name not in declaration


def test_a_paragraphs_verb_changed_in_the_admin_shows_on_the_next_view(pages, as_admin):
    paragraph = Paragraph.objects.get(number=1)
    change = reverse("admin:declarations_paragraph_change", args=[paragraph.pk])
    data = {
        "verb": "Deem",
        "section": "",
        "themes": list(paragraph.themes.values_list("pk", flat=True)),
        "references": list(paragraph.references.values_list("pk", flat=True)),
    }
    assert as_admin.post(change, data).status_code == 302

    declaration, page = pages()

    assert '<span class="paragraph__verb">Deem</span>' in declaration
    assert '<span class="paragraph__verb">Deem</span>' in page


def test_a_section_renamed_in_the_admin_shows_on_the_next_view(as_reader, as_admin, db):
    geneva = import_declaration(SECTIONED, slug="geneva").declaration
    url = geneva.get_absolute_url()
    assert "I. Data and monitoring" in as_reader.get(url).text
    section = geneva.sections.get(number="I")
    change = reverse("admin:declarations_section_change", args=[section.pk])
    data = {"declaration": geneva.pk, "number": "I", "title": "Data", "order": section.order}
    assert as_admin.post(change, data).status_code == 302

    page = _main(as_reader.get(url).text)

    assert "I. Data</span>" in page and "I. Data and monitoring" not in page


def test_the_paragraph_page_shows_each_user_their_own_actions_at_once(
    client, cycle, declaration, tajikistan, tjk_focal, tjk_coordinator, kaz_focal, secretariat
):
    url = declaration.paragraphs.get(number=6).get_absolute_url()
    for user in (tjk_focal, kaz_focal, secretariat):
        client.force_login(user)
        assert "No actions on this paragraph yet." in client.get(url).text

    action = file_action(tajikistan, cycle, tjk_focal, numbers=(6,))
    client.force_login(tjk_focal)
    assert "See the 1 action on this paragraph" in client.get(url).text
    for user in (kaz_focal, secretariat):
        client.force_login(user)
        assert "No actions on this paragraph yet." in client.get(url).text

    draft = rate_all(action.submission, rating="partially")
    services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    client.force_login(secretariat)
    assert "See the 1 action on this paragraph" in client.get(url).text

    submitted = Submission.objects.get(pk=draft.pk)
    services.submission_return(
        submission=submitted, version=submitted.version, user=tjk_coordinator, comment="More."
    )
    assert "No actions on this paragraph yet." in client.get(url).text
