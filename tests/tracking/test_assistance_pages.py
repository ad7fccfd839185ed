"""Technical assistance through the pages: needs on the submission, offers, the matching board,
and a match followed to delivery."""

import re

import pytest
from django.urls import reverse

from declarations.models import Paragraph, Theme
from tests.conftest import new_cycle
from tests.tracking.filings import make_offer, state_need
from tests.tracking.markup import select_options
from tracking.models import Match, Need, Offer, Submission

APPROVED = Submission.State.APPROVED


def _op(declaration, number):
    return Paragraph.objects.get(declaration=declaration, number=number)


def test_a_focal_point_adds_a_need_on_the_submission_page(client, cycle, tajikistan, tjk_focal):
    client.force_login(tjk_focal)
    url = reverse("tracking:need_create", args=["TJK", cycle.pk])
    response = client.post(url, {
        "version": 0, "paragraph": _op(cycle.declaration, 7).pk, "kind": "training",
        "priority": "high", "description": "Courses for border guards", "shareable": "on",
    })  # fmt: skip

    need = Need.objects.get()
    assert response.status_code == 302
    assert (need.shareable, need.kind, need.created_by) == (True, "training", tjk_focal)
    page = client.get(need.submission.get_absolute_url()).text
    assert "Needs for technical assistance" in page and "Courses for border guards" in page
    assert "Edit need on OP7" in page


def test_a_need_without_a_description_is_refused_with_a_message(client, cycle, tjk_focal):
    client.force_login(tjk_focal)
    url = reverse("tracking:need_create", args=["TJK", cycle.pk])
    response = client.post(url, {
        "version": 0, "paragraph": _op(cycle.declaration, 7).pk, "kind": "training",
        "priority": "high", "description": "",
    })  # fmt: skip

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not Need.objects.exists()


def test_a_sealed_submission_refuses_need_edits(client, cycle, tajikistan, tjk_focal):
    need = state_need(tajikistan, cycle, tjk_focal, state=Submission.State.SUBMITTED)
    client.force_login(tjk_focal)

    assert client.get(reverse("tracking:need_create", args=["TJK", cycle.pk])).status_code == 403
    edit = client.post(reverse("tracking:need_edit", args=[need.pk]), {"version": 1})
    delete = client.post(reverse("tracking:need_delete", args=[need.pk]), {"version": 1})
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert Need.objects.get().description == "Training for border guards"
    assert "Add need" not in client.get(need.submission.get_absolute_url()).text


def test_a_provider_publishes_an_offer(client, cycle, unodc, provider):
    client.force_login(provider)
    response = client.post(reverse("tracking:offer_create"), {
        "version": 0, "declaration": cycle.declaration.pk, "title": "Border guard courses",
        "kind": "training", "description": "Two weeks",
        "paragraphs": [_op(cycle.declaration, 7).pk], "open_regions": ["asia"],
        "contact_name": "Olga", "contact_email": "olga@example.org",
    })  # fmt: skip
    offer = Offer.objects.get()
    assert response.url == offer.get_absolute_url()
    assert (offer.provider, offer.state, offer.open_regions) == (unodc, "draft", "asia")

    client.post(
        reverse("tracking:offer_move", args=[offer.pk]), {"version": 1, "state": "published"}
    )
    offer.refresh_from_db()
    assert offer.state == Offer.State.PUBLISHED
    assert "The offer is now published." in client.get(offer.get_absolute_url()).text


def test_an_offer_without_paragraph_or_theme_is_refused(client, cycle, provider):
    client.force_login(provider)
    response = client.post(reverse("tracking:offer_create"), {
        "version": 0, "declaration": cycle.declaration.pk, "title": "Help", "kind": "other",
        "description": "Any", "contact_name": "Olga", "contact_email": "olga@example.org",
    })  # fmt: skip

    assert response.status_code == 200
    assert "Choose at least one paragraph or one theme." in response.text
    assert not Offer.objects.exists()


@pytest.fixture
def board(declaration, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, unodc, provider):
    """Tajikistan: a shared and a private need of an approved submission; Kazakhstan: a shared
    need of a draft. UNODC: a published offer on OP7."""
    state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED, description="Shared approved")
    state_need(tajikistan, cycle, tjk_focal, 8, state=APPROVED, shareable=False,
               description="Private approved")  # fmt: skip
    state_need(kazakhstan, cycle, kaz_focal, 7, description="Shared draft")
    return make_offer(unodc, declaration, provider, title="Border guard courses")


def test_a_provider_sees_only_shared_needs_of_approved_submissions(client, board, provider):
    client.force_login(provider)
    page = client.get(reverse("tracking:matching_board")).text

    assert "Shared approved" in page and "Border guard courses" in page
    assert "Private approved" not in page and "Shared draft" not in page
    assert "Propose match" not in page


def test_members_of_a_state_may_not_open_the_board(client, board, tjk_focal):
    client.force_login(tjk_focal)

    assert client.get(reverse("tracking:matching_board")).status_code == 403
    assert "Border guard courses" in client.get(reverse("tracking:offers")).text


