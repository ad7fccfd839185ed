"""Every URL against every kind of user: login, 404 for strangers, 403 for read-only.

A test walks the URL resolver: a URL of ours that is in none of these lists fails it.
"""

from urllib.parse import urlparse
from uuid import uuid4

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, resolve, reverse

from declarations.models import DeclarationImport
from tests.conftest import make_pdf, new_cycle
from tests.tracking.filings import make_offer, rate, state_need
from tracking import services
from tracking.api.authentication import token_create
from tracking.models import Evidence, Match, Report, Submission, WorkbookImport


@pytest.fixture
def records(tjk_action, tjk_focal, private_media, kazakhstan, kaz_focal, unodc, provider,
            secretariat):  # fmt: skip
    evidence = services.evidence_add(
        action=tjk_action,
        user=tjk_focal,
        title="Decree",
        date=None,
        upload=SimpleUploadedFile("decree.pdf", make_pdf()),
        extension="pdf",
        content_type="application/pdf",
    )
    submission = tjk_action.submission
    # A ready report of Tajikistan's focal point (it may hold drafts) and a declaration import.
    report = Report.objects.create(
        requested_by=tjk_focal,
        declaration=submission.cycle.declaration,
        format=Report.Format.CSV,
        table=Report.Table.ACTIONS,
        state=Report.State.SUCCEEDED,
    )
    report.file.save("actions.csv", ContentFile(b"title\n"))
    job = DeclarationImport.objects.create(filename="declaration.txt", source_text="Text")
    update = services.progress_update_file(
        action=tjk_action, user=tjk_focal, date="2026-03-01", narrative="Drafted",
        status="in_progress", progress=20,
    )  # fmt: skip
    assessment = rate(submission.participant, submission.cycle, tjk_focal, 7, "partially")
    token, _secret = token_create(user=tjk_focal, name="A script")
    workbook_import = WorkbookImport.objects.create(
        submission=submission, requested_by=tjk_focal, token=uuid4(), fingerprint="0" * 64,
        state=WorkbookImport.State.APPLIED,
    )  # fmt: skip
    # Technical assistance: a need in Tajikistan's draft; UNODC's published and draft offers;
    # a match of the published one with a shared need of Kazakhstan's approved 2025 report.
    need = state_need(submission.participant, submission.cycle, tjk_focal, 7)
    offer = make_offer(unodc, submission.cycle.declaration, provider)
    draft_offer = make_offer(unodc, submission.cycle.declaration, provider, state="draft")
    closed = new_cycle(submission.cycle.declaration, 2025, state="closed")
    shared = state_need(kazakhstan, closed, kaz_focal, 7, state=Submission.State.APPROVED)
    match = Match.objects.create(need=shared, offer=offer, created_by=secretariat,
                                 updated_by=secretariat)  # fmt: skip
    return {
        "workbook_import": workbook_import,
        "need": need,
        "offer": offer,
        "draft_offer": draft_offer,
        "shared_need": shared,
        "match": match,
        "update": update,
        "assessment": assessment,
        "token": token,
        "action": tjk_action,
        "evidence": evidence,
        "submission": submission,
        "cycle": submission.cycle,
        "report": report,
        "import": job,
    }


def _submission_args(r):
    return [r["submission"].participant.code, r["submission"].cycle_id]


