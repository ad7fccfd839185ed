"""Every error under /api/ is a problem document, also those Django answers itself: an unknown
address, a method no view takes, a malformed or oversized body, a CSRF failure, a server
error. The pages keep their HTML error pages."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tracking.models import Action

PROBLEM = "application/problem+json"


def _assert_problem(response, status: int, instance: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["type"], problem["status"], problem["instance"]) == (
        "about:blank",
        status,
        instance,
    )
    assert problem["title"] and problem["detail"]
    if response.has_header("Content-Length"):
        assert int(response["Content-Length"]) == len(response.content)
    return problem


@pytest.mark.parametrize("path", ["/api/", "/api/v1/nothing-here/", "/api/v1/actions/x/y/"])
def test_an_unknown_address_is_a_404_problem(api, tjk_focal, path):
    for client in (api(), api(tjk_focal)):
        problem = _assert_problem(client.get(path), 404, path)
        assert problem["title"] == "Not Found"


def test_a_404_problem_speaks_the_requests_language(api):
    response = api().get("/api/v1/nothing-here/?q=1", headers={"Accept-Language": "fr"})

    problem = _assert_problem(response, 404, "/api/v1/nothing-here/?q=1")
    assert problem["detail"] == "Non trouvé."
    assert response["Content-Language"] == "fr"


def test_an_unknown_page_is_still_an_html_page(client, tjk_focal):
    client.force_login(tjk_focal)

    response = client.get("/tracking/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Page not found" in response.text


def test_a_method_drf_does_not_take_keeps_its_allow_header(api, tjk_focal, tjk_action):
    url = reverse("api:action-detail", args=[tjk_action.pk])
    client = api(tjk_focal)

    response = client.client.put(url, {}, content_type="application/json", headers=client.headers)

    _assert_problem(response, 405, url)
    assert "PATCH" in response["Allow"]


@pytest.mark.urls("tests.api.failing_urls")
def test_a_method_django_refuses_is_a_405_problem(api):
    response = api().post("/api/v1/get-only/", {})

    problem = _assert_problem(response, 405, "/api/v1/get-only/")
    assert problem["detail"] == 'Method "POST" not allowed.'
    assert response["Allow"] == "GET"


def test_a_form_body_with_too_many_fields_is_a_400_problem(api, tjk_focal, cycle, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = "&".join(f"f{i}=x" for i in range(20))

    response = api(tjk_focal).post(
        reverse("api:action-list"), fields, content_type="application/x-www-form-urlencoded"
    )

    _assert_problem(response, 400, reverse("api:action-list"))
    assert not Action.objects.exists()


@pytest.mark.parametrize("kind", ["json", "form", "multipart"])
def test_a_body_over_the_limit_is_a_413_problem(api, tjk_focal, cycle, settings, kind):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    title = "x" * 2000
    url = reverse("api:action-list")
    client = api(tjk_focal)
    if kind == "json":
        response = client.post(url, {"participant": "TJK", "title": title})
    elif kind == "form":
        response = client.post(
            url, f"participant=TJK&title={title}", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post(url, {"participant": "TJK", "title": title}, content_type=None)

    problem = _assert_problem(response, 413, url)
    assert "1000\xa0bytes" in problem["detail"]
    assert not Action.objects.exists()


def test_an_upload_beyond_every_limit_is_refused_before_it_is_read(
    api, tjk_focal, tjk_action, settings, private_media
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 2000
    url = reverse("api:evidence-list")
    upload = SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 " + b"x" * 5000)

    response = api(tjk_focal).post(
        url, {"action": tjk_action.pk, "title": "Decree", "file": upload}, content_type=None
    )

    _assert_problem(response, 413, url)
    assert not tjk_action.evidence.exists()


def test_a_session_write_without_the_csrf_token_is_a_403_problem_in_french(tjk_focal, cycle):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(tjk_focal)
    url = reverse("api:action-list")

    response = browser.post(url, {"participant": "TJK"}, content_type="application/json",
                            headers={"Accept-Language": "fr"})  # fmt: skip

    problem = _assert_problem(response, 403, url)
    with translation.override("fr"):
        expected = gettext("CSRF verification failed. Request aborted.")
    assert expected != "CSRF verification failed. Request aborted."
    # The title from our catalog (Django's own says "Interdit"), the detail from Django's.
    assert (problem["title"], problem["detail"]) == ("Accès interdit", expected)
    assert not Action.objects.exists()


@pytest.mark.urls("tests.api.failing_urls")
def test_a_server_error_is_a_500_problem_that_reveals_nothing_and_is_logged(api, caplog):
    client = api()
    client.client.raise_request_exception = False

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/failing/")

    problem = _assert_problem(response, 500, "/api/v1/failing/")
    assert problem["detail"] == "A server error occurred."
    assert "secret" not in response.text and "RuntimeError" not in response.text
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and "secret detail of the failure" in str(logged[0].exc_info[1])


@pytest.mark.urls("tests.api.failing_urls")
def test_a_server_error_on_a_page_is_still_the_html_page(client):
    client.raise_request_exception = False

    response = client.get("/tracking/failing/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "Something went wrong on our side" in response.text