def test_the_secretariat_follows_a_match_to_delivery_and_both_sides_see_it(
    client, board, secretariat, provider, tjk_viewer, kaz_focal
):
    need = Need.objects.get(description="Shared approved")
    client.force_login(secretariat)
    page = client.get(reverse("tracking:matching_board")).text
    assert "Private approved" in page  # the secretariat sees every submitted need
    propose = reverse("tracking:match_propose")
    confirm = client.get(f"{propose}?need={need.pk}&offer={board.pk}")
    assert "Propose a match between Tajikistan and UN Office on Drugs and Crime?" in confirm.text

    response = client.post(propose, {"need": need.pk, "offer": board.pk, "note": "Call them"})
    match = Match.objects.get()
    assert response.url == match.get_absolute_url()
    for version, state in [(1, "agreed"), (2, "delivered")]:
        client.post(reverse("tracking:match_move", args=[match.pk]),
                    {"version": version, "state": state, "note": ""})  # fmt: skip
    match.refresh_from_db()
    assert (match.state, match.note, match.updated_by) == ("delivered", "Call them", secretariat)

    for user in (provider, tjk_viewer):
        client.force_login(user)
        assert "Delivered" in client.get(match.get_absolute_url()).text
        assert f"#{match.pk}" in client.get(reverse("tracking:matches")).text
    assert (
        "UN Office on Drugs and Crime: Delivered"
        in client.get(need.submission.get_absolute_url()).text
    )
    client.force_login(kaz_focal)
    assert client.get(match.get_absolute_url()).status_code == 404
    assert f"#{match.pk}" not in client.get(reverse("tracking:matches")).text


def test_a_provider_may_not_move_a_match(client, board, secretariat, provider):
    need = Need.objects.get(description="Shared approved")
    match = Match.objects.create(need=need, offer=board, created_by=secretariat,
                                 updated_by=secretariat)  # fmt: skip
    client.force_login(provider)
    response = client.post(reverse("tracking:match_move", args=[match.pk]),
                           {"version": 1, "state": "agreed"})  # fmt: skip

    assert response.status_code == 403
    match.refresh_from_db()
    assert match.state == Match.State.PROPOSED


def test_a_refused_match_says_why_and_saves_nothing(client, board, secretariat):
    private = Need.objects.get(description="Private approved")
    client.force_login(secretariat)
    response = client.post(reverse("tracking:match_propose"),
                           {"need": private.pk, "offer": board.pk})  # fmt: skip

    assert response.status_code == 200
    assert "Only a need its participant shares with providers" in response.text
    assert not Match.objects.exists()


def test_the_board_lists_the_offers_that_fit_each_need_as_a_match_would_check_them(
    client, declaration, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, unodc, provider,
    secretariat,
):  # fmt: skip
    theme = Theme.objects.create(name="Border security", slug="border-security")
    _op(declaration, 8).themes.add(theme)
    needs = [
        state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED),
        state_need(tajikistan, cycle, tjk_focal, 8, state=APPROVED),
        state_need(kazakhstan, cycle, kaz_focal, 8, state=APPROVED, kind="funding"),
    ]
    offers = [
        make_offer(unodc, declaration, provider, (7,), title="On OP7"),
        make_offer(unodc, declaration, provider, (7, 8), title="On OP7 and OP8 in Asia",
                   open_regions="asia"),
        make_offer(unodc, declaration, provider, (8,), title="On OP8 in Africa",
                   open_regions="africa"),
        make_offer(unodc, declaration, provider, (), title="On the theme, funding",
                   kind="funding"),
        make_offer(unodc, declaration, provider, (), title="On the theme, named"),
        make_offer(unodc, declaration, provider, (8,), title="Named Kazakhstan",
                   open_regions="africa", kind="funding"),
        make_offer(unodc, declaration, provider, (7, 8), title="A draft",
                   state=Offer.State.DRAFT),
    ]  # fmt: skip
    offers[3].themes.add(theme)
    offers[4].themes.add(theme)
    offers[4].open_participants.add(tajikistan)
    offers[5].open_participants.add(kazakhstan)
    client.force_login(secretariat)

    board = client.get(reverse("tracking:matching_board")).text
    rows = board.split("<tr")[2:]  # after the header's row: by paragraph, then participant
    for need, row in zip([needs[0], needs[2], needs[1]], rows, strict=True):
        fitting = {offer.title for offer in offers if offer.state == "published" and
                   Offer.objects.get(pk=offer.pk).fits(need)}  # fmt: skip
        assert {offer.title for offer in offers if f">{offer.title}</a>" in row} == fitting
    assert "Named Kazakhstan" in rows[1] and "On the theme, named" in rows[2]