# (name, method, url): reads first, then writes.
READS = [
    ("action", "get", lambda r: reverse("tracking:action", args=[r["action"].pk])),
    (
        "evidence_download",
        "get",
        lambda r: reverse("tracking:evidence_download", args=[r["evidence"].pk]),
    ),
    ("submission", "get", lambda r: reverse("tracking:submission", args=_submission_args(r))),
    ("participant", "get", lambda r: reverse("tracking:participant", args=["TJK"])),
    (
        "workbook_download",
        "get",
        lambda r: reverse("tracking:workbook_download", args=_submission_args(r)),
    ),
]
# Pages the secretariat opens for any participant: they show only what was submitted.
SEALED_ONLY = {"participant"}
WRITES = [
    ("action_edit", "get", lambda r: reverse("tracking:action_edit", args=[r["action"].pk])),
    ("update_create", "post", lambda r: reverse("tracking:update_create", args=[r["action"].pk])),
    (
        "evidence_create",
        "post",
        lambda r: reverse("tracking:evidence_create", args=[r["action"].pk]),
    ),
    (
        "evidence_delete",
        "get",
        lambda r: reverse("tracking:evidence_delete", args=[r["evidence"].pk]),
    ),
    (
        "assessment_edit",
        "get",
        lambda r: reverse("tracking:assessment_edit", args=[*_submission_args(r), 6]),
    ),
    (
        "submission_submit",
        "post",
        lambda r: reverse("tracking:submission_submit", args=_submission_args(r)),
    ),
    (
        "submission_review",
        "post",
        lambda r: reverse("tracking:submission_review", args=_submission_args(r)),
    ),
    # Needs for technical assistance, stated in the draft like ratings.
    (
        "need_create",
        "get",
        lambda r: reverse("tracking:need_create", args=_submission_args(r)),
    ),
    ("need_edit", "get", lambda r: reverse("tracking:need_edit", args=[r["need"].pk])),
    ("need_delete", "get", lambda r: reverse("tracking:need_delete", args=[r["need"].pk])),
    # Offline filing: uploading a workbook to preview it, and applying it.
    (
        "workbook_preview",
        "post",
        lambda r: reverse("tracking:workbook_preview", args=_submission_args(r)),
    ),
    (
        "workbook_apply",
        "post",
        lambda r: reverse("tracking:workbook_apply", args=_submission_args(r)),
    ),
]
ALL = [*READS, *WRITES]

