"""Idempotency-Key on the POSTs that create: a retry with the same key answers the first answer
and creates nothing more; the same key with another request is refused (422)."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from tests.conftest import make_pdf
from tracking.models import Action, Assessment, Evidence, ProgressUpdate, Report

PROBLEM = "application/problem+json"
KEY = {"Idempotency-Key": "a0c3a43c-retry-1"}
PDF = make_pdf()  # once: each PDF made carries its own creation time


def _action(paragraph):
    return {
        "participant": "TJK",
        "paragraphs": [paragraph.pk],
        "title": "Intelligence unit",
        "lead_institution": "Ministry of Finance",
        "status": "planned",
        "progress": 0,
    }


# Each creating POST: (route, its body given the action, the model it creates, multipart?).
CREATES = {
    "action": ("api:action-list", lambda a, c: _action(a.paragraphs.get()), Action, False),
    "update": ("api:update-list", lambda a, c: {"action": a.pk, "date": "2026-03-01",
               "narrative": "Law drafted", "status": "delayed", "progress": 30},
               ProgressUpdate, False),
    "evidence": ("api:evidence-list", lambda a, c: {"action": a.pk, "title": "Decree",
                 "file": SimpleUploadedFile("decree.pdf", PDF)}, Evidence, True),
    "assessment": ("api:assessment-list", lambda a, c: {"participant": "TJK", "cycle": c.pk,
                   "number": 6, "rating": "partially"}, Assessment, False),
    "report": ("api:report-list", lambda a, c: {"declaration": "dushanbe", "cycle": c.pk,
               "participants": ["TJK"], "format": "csv", "table": "actions"}, Report, False),
}  # fmt: skip


def _post(client, name, action, cycle, headers, **changed):
    route, body, _model, multipart = CREATES[name]
    data = body(action, cycle) | changed
    return client.post(reverse(route), data, headers=headers,
                       **({"content_type": None} if multipart else {}))  # fmt: skip


@pytest.mark.parametrize("name", CREATES)
def test_a_retried_post_answers_the_first_answer_and_creates_once(
    api, tjk_focal, tjk_action, cycle, private_media, name
):
    client = api(tjk_focal)
    model = CREATES[name][2]
    before = model.objects.count()

    first = _post(client, name, tjk_action, cycle, KEY)
    again = _post(client, name, tjk_action, cycle, KEY)

    assert first.status_code in (201, 202), first.content
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["ETag"] == first["ETag"]
    assert again.get("Location") == first.get("Location")
    assert model.objects.count() == before + 1


@pytest.mark.parametrize("name", CREATES)
def test_the_same_key_with_another_request_is_a_422_problem(
    api, tjk_focal, tjk_action, cycle, private_media, name
):
    client = api(tjk_focal)
    model = CREATES[name][2]
    other = {
        "report": {"format": "xlsx"},
        "assessment": {"rating": "not_started"},
        "action": {"title": "Another"},
        "update": {"progress": 31},
        "evidence": {"file": SimpleUploadedFile("decree.pdf", make_pdf("Other"))},
    }[name]
    assert _post(client, name, tjk_action, cycle, KEY).status_code in (201, 202)
    count = model.objects.count()

    response = _post(client, name, tjk_action, cycle, KEY, **other)

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert "Idempotency-Key" in response.json()["detail"]
    assert model.objects.count() == count


def test_without_a_key_each_post_creates(api, tjk_focal, tjk_action):
    client = api(tjk_focal)

    for _ in range(2):
        assert _post(client, "update", tjk_action, None, {}).status_code == 201

    assert ProgressUpdate.objects.count() == 2


def test_keys_belong_to_their_user(api, tjk_focal, tjk_coordinator, tjk_action):
    for user in (tjk_focal, tjk_coordinator):
        response = _post(api(user), "update", tjk_action, None, KEY)
        assert response.status_code == 201, response.content

    assert ProgressUpdate.objects.count() == 2


def test_a_refused_post_keeps_its_key_usable(api, tjk_focal, tjk_action):
    client = api(tjk_focal)

    refused = _post(client, "update", tjk_action, None, KEY, progress=150)
    accepted = _post(client, "update", tjk_action, None, KEY)

    assert (refused.status_code, accepted.status_code) == (400, 201)
    assert ProgressUpdate.objects.get().progress == 30


@pytest.mark.parametrize("key", ["", "k" * 256, "clé", "a\tb"])
def test_a_malformed_key_is_a_400_problem(api, tjk_focal, tjk_action, key):
    response = _post(api(tjk_focal), "update", tjk_action, None, {"Idempotency-Key": key})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_create_one_action(api, tjk_focal, tjk_action):
    clients = [api(tjk_focal), api(tjk_focal)]
    start = threading.Barrier(2)
    answers = []

    def send(client) -> None:
        start.wait()
        try:
            answers.append(_post(client, "action", tjk_action, None, KEY))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Action.objects.count() == 2  # tjk_action and the one created


def test_the_openapi_document_describes_the_key_on_every_create(client, db):
    paths = client.get(reverse("api:schema")).json()["paths"]

    for resource in ("actions", "updates", "evidence", "assessments", "reports"):
        post = paths[f"/api/v1/{resource}/"]["post"]
        assert "Idempotency-Key" in [p["name"] for p in post["parameters"] if p["in"] == "header"]
        assert "422" in post["responses"]
