import pytest

from declarations.exporter import declaration_as_dict
from declarations.importer import DeclarationFormatError, import_declaration
from declarations.models import Declaration, Paragraph, Reference, Section


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def snapshot() -> tuple:
    return (
        [declaration_as_dict(d) for d in Declaration.objects.all()],
        list(Declaration.objects.values_list("updated_at", flat=True)),
        Paragraph.objects.count(),
        Reference.objects.count(),
        Section.objects.count(),
    )


def without_title(seed: str) -> tuple[str, str, str]:
    text = seed.replace("**Dushanbe Declaration**\n\n", "")
    return text, "On 3 and 4 May 2018, the Government", "title of the declaration"


def without_operative_paragraphs(seed: str) -> tuple[str, str, str]:
    text = seed[: seed.index("1. *Consider*")]
    return text, "*Encouraging stronger*", "No operative paragraph"


def with_a_repeated_number(seed: str) -> tuple[str, str, str]:
    text = seed.replace("6. *Consider*", "5. *Consider*")
    return text, "5. *Consider* it necessary", "repeats the paragraph of line 77"


def with_a_skipped_number(seed: str) -> tuple[str, str, str]:
    text = seed.replace("7. *Reaffirm*", "8. *Reaffirm*")
    return (
        text,
        "8. *Reaffirm* our commitment to implementing the comprehensive",
        ("Expected paragraph 7, found 8"),
    )


def with_an_unterminated_emphasis(seed: str) -> tuple[str, str, str]:
    text = seed.replace("12. *Call for*", "12. *Call for")
    return text, "12. *Call for", "Unterminated emphasis"


def without_an_annex(seed: str) -> tuple[str, str, str]:
    text = seed.replace("**Annex to the letter", "**Letter")
    return text, "---dushanbe", "No annex found"


def with_an_unnumbered_heading(seed: str) -> tuple[str, str, str]:
    text = seed.replace("1. *Consider*", "### Operative part\n\n1. *Consider*")
    return text, "### Operative part", "must be sections"


def with_a_paragraph_without_its_italic_verb(seed: str) -> tuple[str, str, str]:
    text = seed.replace("3. *Recognize*", "3. Recognize")
    return text, "3. Recognize", "must start with an italic lead verb"


@pytest.mark.parametrize(
    "malform",
    [
        without_title,
        without_operative_paragraphs,
        with_a_repeated_number,
        with_a_skipped_number,
        with_an_unterminated_emphasis,
        without_an_annex,
        with_an_unnumbered_heading,
        with_a_paragraph_without_its_italic_verb,
    ],
)
def test_a_malformed_declaration_is_refused_with_its_line_and_nothing_changes(
    db, seed_text, malform
):
    import_declaration(seed_text)
    before = snapshot()
    text, line_text, message = malform(seed_text)
    if line_text == "---dushanbe":  # the last line of the file
        expected_line = len(text.splitlines())
    else:
        expected_line = line_of(text, line_text)

    with pytest.raises(DeclarationFormatError) as refused:
        import_declaration(text, slug="dushanbe")

    assert refused.value.line == expected_line
    assert message in refused.value.message
    assert str(refused.value).startswith(f"Line {expected_line}: ")
    assert snapshot() == before


def test_a_malformed_declaration_creates_nothing(db, seed_text):
    text, _line, _message = with_a_skipped_number(seed_text)

    with pytest.raises(DeclarationFormatError):
        import_declaration(text)

    assert not Declaration.objects.exists()
    assert not Paragraph.objects.exists()