# Pages that are not one participant's records: (name, method, url, status for each user).
OTHERS = [
    (
        "profile",
        "get",
        lambda r: reverse("tracking:profile"),
        # Everyone who logs in has a profile.
        {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 200, "kaz_focal": 200,
         "secretariat": 200, "provider": 200},
    ),
    # Personal API tokens: everyone makes and revokes their own (an empty name re-shows the
    # form; revoking a token that is not yours changes nothing and goes back to the profile).
    (
        "api_token_create",
        "post",
        lambda r: reverse("tracking:api_token_create"),
        {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 200, "kaz_focal": 200,
         "secretariat": 200, "provider": 200},
    ),
    (
        "api_token_revoke",
        "post",
        lambda r: reverse("tracking:api_token_revoke", args=[r["token"].pk]),
        {"tjk_focal": 302, "tjk_coordinator": 302, "tjk_viewer": 302, "kaz_focal": 302,
         "secretariat": 302, "provider": 302},
    ),
    (
        "participant_chase",
        "post",
        lambda r: reverse("tracking:participant_chase", args=[r["submission"].cycle_id, "TJK"]),
        # The secretariat's chase redirects to the completeness page; members may not chase.
        {"tjk_focal": 403, "tjk_coordinator": 403, "tjk_viewer": 403, "kaz_focal": 403,
         "secretariat": 302, "provider": 403},
    ),
    (
        "action_create",
        "get",
        lambda r: reverse("tracking:action_create"),
        # Those who file for a participant; viewers, the secretariat and providers file nothing.
        {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 403, "kaz_focal": 200,
         "secretariat": 403, "provider": 403},
    ),
    *[
        (name, "get", url, dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer",
                                          "kaz_focal", "secretariat", "provider"], 200))
        # Pages everyone logged in opens; each shows only what the user may see.
        for name, url in [
            ("home", lambda r: reverse("home")),
            ("actions", lambda r: reverse("tracking:actions")),
            ("actions_csv", lambda r: reverse("tracking:actions_csv")),
            ("actions_xlsx", lambda r: reverse("tracking:actions_xlsx")),
            ("reports", lambda r: reverse("tracking:reports")),
            ("reports_fragment", lambda r: reverse("tracking:reports_fragment")),
            ("offers", lambda r: reverse("tracking:offers")),
            ("matches", lambda r: reverse("tracking:matches")),
            ("offer", lambda r: reverse("tracking:offer", args=[r["offer"].pk])),
            ("declarations", lambda r: reverse("declarations:list")),
            (
                "declaration",
                lambda r: reverse("declarations:detail", args=[r["action"].declaration.slug]),
            ),
            (
                "paragraph",
                lambda r: reverse("declarations:paragraph", args=[r["action"].declaration.slug, 6]),
            ),
            # A declaration in another language, or two side by side: open to every reader.
            (
                "declaration_side_by_side",
                lambda r: reverse("declarations:detail", args=[r["action"].declaration.slug])
                + "?lang=en&compare=ru",
            ),
            (
                "paragraph_in_russian",
                lambda r: reverse("declarations:paragraph", args=[r["action"].declaration.slug, 6])
                + "?lang=ru",
            ),
            ("password_change", lambda r: reverse("password_change")),
            ("password_change_done", lambda r: reverse("password_change_done")),
        ]
    ],
    # Asking for a report: whoever may see a participant's records or all (the secretariat).
    (
        "report_request",
        "get",
        lambda r: reverse("tracking:report_request"),
        {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 200, "kaz_focal": 200,
         "secretariat": 200, "provider": 403},
    ),
    # Technical assistance. The matching board: the secretariat and providers.
    (
        "matching_board",
        "get",
        lambda r: reverse("tracking:matching_board"),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal"], 403),
         "secretariat": 200, "provider": 200},
    ),
    # Offers: made by the provider's members alone; a draft is seen by them and the secretariat.
    (
        "offer_create",
        "get",
        lambda r: reverse("tracking:offer_create"),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal",
                          "secretariat"], 403), "provider": 200},
    ),
    (
        "draft_offer",
        "get",
        lambda r: reverse("tracking:offer", args=[r["draft_offer"].pk]),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal"], 404),
         "secretariat": 200, "provider": 200},
    ),
    (
        "offer_edit",
        "get",
        lambda r: reverse("tracking:offer_edit", args=[r["offer"].pk]),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal",
                          "secretariat"], 403), "provider": 200},
    ),
    (
        "draft_offer_edit",
        "get",
        lambda r: reverse("tracking:offer_edit", args=[r["draft_offer"].pk]),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal"], 404),
         "secretariat": 403, "provider": 200},
    ),
    # Publishing or withdrawing (an empty form goes back to the offer, changing nothing).
    (
        "offer_move",
        "post",
        lambda r: reverse("tracking:offer_move", args=[r["draft_offer"].pk]),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal"], 404),
         "secretariat": 403, "provider": 302},
    ),
    # A match of Kazakhstan's need: seen by its members, the provider and the secretariat;
    # only the secretariat proposes and moves matches.
    (
        "match",
        "get",
        lambda r: reverse("tracking:match", args=[r["match"].pk]),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer"], 404),
         "kaz_focal": 200, "secretariat": 200, "provider": 200},
    ),
    (
        "match_move",
        "post",
        lambda r: reverse("tracking:match_move", args=[r["match"].pk]),
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer"], 404),
         "kaz_focal": 403, "secretariat": 302, "provider": 403},
    ),
    (
        "match_propose",
        "get",
        lambda r: reverse("tracking:match_propose")
        + f"?need={r['shared_need'].pk}&offer={r['offer'].pk}",
        {**dict.fromkeys(["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal",
                          "provider"], 403), "secretariat": 200},
    ),
    # The download log of an evidence item: its participant's coordinators and the
    # secretariat (this item is in a draft, which the secretariat does not see).
    (
        "evidence_downloads",
        "get",
        lambda r: reverse("tracking:evidence_downloads", args=[r["evidence"].pk]),
        {"tjk_focal": 403, "tjk_coordinator": 200, "tjk_viewer": 403, "kaz_focal": 404,
         "secretariat": 404, "provider": 404},
    ),
    (
        "two_factor_setup",
        "get",
        lambda r: reverse("two_factor_setup"),
        # Everyone may enrol an authenticator (tests/test_two_factor.py covers the required roles).
        {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 200, "kaz_focal": 200,
         "secretariat": 200, "provider": 200},
    ),
    (
        "two_factor_verify",
        "get",
        lambda r: reverse("two_factor_verify"),
        # Without an authenticator there is no code to ask: on to the page asked for.
        {"tjk_focal": 302, "tjk_coordinator": 302, "tjk_viewer": 302, "kaz_focal": 302,
         "secretariat": 302, "provider": 302},
    ),
    (
        "logout",
        "post",
        lambda r: reverse("logout"),
        {"tjk_focal": 302, "tjk_coordinator": 302, "tjk_viewer": 302, "kaz_focal": 302,
         "secretariat": 302, "provider": 302},
    ),
    # An applied workbook's page is its uploader's alone (it may show the participant's drafts).
    *[
        (name, "get", lambda r, name=name: reverse(f"tracking:{name}",
                                                   args=[r["workbook_import"].pk]),
         {"tjk_focal": 200, "tjk_coordinator": 404, "tjk_viewer": 404, "kaz_focal": 404,
          "secretariat": 404, "provider": 404})
        for name in ("workbook_import", "workbook_import_fragment")
    ],
    # A report is its requester's: only they retry or delete it; the secretariat sees and
    # downloads those without drafts (this one may hold drafts, so 404 for it too). Kept in
    # step with test_report_access.py.
    (
        "report_download",
        "get",
        lambda r: reverse("tracking:report_download", args=[r["report"].pk]),
        {"tjk_focal": 200, "tjk_coordinator": 404, "tjk_viewer": 404, "kaz_focal": 404,
         "secretariat": 404, "provider": 404},
    ),
    (
        "report_retry",
        "post",
        lambda r: reverse("tracking:report_retry", args=[r["report"].pk]),
        {"tjk_focal": 302, "tjk_coordinator": 404, "tjk_viewer": 404, "kaz_focal": 404,
         "secretariat": 404, "provider": 404},
    ),
    (
        "report_delete",
        "post",
        lambda r: reverse("tracking:report_delete", args=[r["report"].pk]),
        {"tjk_focal": 302, "tjk_coordinator": 404, "tjk_viewer": 404, "kaz_focal": 404,
         "secretariat": 404, "provider": 404},
    ),
]  # fmt: skip
OTHER_USERS = ["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal", "secretariat",
               "provider"]  # fmt: skip

