"""The secretariat's matching board, offers and matches lists are kept in the cache, per filter,
sort and page, until what they show changes: offers and matches change without a submission,
and every way of writing them (the pages, the API) shows on the next view."""

import pytest
from django.urls import reverse

from declarations.models import Theme
from tests.conftest import new_cycle
from tracking import services
from tracking.models import Match, Membership, Offer, Submission

from .filings import make_offer, rate_all, state_need, submission

BOARD, OFFERS, MATCHES = (
    reverse(f"tracking:{name}") for name in ("matching_board", "offers", "matches")
)
APPROVED = Submission.State.APPROVED


def _table(html: str) -> str:
    return html.split("<table", 1)[1].split("</table>", 1)[0]


def _seen(client) -> tuple[str, str, str]:
    """The tables of the board, the offers and the matches, as the secretariat sees them now."""
    return tuple(_table(client.get(url).text) for url in (BOARD, OFFERS, MATCHES))


@pytest.fixture
def need(cycle, tajikistan, tjk_focal):
    return state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED, description="Shared need")


def test_offers_written_on_the_pages_show_on_the_next_view(
    client, cycle, need, provider, tjk_focal, secretariat
):
    for user in (secretariat, tjk_focal, provider):
        client.force_login(user)
        client.get(OFFERS)
    _seen(client)
    client.post(reverse("tracking:offer_create"), {
        "version": 0, "declaration": cycle.declaration.pk, "title": "Border guard courses",
        "kind": "training", "description": "Two weeks",
        "paragraphs": [cycle.declaration.paragraphs.get(number=8).pk],
        "contact_name": "Olga", "contact_email": "olga@example.org",
    })  # fmt: skip
    offer = Offer.objects.get()
    assert "Border guard courses" in _table(client.get(OFFERS).text)  # its provider's draft
    client.force_login(secretariat)
    board, offers, _ = _seen(client)
    assert "Border guard courses" in offers and "Draft" in offers
    assert "Border guard courses" not in board

    client.force_login(provider)
    client.post(reverse("tracking:offer_edit", args=[offer.pk]), {
        "version": 1, "declaration": cycle.declaration.pk, "title": "Border guard training",
        "kind": "training", "description": "Two weeks",
        "paragraphs": [cycle.declaration.paragraphs.get(number=7).pk],
        "contact_name": "Olga", "contact_email": "olga@example.org",
    })  # fmt: skip
    client.post(
        reverse("tracking:offer_move", args=[offer.pk]), {"version": 2, "state": "published"}
    )
    client.force_login(secretariat)
    board, offers, _ = _seen(client)
    assert "Border guard training" in offers and "Published" in offers
    assert "Border guard training" in board  # now on the need's paragraph, and published

    client.force_login(provider)
    client.post(
        reverse("tracking:offer_move", args=[offer.pk]), {"version": 3, "state": "withdrawn"}
    )
    client.force_login(secretariat)
    board, offers, _ = _seen(client)
    assert "Withdrawn" in offers
    assert "Border guard training" not in board


def test_matches_written_on_the_pages_show_on_the_next_view(
    client, cycle, need, unodc, provider, secretariat
):
    offer = make_offer(unodc, cycle.declaration, provider)
    client.force_login(provider)
    assert "No matches yet." in _seen(client)[2]
    client.force_login(secretariat)
    board, _, matches = _seen(client)
    assert "Propose match with" in board and "No matches yet." in matches

    client.post(reverse("tracking:match_propose"), {"need": need.pk, "offer": offer.pk})
    match = Match.objects.get()
    board, _, matches = _seen(client)
    assert "Propose match with" not in board
    assert "UN Office on Drugs and Crime</a>: Proposed" in board
    assert f"#{match.pk}" in matches and "Proposed" in matches

    move = reverse("tracking:match_move", args=[match.pk])
    client.post(move, {"version": 1, "state": "agreed", "note": ""})
    for user in (secretariat, provider):
        client.force_login(user)
        board, _, matches = _seen(client)
        assert "UN Office on Drugs and Crime</a>: Agreed" in board
        assert "Agreed" in matches and "Proposed" not in matches


