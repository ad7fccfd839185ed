"""Technical assistance through the API: needs filed as on the submission page, providers'
offers, the secretariat's matches; each user sees and changes what the pages allow."""

import pytest
from django.urls import reverse

from tests.tracking.filings import make_offer, state_need
from tracking.models import Match, Need, Offer, Submission

PROBLEM = "application/problem+json"
APPROVED = Submission.State.APPROVED


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {record["id"] for record in response.json()["results"]}


def test_a_focal_point_states_edits_and_deletes_a_need_in_the_draft(
    api, tjk_focal, cycle, declaration
):
    client = api(tjk_focal)
    paragraph = declaration.paragraphs.get(number=7)

    created = client.post(
        reverse("api:need-list"),
        {"participant": "TJK", "cycle": cycle.pk, "paragraph": paragraph.pk, "kind": "training",
         "priority": "high", "description": "Training for border guards", "shareable": True},
    )  # fmt: skip

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["participant"], body["number"], body["shareable"]) == ("TJK", 7, True)
    url = reverse("api:need-detail", args=[body["id"]])
    edited = client.patch(url, {"priority": "low"}, headers={"If-Match": created["ETag"]})
    assert edited.status_code == 200, edited.content
    changed = edited.json()
    assert (changed["priority"], changed["kind"], edited["ETag"]) == ("low", "training", '"2"')
    stale = client.delete(url, headers={"If-Match": created["ETag"]})
    assert stale.status_code == 412
    deleted = client.delete(url, headers={"If-Match": edited["ETag"]})
    assert deleted.status_code == 204
    need_history = Need.history.filter(id=body["id"]).order_by("history_id")
    assert [h.history_type for h in need_history] == ["+", "~", "-"]
    assert not Need.objects.exists()


def test_a_need_on_a_paragraph_of_nothing_is_refused_field_by_field(api, tjk_focal, cycle):
    response = api(tjk_focal).post(
        reverse("api:need-list"),
        {"participant": "TJK", "cycle": cycle.pk, "paragraph": 999999, "kind": "magic"},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert pointers == {"#/paragraph", "#/kind", "#/description"}
    assert not Need.objects.exists()


def test_a_sealed_need_does_not_change_and_others_do_not_file_for_tajikistan(
    api, tjk_focal, tjk_viewer, kaz_focal, cycle, tajikistan
):
    need = state_need(tajikistan, cycle, tjk_focal, state=Submission.State.SUBMITTED)
    url = reverse("api:need-detail", args=[need.pk])
    new = {"participant": "TJK", "cycle": cycle.pk, "paragraph": need.paragraph_id,
           "kind": "training", "description": "More"}  # fmt: skip

    assert (
        api(tjk_focal).patch(url, {"priority": "low"}, headers={"If-Match": '"1"'}).status_code
        == 403
    )
    assert api(tjk_focal).post(reverse("api:need-list"), new).status_code == 403
    assert api(tjk_viewer).post(reverse("api:need-list"), new).status_code == 403
    assert api(kaz_focal).post(reverse("api:need-list"), new).status_code == 404
    assert api(kaz_focal).get(url).status_code == 404
    need.refresh_from_db()
    assert (need.priority, need.version, Need.objects.count()) == ("high", 1, 1)


def test_a_provider_reads_only_shareable_needs_of_approved_submissions(
    api, provider, tjk_focal, cycle, tajikistan
):
    shared = state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED)
    state_need(tajikistan, cycle, tjk_focal, 8, state=APPROVED, shareable=False)

    assert _ids(api(provider).get(reverse("api:need-list"))) == {shared.pk}


@pytest.fixture
def offer_body(declaration):
    return {
        "declaration": declaration.slug,
        "title": "Border guard training",
        "description": "Two weeks of courses.",
        "kind": "training",
        "paragraphs": [declaration.paragraphs.get(number=7).pk],
        "open_regions": ["asia"],
        "open_participants": ["KAZ"],
        "contact_name": "Olga Offer",
        "contact_email": "olga@example.org",
    }


def test_a_provider_drafts_edits_and_publishes_an_offer(
    api, provider, tjk_focal, kazakhstan, unodc, offer_body
):
    client = api(provider)

    created = client.post(reverse("api:offer-list"), offer_body)

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["provider"], body["state"], body["open_regions"], body["open_participants"]) == (
        "UNODC", "draft", ["asia"], ["KAZ"])  # fmt: skip
    offer_id = body["id"]
    assert offer_id not in _ids(api(tjk_focal).get(reverse("api:offer-list")))
    edited = client.patch(
        reverse("api:offer-detail", args=[offer_id]),
        {"title": "Border guard courses"},
        headers={"If-Match": created["ETag"]},
    )
    assert edited.status_code == 200, edited.content
    assert (edited.json()["title"], edited.json()["paragraphs"]) == (
        "Border guard courses", offer_body["paragraphs"])  # fmt: skip
    publish = reverse("api:offer-publish", args=[offer_id])
    assert client.post(publish).status_code == 428
    published = client.post(publish, headers={"If-Match": edited["ETag"]})
    assert published.status_code == 200
    assert offer_id in _ids(api(tjk_focal).get(reverse("api:offer-list")))
    withdrawn = client.post(
        reverse("api:offer-withdraw", args=[offer_id]), headers={"If-Match": published["ETag"]}
    )
    assert withdrawn.json()["state"] == "withdrawn"
    again = client.post(publish, headers={"If-Match": withdrawn["ETag"]})
    assert again.status_code == 409
    assert again["Content-Type"] == PROBLEM
    assert Offer.objects.get().state == Offer.State.WITHDRAWN