# The secretariat's own pages: every other user gets 403, whatever their participant.
SECRETARIAT_ONLY = [
    ("cycles", "get", lambda r: reverse("tracking:cycles")),
    ("cycle_create", "get", lambda r: reverse("tracking:cycle_create")),
    ("cycle_create", "post", lambda r: reverse("tracking:cycle_create")),
    ("cycle", "get", lambda r: reverse("tracking:cycle", args=[r["submission"].cycle_id])),
    (
        "cycle_edit",
        "get",
        lambda r: reverse("tracking:cycle_edit", args=[r["submission"].cycle_id]),
    ),
    (
        "cycle_edit",
        "post",
        lambda r: reverse("tracking:cycle_edit", args=[r["submission"].cycle_id]),
    ),
    (
        "cycle_open",
        "post",
        lambda r: reverse("tracking:cycle_open", args=[r["submission"].cycle_id]),
    ),
    (
        "cycle_close",
        "post",
        lambda r: reverse("tracking:cycle_close", args=[r["submission"].cycle_id]),
    ),
    # Publishing a cycle on the public pages, and withdrawing it: each asks first (GET).
    *[
        (name, method, lambda r, name=name: reverse(f"tracking:{name}", args=[r["cycle"].pk]))
        for name in ("cycle_publish", "cycle_withdraw")
        for method in ("get", "post")
    ],
    ("matrix", "get", lambda r: reverse("tracking:matrix")),
    ("completeness", "get", lambda r: reverse("tracking:completeness")),
    ("declaration_upload", "get", lambda r: reverse("declarations:upload")),
    # Uploading a declaration, or a language version of one.
    ("declaration_upload", "post", lambda r: reverse("declarations:upload")),
    ("import", "get", lambda r: reverse("declarations:import", args=[r["import"].pk])),
    (
        "import_fragment",
        "get",
        lambda r: reverse("declarations:import_fragment", args=[r["import"].pk]),
    ),
]
SECRETARIAT_IDS = [f"{u[0]}-{u[1]}" for u in SECRETARIAT_ONLY]


def _api(name, *args):
    return lambda r: reverse(f"api:{name}", args=[a(r) if callable(a) else a for a in args])


def _pk(key):
    return lambda r: r[key].pk


EVERYONE = dict.fromkeys(OTHER_USERS, 200)
# Tajikistan's draft records: its members read them; Kazakhstan's focal point and the
# secretariat (drafts) get 404, exactly as on the pages.
TJK_DRAFT = {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 200, "kaz_focal": 404,
             "secretariat": 404, "provider": 404}  # fmt: skip
# A change without If-Match: 428 for those who may change it, 403 for the viewer, 404 else.
TJK_CHANGE = {"tjk_focal": 428, "tjk_coordinator": 428, "tjk_viewer": 403, "kaz_focal": 404,
              "secretariat": 404, "provider": 404}  # fmt: skip
