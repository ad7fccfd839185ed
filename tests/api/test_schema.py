"""The OpenAPI document and its interactive docs, served by the app itself."""

import re

from django.urls import reverse
from openapi_spec_validator import validate

SCHEMA = reverse("api:schema")
DOCS = reverse("api:docs")


def test_the_openapi_document_validates_and_covers_every_resource(client, db):
    response = client.get(SCHEMA)

    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for resource in ["declarations", "participants", "cycles", "submissions", "actions",
                     "updates", "evidence", "assessments", "reports", "needs", "offers",
                     "matches"]:  # fmt: skip
        assert f"/api/v1/{resource}/" in paths
    assert set(paths["/api/v1/actions/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/needs/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/matches/{id}/"]) == {"get", "patch"}
    assert "/api/v1/offers/{id}/publish/" in paths and "/api/v1/offers/{id}/withdraw/" in paths
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_load_only_the_apps_own_files(client, db):
    page = client.get(DOCS)

    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls, page.text
    assert all(url.startswith(("/static/", DOCS)) for url in urls), urls
    assert "<script>" not in page.text and "<style>" not in page.text  # the CSP allows neither


def test_the_docs_start_up_script_points_at_the_document(client, db):
    script = client.get(DOCS, {"script": ""})

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert SCHEMA in script.text


def test_the_kept_document_is_the_one_built_afresh_in_each_language_and_media_type(client, db):
    for language in ("en", "fr", "ar"):
        headers = {"accept-language": language}
        client.get(SCHEMA, headers=headers)  # built, and kept
        kept = client.get(SCHEMA, headers=headers)
        fresh = client.get(SCHEMA, {"lang": language}, headers=headers)  # a query string: built

        assert kept.status_code == fresh.status_code == 200
        assert kept.content == fresh.content
        assert kept["Content-Type"] == fresh["Content-Type"]
        assert kept["Content-Disposition"] == fresh["Content-Disposition"]
    english = client.get(SCHEMA, headers={"accept-language": "en"}).content
    assert client.get(SCHEMA, headers={"accept-language": "fr"}).content != english

    oai, json = "application/vnd.oai.openapi+json", "application/json"
    assert client.get(SCHEMA, headers={"accept": oai})["Content-Type"] == oai
    assert client.get(SCHEMA, headers={"accept": json})["Content-Type"] == json
    assert client.get(SCHEMA, headers={"accept": oai})["Content-Type"] == oai


def test_each_language_titles_the_fields_in_it_whichever_was_built_first(client, db):
    # The fields a serializer derives from its model are built once per language (and copied
    # for each use): English first must not leave French without its titles.
    client.get(SCHEMA, {"lang": "en"}, headers={"accept-language": "en"})
    french = client.get(SCHEMA, {"lang": "fr"}, headers={"accept-language": "fr"}).json()

    schemas = french["components"]["schemas"]
    assert schemas["PatchedActionEditRequest"]["properties"]["partners"]["title"] == "Partenaires"
    assert schemas["DeclarationDetail"]["properties"]["title"]["title"] == "Titre"
    assert "description" not in schemas["Action"]
