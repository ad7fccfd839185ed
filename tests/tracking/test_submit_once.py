"""Every create form is safe to send twice: a double click or a retry saves one row."""

import re
import threading
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from declarations.models import DeclarationImport
from tests.declarations.conftest import SEED
from tracking.models import Action, Evidence, ProgressUpdate, Report
from tracking.tasks import build_report


def token_of(page: str) -> str:
    """The one-time token the page's form carries."""
    return re.search(r'name="form_token" value="([0-9a-f-]{36})"', page).group(1)


def action_form(declaration, tajikistan, token: str) -> dict:
    return {
        "form_token": token,
        "participant": tajikistan.pk,
        "paragraphs": [declaration.paragraphs.get(number=6).pk],
        "title": "Financial intelligence unit training",
        "description": "Training for analysts.",
        "lead_institution": "National Bank",
        "start_date": "2026-02-01",
        "end_date": "2026-06-30",
        "status": "planned",
        "progress": "0",
    }


@pytest.fixture
def focal_client(client, tjk_focal):
    client.force_login(tjk_focal)
    return client


def test_the_new_action_form_sent_twice_saves_one_action(
    focal_client, cycle, declaration, tajikistan
):
    url = reverse("tracking:action_create")
    data = action_form(declaration, tajikistan, token_of(focal_client.get(url).text))

    first = focal_client.post(url, data)
    again = focal_client.post(url, data, follow=True)

    action = Action.objects.get()
    assert first.url == action.get_absolute_url()
    assert again.redirect_chain == [(action.get_absolute_url(), 302)]
    assert "This form had already been sent" in again.text


def test_each_page_issues_a_new_token(focal_client, cycle):
    url = reverse("tracking:action_create")

    assert token_of(focal_client.get(url).text) != token_of(focal_client.get(url).text)


def test_an_update_and_evidence_sent_twice_are_filed_once(focal_client, tjk_action, private_media):
    page = focal_client.get(reverse("tracking:update_create", args=[tjk_action.pk])).text
    update = {"form_token": token_of(page), "date": "2026-03-01", "narrative": "Trained 12."}
    update |= {"status": "in_progress", "progress": "40"}
    page = focal_client.get(reverse("tracking:evidence_create", args=[tjk_action.pk])).text
    evidence = {"form_token": token_of(page), "title": "Decree", "date": "2026-03-01"}

    for _ in range(2):
        focal_client.post(reverse("tracking:update_create", args=[tjk_action.pk]), update)
        evidence["upload"] = SimpleUploadedFile("decree.txt", b"Decree No. 6 of 2026.\n")
        focal_client.post(reverse("tracking:evidence_create", args=[tjk_action.pk]), evidence)

    assert ProgressUpdate.objects.count() == 1
    assert Evidence.objects.count() == 1
    assert len([p for p in private_media.rglob("*") if p.is_file()]) == 1


def test_a_report_request_sent_twice_queues_one_report(
    focal_client, cycle, declaration, tajikistan, monkeypatch
):
    monkeypatch.setattr(build_report, "apply_async", lambda *args, **kwargs: None)
    url = reverse("tracking:report_request")
    data = {"form_token": token_of(focal_client.get(url).text), "declaration": declaration.pk}
    data |= {"cycle": cycle.pk, "format": "pdf", "participants": [tajikistan.pk]}

    responses = [focal_client.post(url, data) for _ in range(2)]

    assert Report.objects.count() == 1
    assert [r.url for r in responses] == [reverse("tracking:reports")] * 2


def test_a_declaration_upload_sent_twice_makes_one_import(client, secretariat, monkeypatch):
    from declarations import tasks

    monkeypatch.setattr(tasks.declaration_import_task, "delay", lambda pk: None)
    client.force_login(secretariat)
    url = reverse("declarations:upload")
    token = token_of(client.get(url).text)

    for _ in range(2):
        upload = SimpleUploadedFile("declaration.md", SEED.read_bytes())
        response = client.post(url, {"form_token": token, "file": upload})

    job = DeclarationImport.objects.get()
    assert response.url == job.get_absolute_url()


def test_someone_elses_token_is_refused(client, focal_client, cycle, declaration, tajikistan):
    url = reverse("tracking:action_create")
    data = action_form(declaration, tajikistan, token_of(focal_client.get(url).text))
    focal_client.post(url, data)
    from tracking.models import Membership, User

    colleague = User.objects.create_user("colleague")
    Membership.objects.create(user=colleague, participant=tajikistan, role="focal_point")
    other = Client()
    other.force_login(colleague)

    assert other.post(url, data).status_code == 403
    assert Action.objects.count() == 1


def test_a_form_refused_by_validation_keeps_its_token_usable(
    focal_client, cycle, declaration, tajikistan
):
    url = reverse("tracking:action_create")
    data = action_form(declaration, tajikistan, token_of(focal_client.get(url).text))

    refused = focal_client.post(url, {**data, "title": ""})
    accepted = focal_client.post(url, data)

    assert token_of(refused.text) == data["form_token"]
    assert accepted.status_code == 302
    assert Action.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_save_one_action(cycle, declaration, tajikistan, tjk_focal):
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(tjk_focal)
    url = reverse("tracking:action_create")
    data = action_form(declaration, tajikistan, token_of(clients[0].get(url).text))
    start = threading.Barrier(2)
    answers = []

    def send(each: Client) -> None:
        start.wait()
        try:
            answers.append(each.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    action = Action.objects.get()
    assert sorted(a.status_code for a in answers) == [302, 302]
    assert {a.url for a in answers} == {action.get_absolute_url()}


def test_every_page_loads_the_script_that_disables_a_sent_forms_buttons(focal_client, cycle):
    page = focal_client.get(reverse("tracking:action_create")).text

    assert '<script src="/static/js/submit-once.js" defer></script>' in page
    script = Path(finders.find("js/submit-once.js")).read_text()
    assert "button.disabled = true" in script
