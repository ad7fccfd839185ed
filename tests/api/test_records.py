"""Reading through the API: each user sees what the pages show them, filtered as asked."""

import pytest
from django.urls import reverse

from tests.tracking.filings import file_action, rate
from tracking.models import Submission


def test_filters_narrow_the_actions_to_what_was_asked(api, tjk_focal, tajikistan, cycle):
    border = file_action(tajikistan, cycle, tjk_focal, title="Border", numbers=(3,))
    youth = file_action(tajikistan, cycle, tjk_focal, title="Youth", numbers=(7,),
                        status="completed")  # fmt: skip
    client, url = api(tjk_focal), reverse("api:action-list")

    def titles(**query):
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return sorted(a["title"] for a in response.json()["results"])

    assert titles() == ["Border", "Youth"]
    assert titles(status="completed") == ["Youth"]
    assert titles(number=3) == ["Border"]
    assert titles(paragraph=youth.paragraphs.get().pk) == ["Youth"]
    assert titles(participant="TJK", cycle=cycle.pk) == ["Border", "Youth"]
    assert titles(participant="KAZ") == []
    assert border.pk in [a["id"] for a in client.get(url, {"number": 3}).json()["results"]]


def test_a_filter_that_is_not_a_number_is_a_problem(api, tjk_focal):
    response = api(tjk_focal).get(reverse("api:action-list"), {"cycle": "x"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"pointer": "#/cycle", "detail": "Give a whole number."}]


@pytest.fixture
def small_pages(monkeypatch):
    from tracking.api import views

    monkeypatch.setattr(views.Pagination, "page_size", 2)


@pytest.mark.usefixtures("small_pages")
def test_small_pages_still_give_every_action_once(api, tjk_focal, tajikistan, cycle):
    for number in range(1, 6):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action {number}")
    client, seen, url = api(tjk_focal), [], reverse("api:action-list")

    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [a["title"] for a in page["results"]]
        url = page["next"]

    assert sorted(seen) == [f"Action {n}" for n in range(1, 6)]


@pytest.mark.usefixtures("small_pages")
def test_a_script_may_ask_for_larger_pages_up_to_a_thousand(api, tjk_focal, tajikistan, cycle):
    for number in range(1, 6):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action {number}")
    client, url = api(tjk_focal), reverse("api:action-list")

    assert len(client.get(url).json()["results"]) == 2
    assert len(client.get(url, {"page_size": 4}).json()["results"]) == 4
    whole = client.get(url, {"page_size": 5000}).json()
    assert len(whole["results"]) == 5
    assert whole["next"] is None


def test_the_secretariat_reads_submitted_records_but_no_drafts(
    api, secretariat, tjk_focal, kaz_focal, tajikistan, kazakhstan, cycle
):
    submitted = file_action(tajikistan, cycle, tjk_focal, title="Submitted",
                            state=Submission.State.SUBMITTED)  # fmt: skip
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh draft")
    rate(kazakhstan, cycle, kaz_focal, 1, "partially")
    client = api(secretariat)

    actions = client.get(reverse("api:action-list")).json()["results"]
    assessments = client.get(reverse("api:assessment-list")).json()["results"]
    participants = client.get(reverse("api:participant-list")).json()["results"]

    assert [a["id"] for a in actions] == [submitted.pk]
    assert assessments == []
    assert sorted(p["code"] for p in participants) == ["KAZ", "TJK"]


def test_a_declaration_comes_with_its_paragraphs(api, tjk_focal, declaration):
    response = api(tjk_focal).get(reverse("api:declaration-detail", args=["dushanbe"]))

    body = response.json()
    assert body["slug"] == "dushanbe"
    assert len(body["paragraphs"]) == 18
    assert body["paragraphs"][2]["number"] == 1 and body["paragraphs"][2]["kind"] == "operative"
    assert body["versions"] == [] and body["sections"] == []


