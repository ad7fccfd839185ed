"""The secretariat's participant page is kept in the cache until what it shows changes: every
such change shows on the next view. Its members' pages, with drafts, are built afresh."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.tracking.filings import rate, rate_all
from tracking import services
from tracking.models import Submission, User

URL = reverse("tracking:participant", args=["TJK"])


def _op1(html: str) -> str:
    """The row of operative paragraph 1 in the ratings table."""
    return html.split("OP1 <span", 1)[1].split("</tr>", 1)[0]


@pytest.fixture
def as_secretariat(client, secretariat):
    client.force_login(secretariat)
    return client


def test_a_submission_or_a_return_shows_on_the_next_view(
    as_secretariat, cycle, tajikistan, tjk_focal, tjk_coordinator
):
    draft = rate_all(tajikistan, cycle, tjk_focal, rating="partially")
    assert "Partially implemented" not in _op1(as_secretariat.get(URL).text)

    services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    assert "Partially implemented" in _op1(as_secretariat.get(URL).text)

    submitted = Submission.objects.get(pk=draft.pk)
    services.submission_return(
        submission=submitted, version=submitted.version, user=tjk_coordinator, comment="More."
    )
    assert "Partially implemented" not in _op1(as_secretariat.get(URL).text)


def test_a_renamed_participant_and_cycle_show_on_the_next_view(as_secretariat, cycle, tajikistan):
    as_secretariat.get(URL)
    tajikistan.name = "Republic of Tajikistan"
    tajikistan.save()
    cycle.name = "2026 (extended)"
    cycle.save()

    html = as_secretariat.get(URL).text

    assert "<h1>Republic of Tajikistan" in html and "2026 (extended)" in html


def test_a_paragraphs_verb_changed_in_the_admin_shows_on_the_next_view(
    as_secretariat, cycle, declaration, tajikistan
):
    paragraph = declaration.paragraphs.get(number=1)
    assert f'class="muted">{paragraph.verb}</span>' in _op1(as_secretariat.get(URL).text)
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))
    data = {"verb": "Deem", "section": "", "themes": [], "references": []}
    change = reverse("admin:declarations_paragraph_change", args=[paragraph.pk])
    assert admin.post(change, data).status_code == 302

    assert 'class="muted">Deem</span>' in _op1(as_secretariat.get(URL).text)


def test_the_secretariat_gets_the_page_kept_in_one_query(
    as_secretariat, cycle, tajikistan, tjk_focal, django_assert_num_queries
):
    rate(tajikistan, cycle, tjk_focal, 1, "fully", state=Submission.State.SUBMITTED)
    first = as_secretariat.get(URL).text
    # session, user, memberships, the participant, the version of what the page shows
    with django_assert_num_queries(5):
        again = as_secretariat.get(URL).text

    assert "Fully implemented" in _op1(first) and "Fully implemented" in _op1(again)


def test_a_member_sees_a_draft_rating_at_once(client, cycle, tajikistan, tjk_focal):
    client.force_login(tjk_focal)
    assert "Fully implemented" not in _op1(client.get(URL).text)

    rate(tajikistan, cycle, tjk_focal, 1, "fully")

    assert "Fully implemented" in _op1(client.get(URL).text)
