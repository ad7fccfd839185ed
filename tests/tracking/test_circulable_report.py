"""The consolidated PDF the secretariat circulates, and the participant PDF's page furniture:
read back as text, page by page, in the order a reader meets it."""

import io
import re
import shutil
import subprocess
from types import SimpleNamespace

import pypdf
import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import gettext

from declarations.models import DeclarationVersion, ParagraphText
from tests.conftest import _join, new_cycle
from tests.tracking.filings import make_offer, state_need
from tracking.models import (
    Assessment,
    AssistanceKind,
    Match,
    Offer,
    Participant,
    ReportingCycle,
    Submission,
)

from .test_report_languages import assert_in_order, translated

pytestmark = pytest.mark.django_db


def pages(content: bytes) -> list[str]:
    """Each page's text, white space runs as one space."""
    return [
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(content)).pages
    ]


def keep_artefact(content: bytes, name: str) -> None:
    """The PDF and PNGs of its first pages under VAR_DIR/reports-artefacts, to look at."""
    folder = django_settings.VAR_DIR / "reports-artefacts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(content)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-l", "6", str(folder / f"{name}.pdf"),
             str(folder / name)],
            check=True,
        )  # fmt: skip
        assert list(folder.glob(f"{name}-*.png"))


@pytest.fixture
def cycles(declaration, cycle, secretariat):
    """2025 (closed) and 2026: Afghanistan, Albania and Angola reported in 2026 (Afghanistan
    and Albania in 2025 too); Kazakhstan holds only a draft."""
    previous = new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    op = {p.number: p for p in declaration.paragraphs.operative()}
    states = {}
    for code, name in [("AFG", "Afghanistan"), ("AGO", "Angola"), ("ALB", "Albania"),
                       ("KAZ", "Kazakhstan")]:  # fmt: skip
        states[code] = _join(
            Participant.objects.create(code=code, name=name, kind=Participant.Kind.STATE),
            declaration,
        )

    def rate(code, in_cycle, state, ratings):
        submission = Submission.objects.create(
            participant=states[code], cycle=in_cycle, state=state
        )
        for number, (rating, justification) in ratings.items():
            Assessment.objects.create(
                submission=submission, paragraph=op[number], rating=rating,
                justification=justification, updated_by=secretariat,
            )  # fmt: skip

    submitted, approved = Submission.State.SUBMITTED, Submission.State.APPROVED
    rate("AFG", previous, approved, {1: ("partially", ""), 2: ("fully", "All done in 2025")})
    rate("ALB", previous, approved, {1: ("fully", "Strategy adopted")})
    rate("AFG", cycle, submitted, {1: ("substantially", "Law adopted in March"),
                                   2: ("partially", "Funding was cut")})  # fmt: skip
    rate("ALB", cycle, approved, {1: ("fully", "National strategy in force")})
    rate("AGO", cycle, submitted, {1: ("not_started", "")})
    rate("KAZ", cycle, Submission.State.DRAFT, {1: ("fully", "Secret draft justification")})
    declaration.symbol = "A/80/999"
    declaration.save()
    return SimpleNamespace(previous=previous, current=cycle)


def test_the_consolidated_report_reads_cover_contents_summary_paragraphs_annexes(
    build_report, cycles, secretariat
):
    report, content = build_report(secretariat, format="pdf")
    keep_artefact(content, "consolidated-en")

    text = pages(content)
    cover = text[0]
    assert_in_order(
        cover, "Dushanbe Declaration", "UN document A/80/999", "Consolidated status report",
        "Reporting cycle 2026",
    )  # fmt: skip
    assert "Page" not in cover
    assert_in_order(
        " ".join(text[1:]),
        "Contents",
        "Executive summary",
        "3 of 4 participants reported for this cycle.",
        "Ratings by paragraph",
        "Changes since the previous cycle",
        "Paragraph 1",
        "Consider commitment 1",
        "Justifications",
        "Paragraph 16",
        "Participants × paragraphs",
        "Participants",
        "About this report",
    )


def test_every_page_but_the_cover_is_numbered_out_of_the_total_and_has_the_header(
    build_report, cycles, secretariat, tjk_focal
):
    for user in (secretariat, tjk_focal):
        report, content = build_report(user, format="pdf")

        text = pages(content)
        total = len(text)
        assert total > 3
        for number, page in enumerate(text[1:], start=2):
            assert f"Page {number} of {total}" in page
            assert "Dushanbe Declaration ·" in page and "· Reporting cycle 2026" in page
        assert "Page 1 of" not in text[0]