def test_the_action_list_costs_the_same_queries_whatever_its_length(
    api, tjk_focal, tajikistan, cycle, django_assert_num_queries
):
    for number in range(1, 8):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action {number}", numbers=(1, 2))
    client = api(tjk_focal)
    client.get(reverse("api:action-list"))  # last_used_at is written on the first use

    # The token with its user, the user's memberships, the page of actions (with participant,
    # declaration and submission), their paragraphs' ids (one query of values).
    with django_assert_num_queries(4):
        response = client.get(reverse("api:action-list"))

    assert len(response.json()["results"]) == 7


@pytest.fixture
def tajik_records(tjk_action, tjk_focal, cycle):
    from tracking import services
    from tracking.models import Report

    update = services.progress_update_file(
        action=tjk_action, user=tjk_focal, date="2026-03-01", narrative="Drafted",
        status="planned", progress=5,
    )  # fmt: skip
    evidence = services.evidence_add(action=tjk_action, user=tjk_focal, title="Link", date=None,
                                     url="https://example.org/a")  # fmt: skip
    assessment = rate(tjk_action.participant, cycle, tjk_focal, 7, "partially")
    report = Report.objects.create(requested_by=tjk_focal, declaration=cycle.declaration,
                                   format="csv")  # fmt: skip
    return {
        "action-detail": tjk_action.pk,
        "update-detail": update.pk,
        "evidence-detail": evidence.pk,
        "evidence-download": evidence.pk,
        "assessment-detail": assessment.pk,
        "submission-detail": tjk_action.submission_id,
        "participant-detail": "TJK",
        "report-detail": report.pk,
        "report-download": report.pk,
    }


def test_another_participants_token_finds_none_of_its_records(api, tajik_records, kaz_focal,
                                                              tjk_viewer):  # fmt: skip
    theirs, viewer = api(kaz_focal), api(tjk_viewer)

    for name, key in tajik_records.items():
        url = reverse(f"api:{name}", args=[key])
        assert theirs.get(url).status_code == 404, name
        assert theirs.patch(url, {}, headers={"If-Match": "*"}).status_code in (404, 405), name
        assert theirs.delete(url, headers={"If-Match": "*"}).status_code in (404, 405), name
    # Tajikistan's viewer reads them (but its report, which is the focal point's own).
    readable = {n for n, k in tajik_records.items()
                if viewer.get(reverse(f"api:{n}", args=[k])).status_code == 200}  # fmt: skip
    unreadable = {"report-detail", "report-download", "evidence-download"}  # a link: no file
    assert readable == set(tajik_records) - unreadable


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1" * 30])
def test_a_number_filter_takes_only_plain_digits(api, tjk_focal, value):
    response = api(tjk_focal).get(reverse("api:action-list"), {"cycle": value})

    assert response.status_code == 400


def test_a_list_names_each_records_links_as_the_record_itself_does(
    api, secretariat, tjk_focal, kaz_focal, tajikistan, kazakhstan, cycle
):
    from declarations.models import Paragraph

    file_action(tajikistan, cycle, tjk_focal, title="Three", numbers=(9, 2, 5))
    file_action(tajikistan, cycle, tjk_focal, title="One", numbers=(4,))
    file_action(kazakhstan, cycle, kaz_focal, title="Theirs", numbers=(6, 1))
    client = api(tjk_focal)

    listed = client.get(reverse("api:action-list")).json()["results"]
    by_position = list(Paragraph.objects.filter(number__in=(2, 5, 9)).values_list("pk", flat=True))

    assert {a["title"]: a["paragraphs"] for a in listed}["Three"] == by_position
    for action in listed:
        alone = client.get(reverse("api:action-detail", args=[action["id"]])).json()
        assert action == alone
    participants = api(secretariat).get(reverse("api:participant-list")).json()["results"]
    assert [p["declarations"] for p in participants] == [["dushanbe"], ["dushanbe"]]
