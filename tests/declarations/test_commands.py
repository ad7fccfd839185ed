import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from declarations.models import Declaration, Paragraph, Theme
from tests.declarations.conftest import SEED


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db) -> Declaration:
    run("load_shipped_declarations")
    return Declaration.objects.get(slug="dushanbe")


@pytest.fixture
def without_versions(loaded) -> Declaration:
    """The shipped declaration without its language versions, which pin its paragraphs
    (test_language_versions.py): the tests that drop or add paragraphs start from here."""
    loaded.versions.all().delete()
    return loaded


def state() -> tuple:
    return (
        list(Declaration.objects.values()),
        list(Paragraph.objects.order_by("pk").values()),
        list(Paragraph.themes.through.objects.order_by("pk").values()),
        list(Paragraph.references.through.objects.order_by("pk").values()),
        list(Theme.objects.order_by("pk").values()),
    )


def test_import_declaration_creates_then_reports_unchanged(db):
    assert "created: 16 operative and 10 preambular" in run("import_declaration", str(SEED))
    assert "unchanged" in run("import_declaration", str(SEED))
    assert Declaration.objects.get().slug == "dushanbe"


def test_import_declaration_takes_a_slug(db):
    run("import_declaration", str(SEED), "--slug", "dushanbe-2018")

    assert Declaration.objects.get().slug == "dushanbe-2018"