def test_the_contents_give_the_page_each_section_starts_on(build_report, cycles, secretariat):
    report, content = build_report(secretariat, format="pdf")

    text = pages(content)
    contents = text[1]
    for title in ("Executive summary", "Paragraph 1", "Paragraph 16", "About this report"):
        listed = int(re.search(rf"{title} (\d+)", contents).group(1))
        first = next(n for n, page in enumerate(text[2:], start=3) if title in page)
        assert listed == first, title


def test_participants_are_listed_by_name_in_the_reports_language(build_report, cycles, secretariat):
    report, content = build_report(secretariat, format="pdf")
    text = " ".join(pages(content))
    matrix = text[text.index("Participants × paragraphs") :]
    # By name, not by code (AFG, AGO, ALB).
    assert_in_order(matrix, "Afghanistan", "Albania", "Angola")

    report, content = build_report(secretariat, format="pdf", language="ru")
    text = " ".join(pages(content))
    matrix = text[text.index(translated("ru", "Participants × paragraphs")) :]
    assert_in_order(matrix, "Албания", "Ангола", "Афганистан")
    assert "Afghanistan" not in text


def test_the_summary_compares_with_the_previous_cycle(build_report, cycles, secretariat):
    report, content = build_report(secretariat, format="pdf")

    text = " ".join(pages(content)[2:])  # after the cover and the contents
    assert "Participants that reported for 2025: 2." in text
    assert "Compared with 2025: 1 improved, 1 regressed, 1 unchanged." in text
    assert "1 paragraphs were rated for the first time" in text
    # In paragraph 1's justifications, each participant's trend.
    section = text[text.index("Paragraph 1 ") : text.index("Paragraph 2 ")]
    assert_in_order(
        section,
        "Afghanistan", "Substantially implemented (▲ improved)", "Law adopted in March",
        "Albania", "Fully implemented (◆ unchanged)", "National strategy in force",
    )  # fmt: skip


def test_participants_that_did_not_report_are_counted_not_shown(build_report, cycles, secretariat):
    report, content = build_report(secretariat, format="pdf")

    text = " ".join(pages(content))
    assert "1 participant did not report and is not listed." in text
    assert "Kazakhstan" not in text
    assert "Secret draft justification" not in text


def test_a_cycle_nobody_reported_has_no_empty_tables(build_report, declaration, secretariat):
    for code, name in [("AFG", "Afghanistan"), ("ALB", "Albania")]:
        _join(Participant.objects.create(code=code, name=name, kind="state"), declaration)

    report, content = build_report(secretariat, format="pdf")

    text = " ".join(pages(content))
    assert "0 of 2 participants reported for this cycle." in text
    assert "Ratings by paragraph" not in text
    assert "Paragraph 1" not in text
    assert "Participants × paragraphs" not in text
    # The closing section says there is nothing, in sentences.
    assert_in_order(
        text,
        "Technical assistance",
        "No participant stated a need for technical assistance.",
        "No provider offers assistance on these paragraphs.",
        "No need has been matched with an offer yet.",
    )


@pytest.mark.parametrize("language", ["en", "fr", "ru", "es"])
def test_the_participant_tables_headers_are_never_broken_inside_a_word(
    build_report, records, tjk_focal, language
):
    report, content = build_report(tjk_focal, format="pdf", language=language)
    keep_artefact(content, f"participant-{language}")

    text = " ".join(pages(content))
    for header in ("Action", "Status", "Progress", "Latest update", "Evidence"):
        with translation.override(language):
            word = gettext(header)
        assert word in text, f"{word!r} is broken across lines"


def test_a_russian_report_uses_the_russian_version_of_the_declaration(
    build_report, cycles, secretariat, declaration
):
    version = DeclarationVersion.objects.create(
        declaration=declaration, language="ru", title="Душанбинская декларация"
    )
    ParagraphText.objects.create(
        version=version, paragraph=declaration.paragraphs.get(number=1), verb="считаем",
        text_markdown="*считаем* необходимым обязательство 1",
        text="считаем необходимым обязательство 1",
    )  # fmt: skip

    report, content = build_report(secretariat, format="pdf", language="ru")

    text = pages(content)
    assert "Душанбинская декларация" in text[0] and "Dushanbe Declaration" not in text[0]
    body = " ".join(text[2:])
    assert_in_order(
        body,
        translated("ru", "Paragraph %(number)s", number=1),
        "считаем необходимым обязательство 1",
        translated("ru", "Paragraph %(number)s", number=2),
        "Consider commitment 2",  # no Russian text of paragraph 2: the declaration's own
    )


