"""Needs, offers and matches in the XLSX and CSV reports: a sheet (a file) each, holding what
the requester sees on the pages and nothing more."""

import csv
import io
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest

from tests.tracking.filings import make_offer, state_need
from tracking.models import Match, Offer, Submission

pytestmark = pytest.mark.django_db
SUBMITTED = Submission.State.SUBMITTED


@pytest.fixture
def assistance(records, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, unodc, provider,
               secretariat):  # fmt: skip
    """On Tajikistan's submitted 2026 submission a shared and a private need, on Kazakhstan's
    2026 draft one; UNODC's published offer (matched with the shared need) and its draft."""
    shared = state_need(tajikistan, cycle, tjk_focal, 7, state=SUBMITTED,
                        description="Training for border guards")  # fmt: skip
    private = state_need(tajikistan, cycle, tjk_focal, 5, state=SUBMITTED, shareable=False,
                         kind="equipment", description="=cmd|' /C calc'!A0")  # fmt: skip
    kazakh = state_need(kazakhstan, cycle, kaz_focal, 7, description="Kazakh draft need")
    offer = make_offer(unodc, cycle.declaration, provider, (5, 7), open_regions="asia europe")
    draft = make_offer(unodc, cycle.declaration, provider, state=Offer.State.DRAFT,
                       title="Unpublished idea")  # fmt: skip
    offer.open_participants.set([kazakhstan])
    # Made directly: the rules of proposing one are tests/tracking/test_assistance_rules.py's.
    match = Match.objects.create(need=shared, offer=offer, note="Both sides agree",
                                 created_by=secretariat, updated_by=secretariat)  # fmt: skip
    return SimpleNamespace(shared=shared, private=private, kazakh=kazakh, offer=offer,
                           draft=draft, match=match)  # fmt: skip


def _sheet(content: bytes, name: str) -> list[dict]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    header, *rows = workbook[name].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_focal_points_xlsx_holds_its_needs_the_published_offers_and_its_matches(
    build_report, assistance, tjk_focal
):
    report, content = build_report(tjk_focal, format="xlsx")

    needs = _sheet(content, "Needs")
    assert [row["Need ID"] for row in needs] == [assistance.private.pk, assistance.shared.pk]
    shared = needs[1]
    assert (shared["Participant"], shared["Paragraph"], shared["Kind of assistance"],
            shared["Priority"], shared["Shared with providers"], shared["Submission state"]) == (
        "Tajikistan", 7, "Training", "High", "Yes", "Submitted")  # fmt: skip
    assert (shared["Matches"], shared["Latest match state"]) == (1, "Proposed")
    assert needs[0]["What is needed"] == "'=cmd|' /C calc'!A0"  # a formula stays text
    assert (needs[0]["Matches"], needs[0]["Latest match state"]) == (0, None)
    offers = _sheet(content, "Offers")
    assert [row["Title"] for row in offers] == ["Border guard training"]
    assert (offers[0]["Paragraphs"], offers[0]["Open to regions"],
            offers[0]["Open to participants"], offers[0]["State"]) == (
        "5; 7", "Asia; Europe", "KAZ", "Published")  # fmt: skip
    matches = _sheet(content, "Matches")
    assert [(row["Need ID"], row["Offer ID"], row["State"]) for row in matches] == [
        (assistance.shared.pk, assistance.offer.pk, "Proposed")
    ]
    summary = dict(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert summary["Rows in Needs"] == 2


def test_another_participants_report_holds_none_of_tajikistans_needs_or_matches(
    build_report, assistance, kaz_focal
):
    report, content = build_report(kaz_focal, format="xlsx")

    assert [row["What is needed"] for row in _sheet(content, "Needs")] == ["Kazakh draft need"]
    assert _sheet(content, "Matches") == []


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))


def test_the_secretariats_csv_archive_holds_submitted_needs_only(
    build_report, assistance, secretariat
):
    report, content = build_report(secretariat, format="csv")

    archive = zipfile.ZipFile(io.BytesIO(content))
    needs = _csv(archive, "needs.csv")
    # Kazakhstan's need is in a draft: not the secretariat's to see.
    assert {row["Need ID"] for row in needs} == {str(assistance.shared.pk),
                                                 str(assistance.private.pk)}  # fmt: skip
    assert "Kazakh draft need" not in archive.read("needs.csv").decode()
    offers = _csv(archive, "offers.csv")
    # The secretariat sees every offer, drafts included, as on the offers page.
    assert {(row["Title"], row["State"]) for row in offers} == {
        ("Border guard training", "Published"), ("Unpublished idea", "Draft")}  # fmt: skip
    assert [row["Note"] for row in _csv(archive, "matches.csv")] == ["Both sides agree"]