def test_only_a_providers_members_make_and_change_its_offers(
    api, provider, tjk_focal, secretariat, unodc, cycle, offer_body
):
    offer = make_offer(unodc, cycle.declaration, provider)
    url = reverse("api:offer-detail", args=[offer.pk])

    assert api(tjk_focal).post(reverse("api:offer-list"), offer_body).status_code == 403
    assert api(secretariat).post(reverse("api:offer-list"), offer_body).status_code == 403
    other = api(provider).post(reverse("api:offer-list"), {**offer_body, "provider": "TJK"})
    assert other.status_code == 403
    changed = api(tjk_focal).patch(url, {"title": "Mine"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 403
    nothing = api(provider).post(reverse("api:offer-list"), {**offer_body, "paragraphs": []})
    assert nothing.status_code == 400
    assert Offer.objects.count() == 1 and Offer.objects.get().title == offer.title


def test_the_secretariat_matches_and_moves_and_both_sides_read_it(
    api, secretariat, provider, tjk_focal, kaz_focal, cycle, tajikistan, unodc
):
    need = state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED)
    offer = make_offer(unodc, cycle.declaration, provider)
    body = {"need": need.pk, "offer": offer.pk, "note": "Both agree"}

    assert api(provider).post(reverse("api:match-list"), body).status_code == 403
    created = api(secretariat).post(reverse("api:match-list"), body)

    assert created.status_code == 201, created.content
    match_id = created.json()["id"]
    assert (created.json()["participant"], created.json()["provider"]) == ("TJK", "UNODC")
    twice = api(secretariat).post(reverse("api:match-list"), body)
    assert twice.status_code == 409
    url = reverse("api:match-detail", args=[match_id])
    refused = api(provider).patch(url, {"state": "agreed"}, headers={"If-Match": '"1"'})
    assert refused.status_code == 403
    agreed = api(secretariat).patch(url, {"state": "agreed"}, headers={"If-Match": '"1"'})
    assert agreed.status_code == 200, agreed.content
    backwards = api(secretariat).patch(url, {"state": "proposed"}, headers={"If-Match": '"2"'})
    assert backwards.status_code == 409
    assert Match.objects.get().state == Match.State.AGREED
    assert _ids(api(tjk_focal).get(reverse("api:match-list"))) == {match_id}
    assert _ids(api(provider).get(reverse("api:match-list"))) == {match_id}
    assert _ids(api(kaz_focal).get(reverse("api:match-list"))) == set()
    assert api(kaz_focal).get(url).status_code == 404


def test_a_private_need_is_not_matched(api, secretariat, provider, tjk_focal, cycle, tajikistan,
                                       unodc):  # fmt: skip
    need = state_need(tajikistan, cycle, tjk_focal, 7, state=APPROVED, shareable=False)
    offer = make_offer(unodc, cycle.declaration, provider)

    response = api(secretariat).post(reverse("api:match-list"), {"need": need.pk,
                                                                 "offer": offer.pk})  # fmt: skip

    assert response.status_code == 409
    assert not Match.objects.exists()


def test_an_id_beyond_64_bits_is_a_400_not_a_server_error(api, provider, unodc, offer_body):
    body = {**offer_body, "themes": [2**70]}

    response = api(provider).post(reverse("api:offer-list"), body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/themes"
    assert not Offer.objects.exists()


def test_the_lists_cost_the_same_queries_whatever_their_length(
    api, provider, secretariat, tjk_focal, cycle, tajikistan, unodc, django_assert_num_queries
):
    for number in range(1, 6):
        need = state_need(tajikistan, cycle, tjk_focal, number, state=APPROVED)
        offer = make_offer(unodc, cycle.declaration, provider, (number, number + 1))
        offer.open_participants.set([tajikistan])
        Match.objects.create(need=need, offer=offer, created_by=secretariat,
                             updated_by=secretariat)  # fmt: skip
    client = api(provider)
    client.get(reverse("api:offer-list"))  # last_used_at is written on the first use

    # Each: the token with its user, the user's memberships, the page of records (with what
    # its columns name by code); the offers' paragraphs' and themes' ids and their open
    # participants' codes (a query of values each).
    for name, queries in [("api:offer-list", 6), ("api:need-list", 3), ("api:match-list", 3)]:
        with django_assert_num_queries(queries):
            response = client.get(reverse(name))
        assert len(response.json()["results"]) == 5, name


def test_the_offers_list_names_each_offers_links_as_the_offer_itself_does(
    api, provider, unodc, declaration, tajikistan, kazakhstan
):
    from declarations.models import Theme

    linked = make_offer(unodc, declaration, provider, (9, 3), title="Linked")
    linked.themes.set([Theme.objects.create(name=name, slug=name) for name in ("b", "a")])
    linked.open_participants.set([tajikistan, kazakhstan])
    make_offer(unodc, declaration, provider, (), title="Bare")
    client = api(provider)

    listed = client.get(reverse("api:offer-list")).json()["results"]

    offers = {offer["title"]: offer for offer in listed}
    assert offers["Linked"]["open_participants"] == ["KAZ", "TJK"]
    assert len(offers["Linked"]["themes"]) == 2 and len(offers["Linked"]["paragraphs"]) == 2
    assert offers["Bare"]["paragraphs"] == offers["Bare"]["themes"] == []
    for offer in listed:
        assert offer == client.get(reverse("api:offer-detail", args=[offer["id"]])).json()
