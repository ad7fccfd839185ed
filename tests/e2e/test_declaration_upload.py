"""The secretariat uploads declarations in the browser; a real worker imports them."""

import re

import pytest
from playwright.sync_api import Page, expect

from declarations.importer import import_declaration
from declarations.models import Declaration, DeclarationImport, DeclarationVersion
from tests.conftest import PASSWORD
from tests.declarations.conftest import RUSSIAN, SEED

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_the_secretariat_uploads_a_declaration_and_sees_it_imported(
    page: Page, live_server, secretariat, celery_worker_process, tmp_path
):
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("secretariat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Declarations").click()
    page.get_by_role("link", name="Upload a declaration").click()

    malformed = tmp_path / "malformed.md"
    malformed.write_text(SEED.read_text().replace("7. *Reaffirm*", "8. *Reaffirm*"), "utf-8")
    page.get_by_label("Declaration file").set_input_files(malformed)
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_role("heading", name="Import of malformed.md")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "Line 81: Expected paragraph 7, found 8.", timeout=30_000
    )
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    assert not Declaration.objects.exists()

    page.get_by_role("link", name="Upload another declaration").click()
    page.get_by_label("Declaration file").set_input_files(SEED)
    page.get_by_role("button", name="Upload and import").click()

    declaration_link = page.get_by_role("link", name="Dushanbe Declaration")
    expect(declaration_link).to_be_visible(timeout=30_000)
    expect(page.get_by_label("Progress")).to_have_attribute("value", "100")
    declaration_link.click()

    expect(page).to_have_url(re.compile(r"/declarations/dushanbe/$"))
    expect(page.get_by_role("heading", name="Dushanbe Declaration", level=1)).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(16)
    page.get_by_text("Preamble (10 clauses)").click()
    expect(page.get_by_text("Taking into account", exact=True)).to_be_visible()


def test_the_status_page_updates_itself_without_reloading(page: Page, live_server, secretariat):
    job = DeclarationImport.objects.create(
        filename="slow.md", source_text="x", requested_by=secretariat
    )
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("secretariat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + job.get_absolute_url())
    expect(page.get_by_text("Queued")).to_be_visible()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    DeclarationImport.objects.filter(pk=job.pk).update(
        state=DeclarationImport.State.FAILED,
        progress=100,
        errors=[{"line": 3, "message": "Expected the title of the declaration in bold."}],
    )

    expect(page.get_by_role("alert")).to_contain_text("Line 3: Expected the title", timeout=10_000)
    assert navigations == []


def test_the_secretariat_uploads_a_russian_version_and_reads_it_side_by_side(
    page: Page, live_server, secretariat, celery_worker_process
):
    import_declaration(SEED.read_text(encoding="utf-8"), slug="dushanbe")
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("secretariat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/declarations/upload/")

    page.get_by_label("Declaration file").set_input_files(RUSSIAN)
    page.get_by_label("Slug").fill("dushanbe")
    page.get_by_label("Language version").select_option(label="Russian")
    page.get_by_role("group", name="The language version is").get_by_label("Official text").check()
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_text("Language version: Russian, official text")).to_be_visible()
    declaration_link = page.get_by_role("link", name="Dushanbe Declaration")
    expect(declaration_link).to_be_visible(timeout=30_000)
    declaration_link.click()

    expect(page).to_have_url(re.compile(r"/declarations/dushanbe/\?lang=ru$"))
    expect(page.get_by_role("heading", name="Душанбинская декларация", level=1)).to_be_visible()
    page.get_by_role("link", name="read side by side with English").click()
    paragraph_5 = page.get_by_role("article").filter(has=page.get_by_label("Paragraph 5"))
    expect(paragraph_5.locator('[lang="ru"]')).to_contain_text("вновь подтверждаем")
    expect(paragraph_5.locator('[lang="en"]')).to_contain_text("Reaffirm our commitment")
    assert DeclarationVersion.objects.get().status == DeclarationVersion.Status.OFFICIAL
