"""The secretariat's completeness page keeps its counts and table in the cache until what they
show changes: a draft started, a submission, a return, an approval, a chase, a renamed
participant or chaser, a new day each show on the next view; the chase forms carry the
request's own token."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tracking import services
from tracking.models import Chase, Participant, Submission

from .filings import rate_all, submission

COMPLETENESS = reverse("tracking:completeness")


def _row(html: str, participant: str) -> str:
    return re.search(rf"<td\s*>{participant}</td>(.*?)</tr>", html, re.S).group(1)


def _state(html: str, participant: str) -> str:
    return re.search(r'<span class="badge">([^<]*)</span>', _row(html, participant)).group(1)


def test_a_draft_a_submission_a_return_and_an_approval_show_on_the_next_view(
    client, cycle, tajikistan, kazakhstan, tjk_focal, tjk_coordinator, secretariat
):
    client.force_login(secretariat)
    assert _state(client.get(COMPLETENESS).text, "Tajikistan") == "No submission"

    draft = rate_all(submission(tajikistan, cycle))
    html = client.get(COMPLETENESS).text
    assert _state(html, "Tajikistan") == "Draft"
    assert "<dt>Draft</dt><dd>1</dd>" in html

    submitted = services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    assert _state(client.get(COMPLETENESS).text, "Tajikistan") == "Submitted"

    returned = services.submission_return(
        submission=submitted, version=submitted.version, user=tjk_coordinator, comment="More."
    )
    assert _state(client.get(COMPLETENESS).text, "Tajikistan") == "Draft"

    again = services.submission_submit(
        submission=returned, version=returned.version, user=tjk_focal
    )
    services.submission_approve(submission=again, version=again.version, user=tjk_coordinator)
    html = client.get(COMPLETENESS).text
    assert _state(html, "Tajikistan") == "Approved"
    assert "<dt>Approved</dt><dd>1</dd>" in html


def test_a_renamed_participant_shows_on_the_next_view(client, cycle, tajikistan, secretariat):
    client.force_login(secretariat)
    client.get(COMPLETENESS)

    tajikistan.name = "Republic of Tajikistan"
    tajikistan.save()

    assert "Republic of Tajikistan" in client.get(COMPLETENESS).text


@pytest.mark.usefixtures("mail_tasks_run_at_once", "addresses")
def test_a_chase_and_its_renamed_chaser_show_on_the_next_view(
    client, cycle, tajikistan, tjk_focal, secretariat, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    assert "Chase<" in _row(client.get(COMPLETENESS).text, "Tajikistan")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracking:participant_chase", args=[cycle.pk, "TJK"]))
    row = _row(client.get(COMPLETENESS).text, "Tajikistan")
    assert "by Sara Secretariat" in row
    assert "Chase<" not in row

    secretariat.first_name = "Sarah"
    secretariat.save()
    assert "by Sarah Secretariat" in _row(client.get(COMPLETENESS).text, "Tajikistan")


def test_a_participant_chased_today_is_offered_again_tomorrow(
    client, cycle, tajikistan, secretariat, monkeypatch
):
    now = timezone.now()
    Chase.objects.create(cycle=cycle, participant=tajikistan, by=secretariat, at=now,
                         on=timezone.localdate(now))  # fmt: skip
    client.force_login(secretariat)
    assert "Chase<" not in _row(client.get(COMPLETENESS).text, "Tajikistan")

    today = timezone.localdate

    def tomorrow(value=None, timezone=None):
        return today(value, timezone) if value else today() + timedelta(days=1)

    monkeypatch.setattr("django.utils.timezone.localdate", tomorrow)

    assert "Chase<" in _row(client.get(COMPLETENESS).text, "Tajikistan")


def test_each_view_s_chase_forms_carry_a_token_that_is_valid(
    client, cycle, tajikistan, kazakhstan, secretariat
):
    client.force_login(secretariat)
    client.get(COMPLETENESS)
    html = client.get(COMPLETENESS).text

    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', _row(html, "Tajikistan"))
    assert len(tokens) == 1
    assert "\x00" not in html
    # The token of this request, as the table gives every form of a page.
    assert tokens == re.findall(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', _row(html, "Kazakhstan")
    )
    strict = client.__class__(enforce_csrf_checks=True)
    strict.force_login(secretariat)
    page = strict.get(COMPLETENESS).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _row(page, "Tajikistan"))
    chase = reverse("tracking:participant_chase", args=[cycle.pk, "TJK"])
    response = strict.post(chase, {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302


@pytest.mark.parametrize("rows", [1, 30])
def test_from_the_cache_the_page_reads_the_cycles_the_chases_and_the_version(
    rows, client, cycle, declaration, secretariat, django_assert_num_queries
):
    for i in range(rows):
        participant = Participant.objects.create(code=f"P{i:02}", name=f"State {i:02}")
        participant.declarations.add(declaration)
        submission(participant, cycle, Submission.State.SUBMITTED)
    client.force_login(secretariat)
    first = client.get(COMPLETENESS)

    # session, user, the cycles (form and default), memberships (header), the chases of the
    # cycle with their chasers, the version of the declaration's records.
    with django_assert_num_queries(6):
        again = client.get(COMPLETENESS)
    table = 'class="grid card"'
    assert again.text[again.text.index(table) :] == first.text[first.text.index(table) :]