def test_not_assessed_is_a_count_in_the_numbers_beside_the_chart(build_report, cycles, secretariat):
    report, content = build_report(secretariat, format="pdf")

    text = " ".join(pages(content)[2:])
    summary = text[text.index("Ratings by paragraph") : text.index("Changes since")]
    chart, numbers = summary.split("Paragraph Not started", 1)
    assert "Not assessed" not in chart  # a count in the table, never a bar
    # Paragraph, not started, partially, substantially, fully, not applicable, no
    # information, not assessed: paragraph 1 rated by the three participants that reported,
    # paragraph 2 by Afghanistan alone, paragraph 3 by none.
    assert "Not assessed 1 1 0 1 1 0 0 0 2 0 1 0 0 0 0 2" in numbers
    assert " 3 0 0 0 0 0 0 3 4 " in numbers


@pytest.fixture
def assistance(cycles, unodc, provider, secretariat):
    """Albania (approved) shares a need on paragraph 1 and keeps one on 2 to itself; Afghanistan
    (submitted) shares one; Kazakhstan's is in its draft. UNODC's published offer on paragraph
    1 is matched and agreed; another provider has only a draft offer."""
    states = {p.code: p for p in Participant.objects.filter(code__in=["AFG", "ALB", "KAZ"])}
    approved, submitted = Submission.State.APPROVED, Submission.State.SUBMITTED
    albania = state_need(states["ALB"], cycles.current, secretariat, 1, state=approved)
    state_need(
        states["ALB"],
        cycles.current,
        secretariat,
        2,
        state=approved,
        shareable=False,
        kind=AssistanceKind.FUNDING,
        description="Albania's own funding need",
    )
    state_need(
        states["AFG"],
        cycles.current,
        secretariat,
        2,
        state=submitted,
        kind=AssistanceKind.EQUIPMENT,
        description="Scanners for the border posts",
    )
    state_need(states["KAZ"], cycles.current, secretariat, 1, state=Submission.State.DRAFT,
               description="Kazakh draft need")  # fmt: skip
    offer = make_offer(unodc, cycles.current.declaration, provider, (1,))
    quiet = Participant.objects.create(code="QUIET", name="Quiet Foundation", kind="organization")
    make_offer(quiet, cycles.current.declaration, provider, (2,), state=Offer.State.DRAFT)
    Match.objects.create(need=albania, offer=offer, state=Match.State.AGREED,
                         created_by=secretariat, updated_by=secretariat)  # fmt: skip


def test_technical_assistance_closes_the_report_before_the_annexes(
    build_report, assistance, secretariat
):
    report, content = build_report(secretariat, format="pdf")
    keep_artefact(content, "consolidated-assistance")

    text = " ".join(pages(content)[2:])
    assert_in_order(
        text,
        "Paragraph 16",
        "Technical assistance",
        "Needs by paragraph and kind",
        "Paragraph Training Equipment Funding Total",
        "Needs shared with providers",
        "Albania", "1", "Training", "High", "Training for border guards",
        "Offers by paragraph",
        "UN Office on Drugs and Crime",
        "Matches by state",
        "Agreed 1",
        "Participants × paragraphs",
    )  # fmt: skip
    closing = text[text.index("Technical assistance") : text.index("Participants × paragraphs")]
    # Counted, but listed by name only when shared in an approved submission.
    assert "Scanners for the border posts" not in closing
    assert "Albania's own funding need" not in closing
    assert "Kazakh draft need" not in text and "Quiet Foundation" not in text


def test_the_closing_section_names_participants_in_the_reports_language(
    build_report, assistance, secretariat
):
    report, content = build_report(secretariat, format="pdf", language="ru")

    text = " ".join(pages(content)[2:])
    # Between the last paragraph's section and the annex (the section's own headings are not
    # translated until the catalogs are).
    last = text.index(translated("ru", "Paragraph %(number)s", number=16))
    closing = text[last : text.index(translated("ru", "Participants × paragraphs"))]
    assert "Албания" in closing and "Albania" not in closing