# Filing on Tajikistan's action with an incomplete body: its filers get the form's 400.
TJK_FILE = {**TJK_CHANGE, "tjk_focal": 400, "tjk_coordinator": 400}
# The API's routes (name, method, url, status for each user, given the session of the user;
# tests/api/ repeats the essentials with tokens). POST bodies: `_API_BODIES`.
API = [
    ("declaration-list", "get", _api("declaration-list"), EVERYONE),
    ("declaration-detail", "get", _api("declaration-detail", "dushanbe"), EVERYONE),
    ("participant-list", "get", _api("participant-list"), EVERYONE),
    # Members and the secretariat, as the participant page.
    ("participant-detail", "get", _api("participant-detail", "TJK"),
     {**TJK_DRAFT, "secretariat": 200}),
    ("cycle-list", "get", _api("cycle-list"), EVERYONE),
    # Kazakhstan reports in the same cycle: it knows of it; a provider reports in none.
    ("cycle-detail", "get", _api("cycle-detail", lambda r: r["submission"].cycle_id),
     {**EVERYONE, "provider": 404}),
    ("submission-list", "get", _api("submission-list"), EVERYONE),
    ("submission-detail", "get", _api("submission-detail", _pk("submission")), TJK_DRAFT),
    ("submission-submit", "post", _api("submission-submit", _pk("submission")), TJK_CHANGE),
    # Only the coordinator reviews; without If-Match, 428.
    ("submission-review", "post", _api("submission-review", _pk("submission")),
     {**TJK_CHANGE, "tjk_focal": 403}),
    ("action-list", "get", _api("action-list"), EVERYONE),
    # Viewers and the secretariat file nothing; a filer's empty body is a 400.
    ("action-list", "post", _api("action-list"),
     {**dict.fromkeys(OTHER_USERS, 400), "tjk_viewer": 403, "secretariat": 403,
      "provider": 403}),
    ("action-detail", "get", _api("action-detail", _pk("action")), TJK_DRAFT),
    ("action-detail", "patch", _api("action-detail", _pk("action")), TJK_CHANGE),
    ("action-detail", "delete", _api("action-detail", _pk("action")), TJK_CHANGE),
    ("update-list", "get", _api("update-list"), EVERYONE),
    ("update-list", "post", _api("update-list"), TJK_FILE),
    ("update-detail", "get", _api("update-detail", _pk("update")), TJK_DRAFT),
    ("evidence-list", "get", _api("evidence-list"), EVERYONE),
    ("evidence-list", "post", _api("evidence-list"), TJK_FILE),
    ("evidence-detail", "get", _api("evidence-detail", _pk("evidence")), TJK_DRAFT),
    ("evidence-detail", "delete", _api("evidence-detail", _pk("evidence")), TJK_CHANGE),
    ("evidence-download", "get", _api("evidence-download", _pk("evidence")), TJK_DRAFT),
    ("assessment-list", "get", _api("assessment-list"), EVERYONE),
    ("assessment-list", "post", _api("assessment-list"), TJK_FILE),
    ("assessment-detail", "get", _api("assessment-detail", _pk("assessment")), TJK_DRAFT),
    ("assessment-detail", "patch", _api("assessment-detail", _pk("assessment")), TJK_CHANGE),
    # Technical assistance. A need is filed as an assessment is.
    ("need-list", "get", _api("need-list"), EVERYONE),
    ("need-list", "post", _api("need-list"), TJK_FILE),
    ("need-detail", "get", _api("need-detail", _pk("need")), TJK_DRAFT),
    ("need-detail", "patch", _api("need-detail", _pk("need")), TJK_CHANGE),
    ("need-detail", "delete", _api("need-detail", _pk("need")), TJK_CHANGE),
    # Offers: everyone reads a published one; a draft, its provider's members and the
    # secretariat. Only the provider's members make and change them (an empty body is a 400,
    # a change without If-Match a 428).
    ("offer-list", "get", _api("offer-list"), EVERYONE),
    ("offer-list", "post", _api("offer-list"),
     {**dict.fromkeys(OTHER_USERS, 403), "provider": 400}),
    ("offer-detail", "get", _api("offer-detail", _pk("offer")), EVERYONE),
    ("offer-detail", "get", _api("offer-detail", _pk("draft_offer")),
     {**dict.fromkeys(OTHER_USERS, 404), "secretariat": 200, "provider": 200}),
    *[
        (name, method, _api(name, _pk("offer")),
         {**dict.fromkeys(OTHER_USERS, 403), "provider": 428})
        for name, method in [("offer-detail", "patch"), ("offer-publish", "post"),
                             ("offer-withdraw", "post")]
    ],
    # A match of Kazakhstan's need: its members, the provider and the secretariat read it;
    # only the secretariat proposes one (an empty body is a 400) and moves it (428 without
    # If-Match).
    ("match-list", "get", _api("match-list"), EVERYONE),
    ("match-list", "post", _api("match-list"),
     {**dict.fromkeys(OTHER_USERS, 403), "secretariat": 400}),
    ("match-detail", "get", _api("match-detail", _pk("match")),
     {**dict.fromkeys(OTHER_USERS, 404), "kaz_focal": 200, "secretariat": 200,
      "provider": 200}),
    ("match-detail", "patch", _api("match-detail", _pk("match")),
     {**dict.fromkeys(OTHER_USERS, 404), "kaz_focal": 403, "secretariat": 428,
      "provider": 403}),
    ("report-list", "get", _api("report-list"), EVERYONE),
    # Everyone who may see a participant may ask for a report; an empty body is a 400.
    ("report-list", "post", _api("report-list"),
     {**dict.fromkeys(OTHER_USERS, 400), "provider": 403}),
    # The focal point's own report, which may hold drafts: theirs alone.
    ("report-detail", "get", _api("report-detail", _pk("report")),
     {**dict.fromkeys(OTHER_USERS, 404), "tjk_focal": 200}),
    ("report-download", "get", _api("report-download", _pk("report")),
     {**dict.fromkeys(OTHER_USERS, 404), "tjk_focal": 200}),
    # Only the requester retries (this one succeeded: 409) or deletes it (without If-Match: 428).
    ("report-retry", "post", _api("report-retry", _pk("report")),
     {**dict.fromkeys(OTHER_USERS, 404), "tjk_focal": 409}),
    ("report-detail", "delete", _api("report-detail", _pk("report")),
     {**dict.fromkeys(OTHER_USERS, 404), "tjk_focal": 428}),
]  # fmt: skip
_API_BODIES = {
    "update-list": lambda r: {"action": r["action"].pk},
    "evidence-list": lambda r: {"action": r["action"].pk},
    "assessment-list": lambda r: {"participant": "TJK", "cycle": r["submission"].cycle_id,
                                  "number": 8},
    "need-list": lambda r: {"participant": "TJK", "cycle": r["submission"].cycle_id},
}  # fmt: skip
API_IDS = [f"{u[0]}-{u[1]}" for u in API]


