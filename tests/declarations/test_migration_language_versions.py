"""Migrating a database of declarations imported before language versions keeps every row."""

import pytest

from tests.migrations import migrate_to, migrate_to_latest

BEFORE = [("declarations", "0002_declarationimport")]
AFTER = [("declarations", "0003_language_versions")]


@pytest.fixture
def old_database(transactional_db):
    apps = migrate_to(BEFORE)
    get = apps.get_model
    declaration = get("declarations", "Declaration").objects.create(
        title="Dushanbe Declaration", short_title="Dushanbe", slug="dushanbe",
        original_language="Russian", source_text="# General Assembly",
    )  # fmt: skip
    section = get("declarations", "Section").objects.create(
        declaration=declaration, number="I", title="Data", order=1
    )
    for position, (kind, number) in enumerate([("preambular", None), ("operative", 1)], 1):
        get("declarations", "Paragraph").objects.create(
            declaration=declaration, section=section, kind=kind, number=number, verb="Note",
            text_markdown="*Note* it", text="Note it", position=position,
        )  # fmt: skip
    get("declarations", "DeclarationImport").objects.create(
        filename="dushanbe.md", source_text="# General Assembly", slug="dushanbe",
        state="succeeded", declaration=declaration,
    )  # fmt: skip
    yield
    migrate_to_latest()


def test_every_row_is_kept_and_the_texts_are_the_declarations_own_in_english(old_database):
    apps = migrate_to(AFTER)
    get = apps.get_model

    declaration = get("declarations", "Declaration").objects.get()
    assert (declaration.slug, declaration.language) == ("dushanbe", "en")
    assert declaration.original_language == "Russian"
    assert get("declarations", "Section").objects.count() == 1
    assert list(get("declarations", "Paragraph").objects.values_list("text", flat=True)) == [
        "Note it",
        "Note it",
    ]
    job = get("declarations", "DeclarationImport").objects.get()
    assert (job.language, job.version_status, job.declaration_id) == ("", "", declaration.pk)
    assert not get("declarations", "DeclarationVersion").objects.exists()
    assert not get("declarations", "ParagraphText").objects.exists()


def test_the_migration_reverses_without_losing_the_declaration(old_database):
    migrate_to(AFTER)

    apps = migrate_to(BEFORE)

    assert apps.get_model("declarations", "Paragraph").objects.count() == 2
    assert apps.get_model("declarations", "DeclarationImport").objects.count() == 1
