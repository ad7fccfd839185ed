"""Two writers of one record: ETag on every record, If-Match on every change."""

from django.urls import reverse

from tracking.models import Action


def _url(action):
    return reverse("api:action-detail", args=[action.pk])


def test_every_record_carries_its_version_as_etag(api, tjk_focal, tjk_action):
    response = api(tjk_focal).get(_url(tjk_action))

    assert response["ETag"] == f'"{tjk_action.version}"'


def test_a_change_without_if_match_is_refused_with_428(api, tjk_focal, tjk_action):
    client = api(tjk_focal)

    patch = client.patch(_url(tjk_action), {"title": "Renamed"})
    delete = client.delete(_url(tjk_action))

    assert (patch.status_code, delete.status_code) == (428, 428)
    assert patch["Content-Type"] == "application/problem+json"
    assert "If-Match" in patch.json()["detail"]
    assert Action.objects.get().title.startswith("National strategy")


def test_a_stale_if_match_gets_412_with_the_current_record(api, tjk_focal, tjk_coordinator,
                                                           tjk_action):  # fmt: skip
    mine, theirs = api(tjk_focal), api(tjk_coordinator)
    read = mine.get(_url(tjk_action))["ETag"]
    assert (
        theirs.patch(_url(tjk_action), {"progress": 50}, headers={"If-Match": read}).status_code
        == 200
    )

    response = mine.patch(_url(tjk_action), {"title": "Mine"}, headers={"If-Match": read})

    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    problem = response.json()
    assert problem["current"]["progress"] == 50 and problem["current"]["version"] == 2
    assert Action.objects.get().title.startswith("National strategy")  # nothing overwritten
    again = mine.patch(_url(tjk_action), {"title": "Mine"}, headers={"If-Match": '"2"'})
    assert again.status_code == 200
    assert (again.json()["title"], again.json()["progress"], again["ETag"]) == ("Mine", 50, '"3"')


def test_a_patch_changes_only_what_it_sends(api, tjk_focal, tjk_action):
    response = api(tjk_focal).patch(
        _url(tjk_action), {"description": "Adopted by decree"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200, response.content
    tjk_action.refresh_from_db()
    assert tjk_action.description == "Adopted by decree"
    assert (tjk_action.title, tjk_action.progress) == (
        "National strategy on countering terrorism financing",
        10,
    )
    changes = tjk_action.history.first().diff_against(tjk_action.history.last()).changed_fields
    assert set(changes) == {"description", "version"}


def test_evidence_without_a_version_has_an_etag_of_its_content(api, tjk_focal, tjk_action):
    from tracking import services

    evidence = services.evidence_add(action=tjk_action, user=tjk_focal, title="Link", date=None,
                                     url="https://example.org/a")  # fmt: skip
    client = api(tjk_focal)
    url = reverse("api:evidence-detail", args=[evidence.pk])
    tag = client.get(url)["ETag"]

    assert client.delete(url, headers={"If-Match": '"other"'}).status_code == 412
    assert client.delete(url, headers={"If-Match": tag}).status_code == 204