def _api_request(client, records, name, method, url):
    body = _API_BODIES.get(name, lambda r: {})(records) if method == "post" else None
    if method == "get":
        return client.get(url(records))
    return getattr(client, method)(url(records), body, content_type="application/json")


@pytest.mark.parametrize(("name", "method", "url", "expected"), API, ids=API_IDS)
def test_the_api_answers_each_user_as_the_pages_do(client, records, request, name, method, url,
                                                   expected):  # fmt: skip
    # Every user in one test: no answer in the matrix writes, and the records are costly to set up.
    answers = {}
    for user in OTHER_USERS:
        client.force_login(request.getfixturevalue(user))
        response = _api_request(client, records, name, method, url)
        answers[user] = response.status_code
        client.logout()

    assert answers == {user: expected[user] for user in OTHER_USERS}


@pytest.mark.parametrize(("name", "method", "url", "expected"), API, ids=API_IDS)
def test_the_api_answers_anonymous_users_401(client, records, name, method, url, expected):
    response = _api_request(client, records, name, method, url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Content-Type"] == "application/problem+json"


NOT_RECORDS = [(name, method, url) for name, method, url, _ in OTHERS] + SECRETARIAT_ONLY


def _request(client, method, url):
    return getattr(client, method)(url)


def _submit(submission):
    submission.state = Submission.State.SUBMITTED
    submission.save()


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_anonymous_users_are_sent_to_log_in(client, records, name, method, url):
    response = _request(client, method, url(records))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "method", "url"), NOT_RECORDS, ids=[u[0] for u in NOT_RECORDS])
def test_anonymous_users_are_sent_to_log_in_from_the_other_pages(
    client, records, name, method, url
):
    response = _request(client, method, url(records))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("user", OTHER_USERS)
@pytest.mark.parametrize(("name", "method", "url", "expected"), OTHERS, ids=[u[0] for u in OTHERS])
def test_the_other_pages_answer_each_user_as_their_role_allows(
    client, records, request, user, name, method, url, expected
):
    client.force_login(request.getfixturevalue(user))

    assert _request(client, method, url(records)).status_code == expected[user]


