"""Technical assistance: who sees needs, offers and matches, and what the writes refuse."""

import pytest

from declarations.models import Paragraph, Theme
from tests.conftest import new_cycle
from tests.tracking.filings import make_offer, state_need
from tracking import assistance, permissions
from tracking.models import AssistanceKind, Match, Need, Offer, Submission
from tracking.services import FilingRefused
from tracking.versioning import EditConflict

APPROVED = Submission.State.APPROVED


def _seen_needs(user) -> set[int]:
    return set(permissions.scope_needs(Need.objects.all(), user).values_list("pk", flat=True))


@pytest.fixture
def needs(cycle, tajikistan, tjk_focal):
    """A shareable and a private need of an approved submission, a shareable one of a draft."""
    cycle_2027 = new_cycle(cycle.declaration, 2027)
    return {
        "shared": state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED),
        "private": state_need(tajikistan, cycle, tjk_focal, 8, state=APPROVED, shareable=False),
        "draft": state_need(tajikistan, cycle_2027, tjk_focal, 7),
    }


def test_a_provider_sees_only_shareable_needs_of_approved_submissions(needs, provider):
    assert _seen_needs(provider) == {needs["shared"].pk}


def test_the_participant_sees_all_its_needs_and_the_secretariat_no_drafts(
    needs, tjk_viewer, secretariat, kaz_focal
):
    assert _seen_needs(tjk_viewer) == {n.pk for n in needs.values()}
    assert _seen_needs(secretariat) == {needs["shared"].pk, needs["private"].pk}
    assert _seen_needs(kaz_focal) == set()


def test_a_provider_membership_shows_none_of_the_participants_filings(unodc, provider, cycle):
    unodc.declarations.add(cycle.declaration)
    cycle.participants.add(unodc)
    state_need(unodc, cycle, provider, 7, shareable=False)
    assert _seen_needs(provider) == set()
    assert permissions.participant_ids(provider) == []
    assert permissions.may_file_for(provider, unodc.pk) is False


def test_others_see_published_offers_only(cycle, unodc, provider, tjk_focal, secretariat):
    published = make_offer(unodc, cycle.declaration, provider)
    draft = make_offer(unodc, cycle.declaration, provider, state=Offer.State.DRAFT)

    def seen(user):
        return set(permissions.scope_offers(Offer.objects.all(), user).values_list("pk", flat=True))

    assert seen(tjk_focal) == {published.pk}
    assert seen(provider) == seen(secretariat) == {published.pk, draft.pk}


def test_a_need_in_a_sealed_submission_refuses_changes(needs, tjk_focal):
    need = needs["shared"]
    with pytest.raises(FilingRefused):
        assistance.need_edit(need=need, version=1, values={"description": "More"}, user=tjk_focal)
    with pytest.raises(FilingRefused):
        assistance.need_delete(need=need, version=1, user=tjk_focal)
    need.refresh_from_db()
    assert need.description == "Training for border guards"


def test_a_need_is_stated_edited_and_deleted_in_the_open_draft(cycle, tajikistan, tjk_focal):
    paragraph = Paragraph.objects.get(declaration=cycle.declaration, number=3)
    need = assistance.need_create(
        participant=tajikistan,
        cycle=cycle,
        paragraph=paragraph,
        values={"description": "Drafters", "kind": AssistanceKind.LEGISLATIVE_DRAFTING,
                "priority": Need.Priority.LOW, "shareable": False},
        user=tjk_focal,
    )  # fmt: skip
    assert need.submission.state == Submission.State.DRAFT
    assistance.need_edit(need=need, version=1, values={"shareable": True}, user=tjk_focal)
    with pytest.raises(EditConflict):
        assistance.need_edit(need=need, version=1, values={"shareable": False}, user=tjk_focal)
    need.refresh_from_db()
    assert (need.shareable, need.version, need.history.count()) == (True, 2, 2)
    assistance.need_delete(need=need, version=2, user=tjk_focal)
    assert not Need.objects.filter(pk=need.pk).exists()


