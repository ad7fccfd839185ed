"""Markup in anything a participant files is shown as text, never run, on every page that
shows it: the action with its history, the lists, the submission, the paragraph, the rating."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations.models import Paragraph
from tests.conftest import make_pdf
from tests.tracking.filings import rate_all
from tracking import services
from tracking.models import Action, Submission

SCRIPT = '<script>alert("x")</script>'
IMAGE = "<img src=x onerror=alert(1)>"
HOSTILE = f'{SCRIPT}{IMAGE}"><svg/onload=alert(1)>'


def _assert_shown_as_text(page: str) -> None:
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    for raw in (SCRIPT, IMAGE, "<svg/onload"):
        assert raw not in page


@pytest.fixture
def filed(client, cycle, tajikistan, tjk_focal, private_media) -> Action:
    """An action, an update, a link, a file and a rating, each filed through its form with
    markup in every text field (and in the file's name)."""
    client.force_login(tjk_focal)
    paragraph = Paragraph.objects.get(declaration=cycle.declaration, number=6)
    client.post(
        reverse("tracking:action_create"),
        {
            "participant": tajikistan.pk,
            "paragraphs": paragraph.pk,
            "title": f"Plan {HOSTILE}",
            "description": HOSTILE,
            "lead_institution": HOSTILE,
            "partners": HOSTILE,
            "start_date": "2026-02-01",
            "status": "planned",
            "progress": 0,
        },
    )
    action = Action.objects.get()
    client.post(
        reverse("tracking:action_edit", args=[action.pk]),
        {"paragraphs": paragraph.pk, "title": f"Edited {HOSTILE}", "description": HOSTILE,
         "lead_institution": HOSTILE, "partners": HOSTILE, "start_date": "2026-02-01",
         "status": "planned", "progress": 0, "version": action.version},
    )  # fmt: skip
    update = {"date": "2026-03-01", "narrative": HOSTILE, "status": "in_progress", "progress": 5}
    client.post(reverse("tracking:update_create", args=[action.pk]), update)
    evidence = reverse("tracking:evidence_create", args=[action.pk])
    link = {"title": HOSTILE, "url": f"https://example.org/?q={quote(HOSTILE)}", "date": ""}
    client.post(evidence, link)
    upload = SimpleUploadedFile(f"{IMAGE}.pdf", make_pdf(), content_type="application/pdf")
    client.post(evidence, {"title": "Memo", "date": "", "upload": upload})
    client.post(
        reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 6]),
        {"rating": "partially", "justification": HOSTILE, "version": 0},
    )
    action.refresh_from_db()
    assert action.title == f"Edited {HOSTILE}" and action.evidence.count() == 2
    assert action.submission.assessments.get().justification == HOSTILE
    return action


def test_every_page_that_shows_filed_markup_shows_it_as_text(client, filed, cycle):
    pages = [
        filed.get_absolute_url(),
        reverse("tracking:actions"),
        reverse("tracking:submission", args=["TJK", cycle.pk]),
        reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 6]),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_shown_as_text(response.text)
    # The paragraph page counts the actions and shows none of their text.
    paragraph_page = client.get(reverse("declarations:paragraph", args=[cycle.declaration.slug, 6]))
    assert "See the 1 action on this paragraph" in paragraph_page.text
    for raw in (SCRIPT, IMAGE, "<svg/onload"):
        assert raw not in paragraph_page.text
    action_page = client.get(filed.get_absolute_url()).text
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in action_page  # the file's name


def test_a_coordinators_comment_is_shown_as_text(client, filed, cycle, tjk_focal, tjk_coordinator):
    submission = rate_all(filed.submission)
    submission = services.submission_submit(
        submission=submission, version=submission.version, user=tjk_focal
    )
    client.force_login(tjk_coordinator)
    client.post(
        reverse("tracking:submission_review", args=["TJK", cycle.pk]),
        {"decision": "return", "comment": HOSTILE, "version": submission.version},
    )
    assert Submission.objects.get().review_comment == HOSTILE
    client.force_login(tjk_focal)

    for url in (reverse("tracking:submission", args=["TJK", cycle.pk]), reverse("home")):
        _assert_shown_as_text(client.get(url).text)
