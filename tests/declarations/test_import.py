from datetime import date

import pytest

from declarations.importer import import_declaration, parse_declaration
from declarations.models import Declaration, Paragraph, Reference, Section
from tests.declarations.conftest import SECTIONED

VERBS = [
    "Consider", "Encourage", "Recognize", "Confirm", "Reaffirm", "Consider", "Reaffirm",
    "Consider", "Support", "Emphasize", "Emphasize", "Call for", "Emphasize", "Reaffirm",
    "Express", "Request",
]  # fmt: skip
PREAMBLE_VERBS = [
    "Noting", "Emphasizing", "Recognizing", "Confirming", "Reiterating", "Emphasizing",
    "Taking into account", "Recognizing", "Emphasizing", "Encouraging stronger",
]  # fmt: skip


@pytest.fixture
def dushanbe(db, seed_text) -> Declaration:
    return import_declaration(seed_text).declaration


def test_the_seed_imports_16_operative_and_10_preambular_paragraphs(dushanbe):
    operative = list(dushanbe.paragraphs.operative().order_by("number"))
    preamble = list(dushanbe.paragraphs.filter(kind="preambular").order_by("position"))

    assert [p.number for p in operative] == list(range(1, 17))
    assert [p.verb for p in operative] == VERBS
    assert [p.verb for p in preamble] == PREAMBLE_VERBS
    assert max(p.position for p in preamble) < min(p.position for p in operative)


def test_the_seed_metadata_comes_from_the_header_and_the_annex(dushanbe):
    assert dushanbe.slug == "dushanbe"
    assert dushanbe.title == "Dushanbe Declaration"
    assert dushanbe.place == "Dushanbe"
    assert dushanbe.adopted_on == date(2018, 5, 4)
    assert dushanbe.document_date == date(2018, 5, 17)
    assert dushanbe.session == "Seventy-second session"
    assert dushanbe.agenda_item == "109"
    assert dushanbe.original_language == "Russian"
    assert dushanbe.symbol == ""
    assert dushanbe.source_text.startswith("\n")


def test_paragraph_10_is_whole_across_the_blank_line(dushanbe):
    paragraph = dushanbe.paragraphs.get(number=10)

    assert paragraph.text == (
        "Emphasize the need for Central Asian States and other countries to prioritize "
        "preventive measures in the form of education, the creation of opportunities for the "
        "next generation, the building of a comprehensive and inclusive system of governance "
        "and the promotion of tolerance, respect and peace as common values, which are crucial "
        "and meaningful measures for the prevention of violent extremism;"
    )
    assert paragraph.text_markdown.startswith("*Emphasize* the need")


def test_paragraph_5_references_seven_security_council_resolutions(dushanbe):
    paragraph = dushanbe.paragraphs.get(number=5)

    names = sorted(paragraph.references.values_list("name", flat=True))
    assert names == [
        f"Security Council resolution {n}"
        for n in [
            "1267 (1999)", "1373 (2001)", "1624 (2005)", "2178 (2014)",
            "2242 (2015)", "2354 (2017)", "2396 (2017)",
        ]
    ]  # fmt: skip
    assert set(paragraph.references.values_list("kind", flat=True)) == {"sc_resolution"}
    assert "resolutions 1267 (1999), 1373 (2001)," in paragraph.text
    assert "[" not in paragraph.text and "\\" not in paragraph.text
    assert Reference.objects.count() == 7


def test_a_sectioned_declaration_numbered_from_81_imports_with_its_sub_items(db):
    declaration = import_declaration(SECTIONED).declaration

    assert declaration.slug == "geneva-declaration-on-data-and-monitoring"
    assert declaration.symbol == "A/80/999"
    assert declaration.session == "Eightieth session"
    assert declaration.original_language == "French"
    assert declaration.document_date == date(2025, 3, 2)
    assert list(Section.objects.values_list("number", "title")) == [
        ("I", "Data and monitoring"),
        ("II", "Follow-up"),
    ]
    operative = list(declaration.paragraphs.operative().select_related("section"))
    assert [(p.number, p.verb, p.section.number) for p in operative] == [
        (81, "Decide", "I"),
        (82, "Invite", "I"),
        (83, "Request", "II"),
    ]
    assert operative[0].text == (
        "Decide to collect data on:\n\n(a) Arrests and prosecutions;\n\n"
        "(b) Returning foreign terrorist fighters, under resolution 2178 (2014);"
    )
    assert operative[1].text == (
        "Invite States to report every year, through national focal points and the "
        "secretariat, on what they did;\n\nA second sentence that stands as its own block."
    )
    assert list(operative[0].references.values_list("name", flat=True)) == [
        "Security Council resolution 2178 (2014)"
    ]
    preamble = declaration.paragraphs.filter(kind=Paragraph.Kind.PREAMBULAR)
    assert [p.verb for p in preamble] == ["Recalling", "Welcoming"]
    assert [r.name for r in preamble[1].references.all()] == ["General Assembly resolution 77/298"]


def test_parsing_alone_writes_nothing(db, seed_text):
    parsed = parse_declaration(seed_text)

    assert len(parsed.paragraphs) == 26
    assert Declaration.objects.count() == 0