def test_offers_and_matches_written_through_the_api_show_on_the_next_view(
    client, cycle, need, unodc, provider, secretariat
):
    client.force_login(secretariat)
    _seen(client)
    client.force_login(provider)  # the API takes the browser's session too
    created = client.post(reverse("api:offer-list"), {
        "declaration": cycle.declaration.slug, "title": "Border guard courses",
        "description": "Two weeks.", "kind": "training",
        "paragraphs": [cycle.declaration.paragraphs.get(number=7).pk],
        "contact_name": "Olga", "contact_email": "olga@example.org",
    }, content_type="application/json")  # fmt: skip
    offer_id = created.json()["id"]
    client.force_login(secretariat)
    assert "Border guard courses" in _seen(client)[1]

    client.force_login(provider)
    edited = client.patch(
        reverse("api:offer-detail", args=[offer_id]), {"title": "Border guard training"},
        content_type="application/json", headers={"If-Match": created["ETag"]},
    )  # fmt: skip
    client.post(reverse("api:offer-publish", args=[offer_id]), headers={"If-Match": edited["ETag"]})
    client.force_login(secretariat)
    board, offers, _ = _seen(client)
    assert "Border guard training" in offers and "Published" in offers
    assert "Border guard training" in board

    body = {"need": need.pk, "offer": offer_id}
    match_id = client.post(reverse("api:match-list"), body, content_type="application/json").json()[
        "id"
    ]
    assert f"#{match_id}" in _seen(client)[2]
    client.patch(
        reverse("api:match-detail", args=[match_id]), {"state": "agreed"},
        content_type="application/json", headers={"If-Match": '"1"'},
    )  # fmt: skip
    board, _, matches = _seen(client)
    assert "Agreed" in matches and ">UN Office on Drugs and Crime</a>: Agreed" in board


def test_a_submitted_or_returned_submission_s_needs_show_on_the_next_view(
    client, cycle, tajikistan, tjk_focal, tjk_coordinator, secretariat
):
    draft = state_need(tajikistan, cycle, tjk_focal, 7, description="Stated need").submission
    client.force_login(secretariat)
    assert "Stated need" not in _seen(client)[0]

    rate_all(draft)
    services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    assert "Stated need" in _seen(client)[0]

    submitted = Submission.objects.get(pk=draft.pk)
    services.submission_return(
        submission=submitted, version=submitted.version, user=tjk_coordinator, comment="More."
    )
    assert "Stated need" not in _seen(client)[0]


def test_each_filter_and_language_is_its_own(client, cycle, need, unodc, provider, secretariat):
    make_offer(unodc, cycle.declaration, provider, (8,), title="On OP8")
    client.force_login(secretariat)

    on_op8 = _table(client.get(OFFERS, {"paragraph": need.paragraph_id + 1}).text)
    everything = _table(client.get(OFFERS).text)
    french = client.get(OFFERS, headers={"accept-language": "fr"}).text

    assert "On OP8" in everything and "On OP8" not in _table(
        client.get(OFFERS, {"kind": "funding"}).text
    )
    assert "On OP8" in on_op8
    assert "Paragraphe du dispositif" in french and "Operative paragraph" not in french


def test_a_member_in_the_secretariat_sees_its_draft_s_needs_at_once(
    client, cycle, need, tajikistan, tjk_focal, secretariat
):
    Membership.objects.create(user=secretariat, participant=tajikistan, role="viewer")
    draft = submission(tajikistan, new_cycle(cycle.declaration, 2030))
    client.force_login(secretariat)
    assert "Shared need" in _table(client.get(BOARD).text)

    state_need(tajikistan, draft.cycle, tjk_focal, 8, description="Drafted need")

    assert "Drafted need" in _table(client.get(BOARD).text)