def test_a_malformed_file_stops_the_command_with_its_line(db, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(SEED.read_text().replace("7. *Reaffirm*", "8. *Reaffirm*"), encoding="utf-8")

    with pytest.raises(CommandError, match=r"bad\.md: Line 81: Expected paragraph 7, found 8"):
        run("import_declaration", str(bad))
    assert not Declaration.objects.exists()


def test_a_corrected_text_updates_paragraphs_in_place_and_keeps_their_themes(loaded, tmp_path):
    paragraph = loaded.paragraphs.get(number=8)
    corrected = tmp_path / "corrected.md"
    corrected.write_text(
        SEED.read_text().replace("step up cooperation", "strengthen cooperation"), encoding="utf-8"
    )

    assert "updated" in run("import_declaration", str(corrected))

    again = Paragraph.objects.get(pk=paragraph.pk)
    assert again.text.startswith("Consider it important to strengthen cooperation")
    assert {t.slug for t in again.themes.all()} == {t.slug for t in paragraph.themes.all()}
    assert "border-security-information-sharing" in {t.slug for t in again.themes.all()}


def test_a_dropped_paragraph_that_nothing_points_at_is_deleted(without_versions, tmp_path):
    shorter = tmp_path / "shorter.md"
    text = SEED.read_text()
    shorter.write_text(text[: text.index("16. *Request*")], encoding="utf-8")

    run("import_declaration", str(shorter))

    assert list(without_versions.paragraphs.operative().values_list("number", flat=True)) == list(
        range(1, 16)
    )


def test_a_dropped_paragraph_that_records_point_at_stops_the_import(
    without_versions, tmp_path, monkeypatch
):
    # Tracking's models will point at paragraphs; any reverse relation counts. The themes'
    # link table stands in for such a model here: paragraph 16 has rows in it.
    link = Paragraph.themes.through._meta.get_field("paragraph").remote_field
    monkeypatch.setattr(Paragraph._meta, "related_objects", (link,))
    shorter = tmp_path / "shorter.md"
    text = SEED.read_text()
    shorter.write_text(text[: text.index("16. *Request*")], encoding="utf-8")
    before = state()

    with pytest.raises(CommandError, match="no longer has operative paragraph 16, but other"):
        run("import_declaration", str(shorter))
    assert state() == before


def test_load_shipped_declarations_twice_changes_nothing(loaded):
    before = state()

    assert "already up to date" in run("load_shipped_declarations")
    assert state() == before


def test_the_shipped_themes_map_topics_and_every_paragraph_to_a_pillar(loaded):
    def numbers(slug: str) -> list[int]:
        return sorted(Theme.objects.get(slug=slug).paragraphs.values_list("number", flat=True))

    assert numbers("terrorist-financing") == [6, 7]
    assert numbers("border-security-information-sharing") == [8]
    assert numbers("youth-education") == [9, 10]
    assert numbers("gender") == [11]
    assert numbers("media") == [12]
    assert numbers("internet") == [13]
    assert Theme.objects.filter(kind=Theme.Kind.PILLAR).count() == 4
    for paragraph in loaded.paragraphs.operative():
        assert paragraph.themes.filter(kind=Theme.Kind.PILLAR).exists(), paragraph.number
        assert paragraph.themes.filter(kind=Theme.Kind.TOPIC).exists(), paragraph.number


def test_export_json_has_the_stable_shape(loaded):
    data = json.loads(run("export_declaration", "dushanbe", "--format", "json"))

    assert list(data) == [
        "slug", "title", "symbol", "adopted_on", "place", "original_language", "sections",
        "paragraphs",
    ]  # fmt: skip
    assert data["adopted_on"] == "2018-05-04"
    assert data["sections"] == []
    assert len(data["paragraphs"]) == 26
    fifth = next(p for p in data["paragraphs"] if p["number"] == 5)
    assert list(fifth) == ["kind", "number", "verb", "section", "text", "references"]
    assert fifth["kind"] == "operative" and fifth["verb"] == "Reaffirm"
    assert fifth["section"] is None
    assert fifth["text"].startswith("Reaffirm our commitment")
    assert len(fifth["references"]) == 7
    assert data["paragraphs"][0] == {
        "kind": "preambular",
        "number": None,
        "verb": "Noting",
        "section": None,
        "text": "Noting with great concern and alarm the growing threat created by terrorism "
        "and extremism worldwide,",
        "references": [],
    }


def test_export_markdown_reimports_to_the_same_records(loaded, tmp_path):
    exported = tmp_path / "exported.md"
    exported.write_text(run("export_declaration", "dushanbe", "--format", "md"), encoding="utf-8")
    json_before = run("export_declaration", "dushanbe")
    pks = list(Paragraph.objects.order_by("pk").values_list("pk", flat=True))

    run("import_declaration", str(exported))

    assert run("export_declaration", "dushanbe") == json_before
    assert list(Paragraph.objects.order_by("pk").values_list("pk", flat=True)) == pks
    again = Declaration.objects.get(slug="dushanbe")
    assert (again.document_date, again.session, again.agenda_item) == (
        loaded.document_date,
        loaded.session,
        loaded.agenda_item,
    )


def test_export_of_an_unknown_slug_fails_clearly(db):
    with pytest.raises(CommandError, match="No declaration"):
        run("export_declaration", "nowhere")


def test_a_new_clause_and_paragraph_take_their_place_and_the_others_keep_their_identity(
    without_versions, tmp_path
):
    sixteen = without_versions.paragraphs.get(number=16)
    first_clause = without_versions.paragraphs.get(position=1)
    longer = tmp_path / "longer.md"
    longer.write_text(
        SEED.read_text()
        .replace("*Noting* with", "*Alarmed* by new threats,\n\n*Noting* with")
        .replace("General Assembly.\n", "General Assembly;\n\n17. *Decide* to meet again.\n"),
        encoding="utf-8",
    )

    run("import_declaration", str(longer))

    verbs = list(without_versions.paragraphs.order_by("position").values_list("verb", flat=True))
    assert verbs[:2] == ["Alarmed", "Noting"] and verbs[-2:] == ["Request", "Decide"]
    assert without_versions.paragraphs.get(number=16).pk == sixteen.pk
    assert without_versions.paragraphs.get(number=16).position == 27
    # Preambular clauses are matched by order: the first row now holds the new first clause.
    assert Paragraph.objects.get(pk=first_clause.pk).verb == "Alarmed"


def test_every_model_has_a_working_admin(admin_client, loaded):
    models = ["declaration", "section", "theme", "reference", "paragraph", "declarationimport"]
    for name in [*models, "declarationversion"]:
        assert admin_client.get(f"/admin/declarations/{name}/").status_code == 200, name
    paragraph = loaded.paragraphs.get(number=5)
    change = admin_client.get(f"/admin/declarations/paragraph/{paragraph.pk}/change/")
    assert change.status_code == 200
    assert "Security Council resolution 1267 (1999)" in change.text
    version = loaded.versions.get()
    page = admin_client.get(f"/admin/declarations/declarationversion/{version.pk}/change/")
    assert page.status_code == 200 and "вновь подтверждаем" in page.text
