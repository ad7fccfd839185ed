"""A declaration with published and unpublished cycles, holding records the public may see and
records it must never see, each of the latter marked by a distinctive string."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.conftest import make_pdf, new_cycle
from tests.tracking.filings import file_action as _file_action
from tests.tracking.filings import rate
from tracking import services
from tracking.models import Action, Evidence, Participant, ReportingCycle, Submission

# Strings that must appear nowhere on the public pages or in the downloads.
HIDDEN = {
    "draft": "MARKER-DRAFT-kaz",
    "submitted": "MARKER-SUBMITTED-uzb",
    "unpublished": "MARKER-UNPUBLISHED-cycle",
    "withdrawn": "MARKER-WITHDRAWN-cycle",
    "secretariat_evidence": "MARKER-EVIDENCE-secretariat",
    "participant_evidence": "MARKER-EVIDENCE-participant",
    "secretariat_file": "MARKER-FILE-secretariat",
}
APPROVED = Submission.State.APPROVED


def file_action(*args, **kwargs) -> Action:
    """An action filed through the ORM, with its paragraphs' numbers saved as the services do."""
    action = _file_action(*args, **kwargs)
    action.paragraph_numbers = Action.numbers_of(action.paragraphs.all())
    action.save(update_fields=["paragraph_numbers"])
    return action


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing cached (the cache outlives a test's rolled-back rows)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def uzbekistan(declaration) -> Participant:
    participant = Participant.objects.create(
        code="UZB", name="Uzbekistan", kind=Participant.Kind.STATE
    )
    participant.declarations.add(declaration)
    participant.cycles.add(*declaration.cycles.all())
    return participant


def _evidence(action, title, visibility, *, url="", content=b"", name=""):
    evidence = Evidence(
        action=action,
        submission=action.submission,
        title=title,
        visibility=visibility,
        url=url,
        uploaded_by=action.created_by,
    )
    if content:
        evidence.file = default_storage.save(f"evidence/{name}", ContentFile(content))
        evidence.original_name = name
        evidence.content_type = "application/pdf"
    evidence.save()
    return evidence


@pytest.fixture
def published(
    declaration, tajikistan, kazakhstan, uzbekistan, tjk_focal, kaz_focal, secretariat,
    private_media,
):  # fmt: skip
    """2024: approved but never published; 2025: published; 2026 (open): published, with
    Tajikistan approved, Kazakhstan in draft and Uzbekistan submitted; 2023: withdrawn."""
    cycles = {}
    for year in (2023, 2024, 2025):
        cycles[year] = new_cycle(declaration, year, ReportingCycle.State.CLOSED)
    cycles[2026] = new_cycle(declaration, 2026)
    for participant in (tajikistan, kazakhstan, uzbekistan):
        participant.cycles.add(*cycles.values())
    Visibility = Evidence.Visibility

    withdrawn = file_action(tajikistan, cycles[2023], tjk_focal, state=APPROVED,
                            title=HIDDEN["withdrawn"])  # fmt: skip
    unpublished = file_action(tajikistan, cycles[2024], tjk_focal, state=APPROVED,
                              title=HIDDEN["unpublished"])  # fmt: skip
    rate(tajikistan, cycles[2024], tjk_focal, 2, "fully", state=APPROVED)
    rate(tajikistan, cycles[2025], tjk_focal, 1, "partially", state=APPROVED)
    rate(tajikistan, cycles[2025], tjk_focal, 2, "fully", state=APPROVED)
    file_action(tajikistan, cycles[2025], tjk_focal, state=APPROVED, title="Border guards trained")

    # 2026: what the public sees.
    rate(tajikistan, cycles[2026], tjk_focal, 1, "substantially", state=APPROVED)
    rate(tajikistan, cycles[2026], tjk_focal, 2, "partially", state=APPROVED)
    action = file_action(
        tajikistan, cycles[2026], tjk_focal, state=APPROVED, numbers=(1, 6),
        title="Financial intelligence unit strengthened", description="Law adopted in March.",
    )  # fmt: skip
    public_file = _evidence(
        action,
        "Annual report of the unit",
        Visibility.PUBLIC,
        content=make_pdf("Public annual report"),
        name="annual.pdf",
    )
    public_link = _evidence(
        action, "Press release", Visibility.PUBLIC, url="https://example.org/press"
    )
    hidden_file = _evidence(
        action,
        HIDDEN["secretariat_evidence"],
        Visibility.PARTICIPANT_AND_SECRETARIAT,
        content=HIDDEN["secretariat_file"].encode(),
        name="memo.pdf",
    )
    hidden_link = _evidence(
        action,
        HIDDEN["participant_evidence"],
        Visibility.PARTICIPANT,
        url=f"https://example.org/{HIDDEN['participant_evidence']}",
    )
    # 2026: what it must not see.
    draft = file_action(kazakhstan, cycles[2026], kaz_focal, title=HIDDEN["draft"])
    rate(kazakhstan, cycles[2026], kaz_focal, 1, "fully")
    submitted = file_action(uzbekistan, cycles[2026], kaz_focal, state=Submission.State.SUBMITTED,
                            title=HIDDEN["submitted"], description=HIDDEN["submitted"])  # fmt: skip
    rate(uzbekistan, cycles[2026], kaz_focal, 3, "fully", state=Submission.State.SUBMITTED)

    publish = {"user": secretariat, "licence": "CC BY 4.0", "licence_url": "https://example.org/l"}
    services.cycle_publish(cycle=cycles[2023], **publish)
    services.cycle_unpublish(cycle=cycles[2023], user=secretariat)
    services.cycle_publish(cycle=cycles[2025], **publish)
    services.cycle_publish(cycle=cycles[2026], **publish)
    return SimpleNamespace(
        cycles=cycles, cycle=cycles[2026], action=action, public_file=public_file,
        public_link=public_link, hidden_file=hidden_file, hidden_link=hidden_link,
        draft=draft, submitted=submitted, unpublished=unpublished, withdrawn=withdrawn,
    )  # fmt: skip