@pytest.mark.parametrize(
    "user", ["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal", "provider"]
)
@pytest.mark.parametrize(("name", "method", "url"), SECRETARIAT_ONLY, ids=SECRETARIAT_IDS)
def test_only_the_secretariat_may_use_its_pages(
    client, records, request, user, name, method, url, secretariat
):
    client.force_login(request.getfixturevalue(user))

    assert _request(client, method, url(records)).status_code == 403

    client.force_login(secretariat)
    # Reads and form pages answer 200 (a form with errors too); open and close redirect.
    assert _request(client, method, url(records)).status_code in (200, 302)


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_another_participants_focal_point_gets_404(client, records, kaz_focal, name, method, url):
    client.force_login(kaz_focal)

    assert _request(client, method, url(records)).status_code == 404


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_a_provider_sees_none_of_the_participants_records(client, records, provider, name,
                                                          method, url):  # fmt: skip
    client.force_login(provider)

    assert _request(client, method, url(records)).status_code == 404


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_a_viewer_reads_but_gets_403_on_writes(client, records, tjk_viewer, name, method, url):
    client.force_login(tjk_viewer)

    expected = 200 if (name, method, url) in READS else 403
    assert _request(client, method, url(records)).status_code == expected


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_the_secretariat_never_sees_a_draft(client, records, secretariat, name, method, url):
    client.force_login(secretariat)

    response = _request(client, method, url(records))

    if name in SEALED_ONLY:
        assert response.status_code == 200
        assert "Draft" not in response.text and "Nothing submitted" in response.text
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_the_secretariat_reads_a_submitted_record_and_changes_nothing(
    client, records, secretariat, name, method, url
):
    _submit(records["submission"])
    client.force_login(secretariat)

    expected = 200 if (name, method, url) in READS else 403
    assert _request(client, method, url(records)).status_code == expected


@pytest.mark.parametrize(("name", "method", "url"), WRITES, ids=[u[0] for u in WRITES])
def test_a_focal_point_may_not_write_once_submitted(client, records, tjk_focal, name, method, url):
    _submit(records["submission"])
    client.force_login(tjk_focal)

    assert _request(client, method, url(records)).status_code == 403


def test_the_secretariats_action_page_offers_no_forms(client, records, secretariat):
    _submit(records["submission"])
    client.force_login(secretariat)

    page = client.get(records["action"].get_absolute_url()).content.decode()

    assert "National strategy on countering terrorism financing" in page
    for offer in ("Edit action", "File update", "Add evidence", "Delete"):
        assert offer not in page


def test_the_secretariat_does_not_see_draft_updates_of_a_submitted_action(
    client, records, tjk_focal, secretariat, declaration
):
    action, submission = records["action"], records["submission"]
    submission.state = Submission.State.APPROVED
    submission.save()
    submission.cycle.state = submission.cycle.State.CLOSED
    submission.cycle.save()
    later = services.submission_start(
        participant=submission.participant, cycle=new_cycle(declaration, 2027), user=tjk_focal
    )
    services.progress_update_file(
        action=later.actions.get(carried_from=action),
        user=tjk_focal,
        date="2027-02-01",
        narrative="Secret draft narrative.",
        status="completed",
        progress=100,
    )
    client.force_login(secretariat)

    page = client.get(action.get_absolute_url()).content.decode()

    assert "Secret draft narrative." not in page
    assert "Completed" not in page


def test_action_create_is_for_those_who_file(client, cycle, tjk_viewer, secretariat, tjk_focal):
    url = reverse("tracking:action_create")
    assert client.get(url).status_code == 302
    client.force_login(tjk_viewer)
    assert client.get(url).status_code == 403
    client.force_login(secretariat)
    assert client.get(url).status_code == 403
    client.force_login(tjk_focal)
    assert client.get(url).status_code == 200


# Every URL in the lists above; the walker below fails on a URL of ours in none of them.
COVERED = [*ALL, *NOT_RECORDS]
# URLs open to anonymous users on purpose, each with its reason.
PUBLIC = {
    "login": "logging in is how anyone starts",
    "password_reset": "a user who forgot the password cannot log in to ask for a new one",
    "password_reset_done": "says the reset mail was sent, to a user not logged in",
    "password_reset_confirm": "the link in the reset mail, opened before logging in",
    "password_reset_complete": "says the new password works, before logging in",
    "healthz": "the load balancer's probe; it answers ok or 503 and shows no records",
    "tracking:language": "the language chooser is on the login page too; it changes only the "
    "visitor's own language (and a logged-in user's own profile), and a GET only redirects",
    "api:schema": "the API's OpenAPI document describes its operations and holds no records",
    "api:docs": "the API's interactive documentation: the same document, in Swagger UI",
    # The public view: only what the secretariat published, through permissions.scope_public
    # (tests/public/ crawls it for anything else).
    "public:index": "the published cycles, for anyone",
    "public:cycle": "a published cycle's approved ratings",
    "public:participant": "a participant's approved submission in a published cycle",
    "public:data_csv": "open data of a published cycle",
    "public:data_json": "open data of a published cycle",
    "public:evidence_download": "evidence marked public, of an approved, published submission",
}