@pytest.mark.parametrize("count", [1, 20])
def test_the_board_runs_the_same_queries_for_1_and_20_needs(
    count, client, declaration, tajikistan, tjk_focal, unodc, provider, secretariat,
    django_assert_num_queries,
):  # fmt: skip
    for year in range(2000, 2000 + count):
        need = state_need(tajikistan, new_cycle(declaration, year, state="closed"), tjk_focal,
                          7, state=APPROVED)  # fmt: skip
    offer = make_offer(unodc, declaration, provider)
    Match.objects.create(need=need, offer=offer, created_by=secretariat, updated_by=secretariat)
    client.force_login(secretariat)
    # The filter's options, written once; the board's first page, as `?page=1`: kept apart.
    client.get(reverse("tracking:matching_board"), {"page": 1})

    # session, user, memberships; the version of the sealed records, offers and matches (the
    # secretariat's board is kept in the cache until it changes); the filter's
    # paragraphs and themes (the rows their kept options depend on); the COUNT of the
    # paginator; the page of needs with participant and paragraph, their matches with offer and
    # provider; the offers on their paragraphs or themes; which of the page's paragraphs each
    # is on and whom it is open to.
    with django_assert_num_queries(11):
        response = client.get(reverse("tracking:matching_board"))
    assert response.text.count("Border guard training") == count
    assert response.text.count("Propose match with") == count - 1


@pytest.mark.parametrize("count", [1, 20])
def test_the_offer_and_match_lists_run_the_same_queries_for_1_and_20_rows(
    count, client, declaration, cycle, tajikistan, tjk_focal, unodc, provider, secretariat,
    django_assert_num_queries,
):  # fmt: skip
    need = state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED)
    for n in range(count):
        offer = make_offer(unodc, declaration, provider, title=f"Offer {n}")
        Match.objects.create(need=need, offer=offer, created_by=secretariat,
                             updated_by=secretariat)  # fmt: skip
    client.force_login(provider)
    # The filters' options, written once; the lists' first pages, as `?page=1`: kept apart.
    client.get(reverse("tracking:offers"), {"page": 1})
    client.get(reverse("tracking:matches"), {"page": 1})

    # session, user, memberships; the version of the sealed records, offers and matches (a
    # provider's lists are kept in the cache until it changes); the filter's
    # paragraphs and themes (the rows their kept options depend on); the paginator's COUNT;
    # the page of offers with provider, and their paragraphs, themes and open participants;
    # the providers the user offers for.
    with django_assert_num_queries(12):
        offers = client.get(reverse("tracking:offers"))
    assert offers.text.count("Offer ") >= count
    # session, user, memberships; the version; the filter's paragraphs; COUNT; the page
    # of matches with need, participant, paragraph, offer and provider.
    with django_assert_num_queries(7):
        matches = client.get(reverse("tracking:matches"))
    assert matches.text.count("Tajikistan") == count


@pytest.mark.parametrize("count", [1, 20])
def test_the_submission_page_runs_the_same_queries_for_1_and_20_needs(
    count, client, cycle, tajikistan, tjk_focal, unodc, provider, secretariat,
    django_assert_num_queries,
):  # fmt: skip
    for n in range(count):
        need = state_need(tajikistan, cycle, tjk_focal, 1 + n % 16, description=f"Need {n}")
    offer = make_offer(unodc, cycle.declaration, provider, numbers=(need.paragraph.number,))
    Match.objects.create(need=need, offer=offer, created_by=secretariat, updated_by=secretariat)
    client.force_login(tjk_focal)
    url = reverse("tracking:submission", args=["TJK", cycle.pk])

    # The 12 of test_submission_workflow, and the needs' matches with offer and provider.
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.text.count("Edit need on OP") == count
    assert "UN Office on Drugs and Crime: Proposed" in response.text


def test_the_offer_form_checks_what_the_offer_links_to_in_8_queries(
    client, cycle, unodc, provider, tajikistan, kazakhstan, django_assert_num_queries
):
    offer = make_offer(unodc, cycle.declaration, provider, numbers=(7,))
    borders, courts = (Theme.objects.create(name=name, slug=name) for name in ("Borders", "Courts"))
    offer.themes.set([borders])
    offer.open_participants.set([tajikistan])
    client.force_login(provider)
    url = reverse("tracking:offer_edit", args=[offer.pk])
    client.get(url)  # writes the choices, kept for the next views

    # session, user, memberships; the offer; its links' ids (one UNION); the rows of the
    # paragraphs', themes' and participants' kept choices.
    with django_assert_num_queries(8):
        page = client.get(url).text

    def checked(name, pk):
        return re.search(f'name="{name}" value="{pk}"[^>]* checked>', page) is not None

    op7, op8 = _op(cycle.declaration, 7), _op(cycle.declaration, 8)
    assert (checked("paragraphs", op7.pk), checked("paragraphs", op8.pk)) == (True, False)
    assert (checked("themes", borders.pk), checked("themes", courts.pk)) == (True, False)
    options = select_options(page, "open_participants")
    assert f'<option value="{tajikistan.pk}" selected>' in options
    assert f'<option value="{kazakhstan.pk}">' in options
