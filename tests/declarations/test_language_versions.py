"""Language versions through the commands: import, refusals with their line, export, round trip."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from declarations.models import (
    Declaration,
    DeclarationVersion,
    Paragraph,
    ParagraphText,
    paragraph_text_in,
)
from tests.declarations.conftest import RUSSIAN, SEED


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def line_of(text: str, needle: str, last: bool = False) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[-1] if last else lines[0]


def versions() -> tuple:
    return (
        list(DeclarationVersion.objects.order_by("pk").values()),
        list(ParagraphText.objects.order_by("pk").values()),
    )


@pytest.fixture
def english(db) -> Declaration:
    """The Dushanbe Declaration in English, without its shipped Russian version."""
    run("import_declaration", str(SEED), "--slug", "dushanbe")
    return Declaration.objects.get(slug="dushanbe")


@pytest.fixture
def russian(db) -> DeclarationVersion:
    run("load_shipped_declarations")
    return DeclarationVersion.objects.get(declaration__slug="dushanbe", language="ru")


def import_ru(path: Path, *flags: str) -> str:
    return run("import_declaration", str(path), "--slug", "dushanbe", "--language", "ru", *flags)


def test_the_shipped_russian_version_is_a_working_translation_of_every_paragraph(russian):
    assert russian.status == DeclarationVersion.Status.WORKING
    assert russian.title == "Душанбинская декларация"
    assert russian.original_note == "[Подлинный текст на русском языке]"
    assert russian.annex_heading.startswith("**Приложение к письму")
    assert russian.header.startswith("# Генеральная Ассамблея")
    assert russian.texts.count() == Paragraph.objects.count() == 26
    five = russian.texts.get(paragraph__number=5)
    assert five.verb == "вновь подтверждаем"
    assert "резолюций 1267 (1999), 1373 (2001)" in five.text
    clause = russian.texts.get(paragraph__position=2)
    assert (clause.verb, clause.text[:16]) == ("подчеркивая", "подчеркивая, что")


def test_a_version_is_created_then_unchanged_then_updated_in_place(english, tmp_path):
    assert "Russian version (working translation) created" in import_ru(RUSSIAN)
    assert "unchanged" in import_ru(RUSSIAN)
    pks = sorted(ParagraphText.objects.values_list("pk", flat=True))
    corrected = tmp_path / "corrected.ru.md"
    corrected.write_text(
        RUSSIAN.read_text().replace("*считаем* необходимым", "*полагаем* необходимым"), "utf-8"
    )

    assert "updated" in import_ru(corrected)

    assert sorted(ParagraphText.objects.values_list("pk", flat=True)) == pks
    six = ParagraphText.objects.get(paragraph__number=6)
    assert six.verb == "полагаем" and six.text.startswith("полагаем необходимым")
    assert DeclarationVersion.objects.get().source_filename == "corrected.ru.md"


def test_official_or_working_is_set_by_a_flag_and_kept_when_none_is_given(english):
    import_ru(RUSSIAN, "--official")
    assert DeclarationVersion.objects.get().status == DeclarationVersion.Status.OFFICIAL

    import_ru(RUSSIAN)
    assert DeclarationVersion.objects.get().status == DeclarationVersion.Status.OFFICIAL

    assert "(working translation) updated" in import_ru(RUSSIAN, "--working-translation")
    with pytest.raises(CommandError):
        import_ru(RUSSIAN, "--official", "--working-translation")


def test_a_version_needs_an_existing_declaration_in_another_language(english):
    with pytest.raises(CommandError, match="--language needs the --slug"):
        run("import_declaration", str(RUSSIAN), "--language", "ru")
    with pytest.raises(CommandError, match="No declaration with the slug “elsewhere”"):
        run("import_declaration", str(RUSSIAN), "--slug", "elsewhere", "--language", "ru")
    with pytest.raises(CommandError, match="is itself in English"):
        run("import_declaration", str(SEED), "--slug", "dushanbe", "--language", "en")
    with pytest.raises(CommandError, match="need --language"):
        run("import_declaration", str(SEED), "--official")
    assert not DeclarationVersion.objects.exists()


def without(text: str, start: str, end: str) -> str:
    """The text with the block from `start` up to (not including) the next `end` cut out."""
    cut = text.index(start)
    return text[:cut] + text[text.index(end, cut) :]


def missing_the_last_paragraph(text):
    shorter = without(text, "16. *просим*", "---\n")
    return shorter, line_of(shorter, "---", last=True), "The text ends here, but the original goes "


def with_a_paragraph_too_many(text):
    extra = "17. *постановляем* собраться вновь.\n\n"
    body, rule = text.rsplit("\n---\n", 1)
    longer = f"{body}\n{extra}---\n{rule}"
    return longer, line_of(longer, "17. *постановляем*"), "Operative paragraph 17 is not in "


def numbered_from_two(text):
    for number in range(16, 0, -1):
        text = text.replace(f"\n{number}. *", f"\n{number + 1}. *")
    return (
        text,
        line_of(text, "2. *считаем* важным"),
        ("Expected operative paragraph 1, as in the original; found operative paragraph 2."),
    )


def missing_a_middle_paragraph(text):
    shorter = without(text, "7. *вновь подтверждаем*", "8. *считаем*")
    return shorter, line_of(shorter, "8. *считаем*"), "Expected paragraph 7, found 8."


def missing_a_preambular_clause(text):
    shorter = without(text, "*вновь заявляя*", "*подчеркивая* необходимость")
    return (
        shorter,
        line_of(shorter, "1. *считаем*"),
        ("Expected preambular clause 10, as in the original; found operative paragraph 1."),
    )


def with_a_paragraph_split_in_two(text):
    split = text.replace("к терроризму. Это включает", "к терроризму.\n\nЭто включает")
    return split, line_of(split, "Это включает"), "Operative paragraph 11 has 2 parts here"


def with_a_section_the_original_lacks(text):
    sectioned = text.replace("1. *считаем*", "## I. Постановляющая часть\n\n1. *считаем*")
    return (
        sectioned,
        line_of(sectioned, "1. *считаем*"),
        ("Operative paragraph 1 is under section I here but under no section in the original."),
    )


@pytest.mark.parametrize(
    "change",
    [
        missing_the_last_paragraph,
        with_a_paragraph_too_many,
        numbered_from_two,
        missing_a_middle_paragraph,
        missing_a_preambular_clause,
        with_a_paragraph_split_in_two,
        with_a_section_the_original_lacks,
    ],
)
def test_a_version_unlike_the_original_is_refused_with_its_line_and_nothing_changes(
    russian, tmp_path, change
):
    before = versions()
    text, line, message = change(RUSSIAN.read_text(encoding="utf-8"))
    path = tmp_path / "changed.ru.md"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        import_ru(path)

    assert f"changed.ru.md: Line {line}: {message}" in str(refused.value)
    assert versions() == before


def test_a_refused_first_import_creates_no_version(english, tmp_path):
    text, line, _message = with_a_paragraph_too_many(RUSSIAN.read_text(encoding="utf-8"))
    path = tmp_path / "longer.ru.md"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match=f"Line {line}: "):
        import_ru(path)

    assert versions() == ([], [])


def test_while_versions_exist_the_declaration_keeps_its_structure(russian, tmp_path):
    before = (list(Paragraph.objects.values()), versions())
    shorter = tmp_path / "shorter.md"
    text = SEED.read_text()
    shorter.write_text(text[: text.index("16. *Request*")], encoding="utf-8")

    with pytest.raises(CommandError, match=r"ends here, .* language versions \(Russian\)"):
        run("import_declaration", str(shorter), "--slug", "dushanbe")

    assert (list(Paragraph.objects.values()), versions()) == before
    corrected = tmp_path / "corrected.md"
    corrected.write_text(text.replace("step up cooperation", "strengthen cooperation"), "utf-8")
    assert "updated" in run("import_declaration", str(corrected), "--slug", "dushanbe")


def test_the_json_export_of_a_version_has_the_shape_of_the_declarations_plus_its_language(
    russian,
):
    english = json.loads(run("export_declaration", "dushanbe"))
    data = json.loads(run("export_declaration", "dushanbe", "--language", "ru"))

    assert list(data) == [*english, "language", "status"]
    assert (data["language"], data["status"]) == ("ru", "working")
    assert data["title"] == "Душанбинская декларация"
    assert data["adopted_on"] == english["adopted_on"] == "2018-05-04"
    for ours, theirs in zip(data["paragraphs"], english["paragraphs"], strict=True):
        assert list(ours) == list(theirs)
        same = ("kind", "number", "section", "references")
        assert [ours[k] for k in same] == [theirs[k] for k in same]
    fifth = next(p for p in data["paragraphs"] if p["number"] == 5)
    assert fifth["verb"] == "вновь подтверждаем" and len(fifth["references"]) == 7
    own = json.loads(run("export_declaration", "dushanbe", "--language", "en"))
    assert own == {**english, "language": "en", "status": "official"}


def test_a_version_round_trips_through_its_markdown_and_json(russian, tmp_path):
    as_json = run("export_declaration", "dushanbe", "--language", "ru")
    markdown = run("export_declaration", "dushanbe", "--language", "ru", "--format", "md")
    assert markdown.startswith("# Генеральная Ассамблея")
    assert "\n[Подлинный текст на русском языке]\n" in markdown
    assert "\n10. *подчеркиваем* необходимость" in markdown
    exported = tmp_path / "exported.ru.md"
    exported.write_text(markdown, encoding="utf-8")

    russian.delete()
    assert "created" in import_ru(exported)

    assert run("export_declaration", "dushanbe", "--language", "ru") == as_json
    assert run("export_declaration", "dushanbe", "--language", "ru", "--format", "md") == markdown
    assert "unchanged" in import_ru(exported)


def test_an_export_in_a_language_the_declaration_lacks_fails_clearly(russian):
    with pytest.raises(CommandError, match="has no French version; it has: English, Russian"):
        run("export_declaration", "dushanbe", "--language", "fr")


def test_load_shipped_declarations_loads_the_russian_version_once(db):
    first = run("load_shipped_declarations")
    before = versions()

    second = run("load_shipped_declarations")

    assert "Russian version (working translation): loaded." in first
    assert "Russian version (working translation): already up to date." in second
    assert versions() == before


def test_reports_get_a_paragraphs_text_in_a_language_without_a_query_each(
    russian, django_assert_num_queries
):
    # the paragraphs, and their Russian texts with their versions
    with django_assert_num_queries(2):
        paragraphs = list(Paragraph.objects.operative().order_by("number").with_text_in("ru"))
        texts = [paragraph.text_in("ru") for paragraph in paragraphs]
        fallback = paragraphs[0].text_in("fr")

    assert texts[5].text.startswith("считаем необходимым") and texts[5].language == "ru"
    assert fallback is paragraphs[0] and fallback.text.startswith("Consider it important")
    assert paragraphs[0].text_in("en") is paragraphs[0]


def test_reports_built_in_sql_get_the_text_in_a_language_as_a_column(russian):
    rows = Paragraph.objects.operative().order_by("number")
    ru = dict(rows.annotate(ru=paragraph_text_in("ru")).values_list("number", "ru"))
    fr = dict(rows.annotate(fr=paragraph_text_in("fr", field="verb")).values_list("number", "fr"))
    via = Paragraph.themes.through.objects.filter(paragraph__number=6)
    linked = via.annotate(ru=paragraph_text_in("ru", "paragraph")).values_list("ru", flat=True)

    assert ru[6].startswith("считаем необходимым") and len(ru) == 16
    assert fr[6] == "Consider"  # no French version: the paragraph's own verb
    assert set(linked) == {ru[6]}