def _public_args(r) -> list:
    return [r["cycle"].declaration.slug, r["cycle"].pk]


PUBLIC_ARGS = {
    "password_reset_confirm": lambda r: ["MQ", "set-password"],
    "public:cycle": _public_args,
    "public:participant": lambda r: [*_public_args(r), "TJK"],
    "public:data_csv": _public_args,
    "public:data_json": _public_args,
    "public:evidence_download": lambda r: [*_public_args(r), r["evidence"].pk],
}


def _url_names(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name


def test_every_url_of_ours_is_in_the_access_matrix_or_public_on_purpose(records):
    ours = {name for name in _url_names(get_resolver().url_patterns) if ":" not in name}
    ours |= {
        name
        for name in _url_names(get_resolver().url_patterns)
        if name.split(":")[0] in ("tracking", "declarations", "api", "public")
    }
    covered = {resolve(urlparse(url(records)).path).view_name for _name, _m, url in COVERED}
    covered |= {resolve(urlparse(url(records)).path).view_name for _n, _m, url, _e in API}

    assert ours - covered - PUBLIC.keys() == set()
    assert covered & PUBLIC.keys() == set(), "a public URL is also in a matrix"
    assert PUBLIC.keys() <= ours


@pytest.fixture
def published_records(records, secretariat):
    """The records approved, their evidence marked public and their cycle published."""
    records["submission"].state = Submission.State.APPROVED
    records["submission"].save()
    records["evidence"].visibility = Evidence.Visibility.PUBLIC
    records["evidence"].save()
    services.cycle_publish(
        cycle=records["cycle"], user=secretariat, licence="CC BY 4.0", licence_url=""
    )
    return records


@pytest.mark.parametrize("name", PUBLIC)
def test_the_public_urls_answer_without_logging_in(client, published_records, name):
    args = PUBLIC_ARGS[name](published_records) if name in PUBLIC_ARGS else []

    response = client.get(reverse(name, args=args))

    assert response.status_code in (200, 302, 503)
    assert not response.headers.get("Location", "").startswith(reverse("login"))


# The admin: only staff log in there, and staff see only what the pages show them.
ADMIN_MODELS = ["action", "assessment", "submission", "progressupdate", "evidence"]


@pytest.fixture
def tjk_assessment(records, tjk_focal):
    submission = records["submission"]
    return rate(submission.participant, submission.cycle, tjk_focal, 6, "in_progress")


@pytest.mark.parametrize("user", [None, "tjk_focal", "secretariat"])
@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_the_admin_sends_users_who_are_not_staff_to_its_login(
    client, records, request, user, model
):
    if user:
        client.force_login(request.getfixturevalue(user))

    response = client.get(reverse(f"admin:tracking_{model}_changelist"))

    assert response.status_code == 302
    # Anonymous users meet the site's login first; logged-in users who are not staff, the admin's.
    assert response.url.startswith(reverse("admin:login" if user else "login"))


def _staff(user, *models: str):
    user.is_staff = True
    user.save()
    codenames = [f"view_{model}" for model in models]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_staff_without_the_models_permission_get_403(client, records, kaz_focal, model):
    client.force_login(_staff(kaz_focal))

    assert client.get(reverse(f"admin:tracking_{model}_changelist")).status_code == 403


@pytest.mark.parametrize("model", ["action", "assessment"])
def test_staff_of_another_participant_never_see_its_drafts_in_the_admin(
    client, records, tjk_assessment, kaz_focal, model
):
    client.force_login(_staff(kaz_focal, *ADMIN_MODELS))
    draft = records["action"] if model == "action" else tjk_assessment

    listing = client.get(reverse(f"admin:tracking_{model}_changelist"))
    change = client.get(reverse(f"admin:tracking_{model}_change", args=[draft.pk]))
    history = client.get(reverse(f"admin:tracking_{model}_history", args=[draft.pk]))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == []
    assert "National strategy" not in listing.text
    assert change.status_code == 302  # "does not exist": back to the admin's index
    assert change.url == reverse("admin:index")
    assert history.status_code == 404