def test_an_offer_needs_a_paragraph_or_a_theme(cycle, unodc, provider):
    with pytest.raises(assistance.AssistanceRefused):
        assistance.offer_create(
            provider=unodc, declaration=cycle.declaration, paragraphs=[], themes=[],
            open_participants=[], user=provider,
            values={"title": "Help", "description": "Any", "kind": AssistanceKind.OTHER,
                    "contact_name": "O", "contact_email": "o@example.org"},
        )  # fmt: skip
    assert not Offer.objects.exists()


def test_a_match_follows_a_fitting_offer_to_delivery(needs, cycle, unodc, provider, secretariat):
    offer = make_offer(unodc, cycle.declaration, provider)
    match = assistance.match_propose(need=needs["shared"], offer=offer, note="", user=secretariat)
    match = assistance.match_move(
        match=match, state=Match.State.AGREED, version=1, note="", user=secretariat
    )
    match = assistance.match_move(
        match=match, state=Match.State.DELIVERED, version=2, note="Done", user=secretariat
    )
    assert (match.state, match.note) == (Match.State.DELIVERED, "Done")
    states = list(match.history.order_by("history_id").values_list("state", "history_user"))
    assert states == [("proposed", secretariat.pk), ("agreed", secretariat.pk),
                      ("delivered", secretariat.pk)]  # fmt: skip
    with pytest.raises(assistance.AssistanceRefused):
        assistance.match_move(
            match=match, state=Match.State.CANCELLED, version=3, note="", user=secretariat
        )


def test_both_sides_see_the_match_and_nobody_else(
    needs, cycle, unodc, provider, secretariat, tjk_viewer, kaz_focal
):
    offer = make_offer(unodc, cycle.declaration, provider)
    match = assistance.match_propose(need=needs["shared"], offer=offer, note="", user=secretariat)

    def seen(user):
        return list(permissions.scope_matches(Match.objects.all(), user))

    assert seen(tjk_viewer) == seen(provider) == seen(secretariat) == [match]
    assert seen(kaz_focal) == []


@pytest.mark.parametrize(
    "case",
    ["private need", "draft need", "draft offer", "other kind", "other paragraph", "closed region"],
)
def test_a_match_is_refused_when_the_pair_does_not_fit(
    case, needs, cycle, unodc, provider, secretariat
):
    need = needs["draft" if case == "draft need" else "private" if case == "private need" else
                 "shared"]  # fmt: skip
    offer = make_offer(
        unodc, cycle.declaration, provider,
        numbers=(9,) if case == "other paragraph" else (7, 8),
        state=Offer.State.DRAFT if case == "draft offer" else Offer.State.PUBLISHED,
        kind=AssistanceKind.FUNDING if case == "other kind" else AssistanceKind.TRAINING,
        open_regions="africa europe" if case == "closed region" else "",
    )  # fmt: skip
    with pytest.raises(assistance.AssistanceRefused):
        assistance.match_propose(need=need, offer=offer, note="", user=secretariat)
    assert not Match.objects.exists()


def test_an_offer_on_a_theme_of_the_paragraph_fits(needs, cycle, unodc, provider, secretariat):
    theme = Theme.objects.create(name="Border security", slug="border-security")
    needs["shared"].paragraph.themes.add(theme)
    offer = make_offer(unodc, cycle.declaration, provider, numbers=(), open_regions="asia")
    offer.themes.add(theme)
    match = assistance.match_propose(need=needs["shared"], offer=offer, note="", user=secretariat)
    assert match.state == Match.State.PROPOSED
    with pytest.raises(assistance.AssistanceRefused):
        assistance.match_propose(need=needs["shared"], offer=offer, note="", user=secretariat)


def test_a_withdrawn_offer_stays_withdrawn(cycle, unodc, provider):
    offer = make_offer(unodc, cycle.declaration, provider, state=Offer.State.DRAFT)
    assistance.offer_move(offer=offer, state=Offer.State.PUBLISHED, version=1, user=provider)
    assistance.offer_move(offer=offer, state=Offer.State.WITHDRAWN, version=2, user=provider)
    with pytest.raises(assistance.AssistanceRefused):
        assistance.offer_move(offer=offer, state=Offer.State.PUBLISHED, version=3, user=provider)
    offer.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