@pytest.mark.parametrize("url", [BOARD, OFFERS, MATCHES])
def test_the_secretariat_s_pages_from_the_cache_run_the_same_queries(
    url, client, cycle, need, unodc, provider, secretariat, django_assert_num_queries
):
    offer = make_offer(unodc, cycle.declaration, provider)
    Match.objects.create(need=need, offer=offer, created_by=secretariat, updated_by=secretariat)
    client.force_login(secretariat)
    first = _table(client.get(url).text)

    # session, user, memberships; the version of the sealed records, offers and matches.
    with django_assert_num_queries(4):
        assert _table(client.get(url).text) == first


def test_each_audience_sees_its_own(
    client, cycle, need, tajikistan, tjk_focal, unodc, provider, secretariat
):
    state_need(tajikistan, cycle, tjk_focal, 8, state=APPROVED, shareable=False,
               description="Private need")  # fmt: skip
    make_offer(unodc, cycle.declaration, provider)
    make_offer(unodc, cycle.declaration, provider, title="Drafted offer", state=Offer.State.DRAFT)
    make_offer(tajikistan, cycle.declaration, tjk_focal, title="Other draft", state="draft")
    client.force_login(secretariat)
    board, offers, _ = _seen(client)
    assert "Private need" in board and "Propose match with" in board
    assert "Drafted offer" in offers and "Other draft" in offers

    client.force_login(provider)
    board, offers, _ = _seen(client)
    assert "Private need" not in board and "Propose match with" not in board
    assert "Drafted offer" in offers and "Other draft" not in offers
    client.force_login(tjk_focal)
    offers = _table(client.get(OFFERS).text)
    assert "Drafted offer" not in offers and "Other draft" not in offers


def _section(html: str, heading: str) -> str:
    return html.split(f'id="{heading}"', 1)[1].split("</section>", 1)[0]


def test_an_offer_s_page_shows_each_change_on_the_next_view(
    client, cycle, kazakhstan, unodc, provider
):
    theme = Theme.objects.create(name="Border security", slug="border-security")
    offer = make_offer(unodc, cycle.declaration, provider, title="Border guard courses")
    url = offer.get_absolute_url()
    client.force_login(provider)
    page = client.get(url).text
    assert "OP7" in _section(page, "offer-heading")
    assert "Border guard training" not in _section(page, "history-heading")

    client.post(reverse("tracking:offer_edit", args=[offer.pk]), {
        "version": 1, "declaration": cycle.declaration.pk, "title": "Border guard training",
        "kind": "training", "description": "Three weeks",
        "paragraphs": [cycle.declaration.paragraphs.get(number=8).pk], "themes": [theme.pk],
        "open_participants": [kazakhstan.pk],
        "contact_name": "Olga", "contact_email": "olga@example.org",
    })  # fmt: skip
    page = client.get(url).text
    about = _section(page, "offer-heading")
    assert "OP8" in about and "OP7" not in about and "Three weeks" in about
    assert "Border security" in about and "Kazakhstan" in about
    assert "Border guard training" in _section(page, "history-heading")

    theme.name = "Borders"
    theme.save()
    kazakhstan.name = "Republic of Kazakhstan"
    kazakhstan.save()
    about = _section(client.get(url).text, "offer-heading")
    assert "Borders" in about and "Republic of Kazakhstan" in about


def test_a_match_s_page_shows_each_move_in_its_history(
    client, cycle, need, unodc, provider, secretariat
):
    offer = make_offer(unodc, cycle.declaration, provider)
    client.force_login(secretariat)
    client.post(reverse("tracking:match_propose"), {"need": need.pk, "offer": offer.pk})
    match = Match.objects.get()
    assert "Agreed" not in _section(client.get(match.get_absolute_url()).text, "history-heading")

    client.post(reverse("tracking:match_move", args=[match.pk]),
                {"version": 1, "state": "agreed", "note": ""})  # fmt: skip

    assert "Agreed" in _section(client.get(match.get_absolute_url()).text, "history-heading")
