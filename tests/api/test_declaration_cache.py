"""A declaration read through the API is kept in the cache until what it shows changes: each
way it can change (the importer, the admin's edits, a change written without `save`) shows on
the next read."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from declarations.importer import import_declaration, import_version
from declarations.models import Declaration, DeclarationVersion, ParagraphText, Section
from tests.declarations.conftest import RUSSIAN, SEED


@pytest.fixture
def shipped(db) -> Declaration:
    """The Dushanbe Declaration and its Russian version, as the app ships them."""
    call_command("load_shipped_declarations")
    return Declaration.objects.get(slug="dushanbe")


@pytest.fixture
def read(api, secretariat, shipped):
    client = api(secretariat)

    def read() -> tuple[dict, str]:
        response = client.get(reverse("api:declaration-detail", args=["dushanbe"]))
        assert response.status_code == 200, response.content
        return response.json(), response["ETag"]

    return read


def test_a_declaration_read_again_is_the_same_for_fewer_queries(read, django_assert_num_queries):
    first = read()  # last_used_at is written on the token's first use

    # The token with its user, the declaration with its contents' digests.
    with django_assert_num_queries(2):
        again = read()

    assert again == first
    cache.clear()
    assert read() == first


def _section_added(declaration: Declaration, number: str = "I", order: int = 1) -> None:
    section = Section.objects.create(
        declaration=declaration, number=number, title="Data", order=order
    )
    declaration.paragraphs.filter(number=order).update(section=section)


def _another_section_added(declaration: Declaration) -> None:  # as in the admin
    _section_added(declaration, "II", 2)


def _section_renamed(declaration: Declaration) -> None:  # as in the admin
    section = declaration.sections.get(number="I")
    section.title = "Data and monitoring"
    section.save(update_fields=["title"])


def _verb_edited(declaration: Declaration) -> None:  # as in the admin
    paragraph = declaration.paragraphs.get(number=2)
    paragraph.verb = "Resolve"
    paragraph.save(update_fields=["verb"])


def _reimported(declaration: Declaration) -> None:
    text = SEED.read_text()
    import_declaration(text.replace("*Noting* with great", "*Noting* with deep"), slug="dushanbe")


def _version_reimported(declaration: Declaration) -> None:
    text = RUSSIAN.read_text()
    ending = ParagraphText.objects.filter(version__language="ru").first().text_markdown[-25:]
    changed = text.replace(ending, ending.upper(), 1)
    assert changed != text
    import_version(changed, slug="dushanbe", language="ru")


def _version_made_official(declaration: Declaration) -> None:  # as in the admin
    version = declaration.versions.get()
    version.status = DeclarationVersion.Status.OFFICIAL
    version.save()


def _version_deleted(declaration: Declaration) -> None:  # as in the admin
    declaration.versions.get().delete()


def _text_updated(declaration: Declaration) -> None:  # no save(), no updated_at
    ParagraphText.objects.filter(paragraph__number=3).update(verb="подтверждаем")


def _title_updated(declaration: Declaration) -> None:  # no save(), no updated_at
    Declaration.objects.filter(pk=declaration.pk).update(place="Geneva")


def _nothing(declaration: Declaration) -> None:
    pass


@pytest.mark.parametrize(
    ("prepare", "change"),
    [
        (_nothing, _section_added),
        (_section_added, _another_section_added),
        (_section_added, _section_renamed),
        (_nothing, _verb_edited),
        (_nothing, _reimported),
        (_nothing, _version_reimported),
        (_nothing, _version_made_official),
        (_nothing, _version_deleted),
        (_nothing, _text_updated),
        (_nothing, _title_updated),
    ],
)
def test_each_change_shows_on_the_next_read(read, shipped, prepare, change):
    prepare(shipped)
    before = read()

    change(shipped)
    after = read()
    cache.clear()

    assert after != before
    assert after == read()
