from django.urls import path

from . import views
from .views import assistance as assistance_views
from .views import public as public_views

app_name = "tracking"

urlpatterns = [
    path("actions/<id:pk>/", views.action_detail, name="action"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<id:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<id:pk>/updates/new/", views.update_create, name="update_create"),
    path("actions/<id:pk>/evidence/new/", views.evidence_create, name="evidence_create"),
    path("evidence/<id:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<id:pk>/downloads/", views.evidence_downloads, name="evidence_downloads"),
    path("evidence/<id:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("submissions/<str:code>/<id:cycle_pk>/", views.submission_detail, name="submission"),
    path(
        "submissions/<str:code>/<id:cycle_pk>/submit/",
        views.submission_submit,
        name="submission_submit",
    ),
    path(
        "submissions/<str:code>/<id:cycle_pk>/review/",
        views.submission_review,
        name="submission_review",
    ),
    path(
        "submissions/<str:code>/<id:cycle_pk>/workbook.xlsx",
        views.workbook_download,
        name="workbook_download",
    ),
    path(
        "submissions/<str:code>/<id:cycle_pk>/workbook/preview/",
        views.workbook_preview,
        name="workbook_preview",
    ),
    path(
        "submissions/<str:code>/<id:cycle_pk>/workbook/apply/",
        views.workbook_apply,
        name="workbook_apply",
    ),
    path("workbook-imports/<id:pk>/", views.workbook_import, name="workbook_import"),
    path(
        "workbook-imports/<id:pk>/status/",
        views.workbook_import,
        {"fragment": True},
        name="workbook_import_fragment",
    ),
    path(
        "submissions/<str:code>/<id:cycle_pk>/paragraphs/<id:number>/assessment/",
        views.assessment_edit,
        name="assessment_edit",
    ),
]

urlpatterns += [
    path("actions/", views.action_list, name="actions"),
    path("actions/export.csv", views.action_export_csv, name="actions_csv"),
    path("actions/export.xlsx", views.action_export_xlsx, name="actions_xlsx"),
    path("matrix/", views.matrix, name="matrix"),
    path("completeness/", views.completeness, name="completeness"),
    path(
        "cycles/<id:cycle_pk>/chase/<str:code>/",
        views.participant_chase,
        name="participant_chase",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.api_token_create, name="api_token_create"),
    path("profile/tokens/<id:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("language/", views.language, name="language"),
    path("participants/<str:code>/", views.participant_detail, name="participant"),
]

urlpatterns += [
    path("reports/", views.reports, name="reports"),
    path("reports/fragment/", views.reports, {"fragment": True}, name="reports_fragment"),
    path("reports/new/", views.report_request, name="report_request"),
    path("reports/<id:pk>/download/", views.report_download, name="report_download"),
    path("reports/<id:pk>/retry/", views.report_retry, name="report_retry"),
    path("reports/<id:pk>/delete/", views.report_delete, name="report_delete"),
]

urlpatterns += [
    path("cycles/", views.cycle_list, name="cycles"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<id:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<id:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("cycles/<id:pk>/open/", views.cycle_open, name="cycle_open"),
    path("cycles/<id:pk>/close/", views.cycle_close, name="cycle_close"),
    path("cycles/<id:pk>/publish/", views.cycle_publish, name="cycle_publish"),
    path("cycles/<id:pk>/withdraw/", views.cycle_withdraw, name="cycle_withdraw"),
]

# Technical assistance: needs on a submission, offers, the matching board and its matches.
urlpatterns += [
    path(
        "submissions/<str:code>/<id:cycle_pk>/needs/new/",
        assistance_views.need_create,
        name="need_create",
    ),
    path("needs/<id:pk>/edit/", assistance_views.need_edit, name="need_edit"),
    path("needs/<id:pk>/delete/", assistance_views.need_delete, name="need_delete"),
    path("assistance/", assistance_views.matching_board, name="matching_board"),
    path("assistance/offers/", assistance_views.offer_list, name="offers"),
    path("assistance/offers/new/", assistance_views.offer_create, name="offer_create"),
    path("assistance/offers/<id:pk>/", assistance_views.offer_detail, name="offer"),
    path("assistance/offers/<id:pk>/edit/", assistance_views.offer_edit, name="offer_edit"),
    path("assistance/offers/<id:pk>/state/", assistance_views.offer_move, name="offer_move"),
    path("assistance/matches/", assistance_views.match_list, name="matches"),
    path("assistance/matches/new/", assistance_views.match_propose, name="match_propose"),
    path("assistance/matches/<id:pk>/", assistance_views.match_detail, name="match"),
    path("assistance/matches/<id:pk>/state/", assistance_views.match_move, name="match_move"),
]

# The public view, mounted at /public/ with its own namespace: no login, published cycles only.
public_urlpatterns = [
    path("", public_views.index, name="index"),
    path("<slug:slug>/<id:cycle_pk>/", public_views.cycle, name="cycle"),
    path("<slug:slug>/<id:cycle_pk>/data.csv", public_views.data_csv, name="data_csv"),
    path("<slug:slug>/<id:cycle_pk>/data.json", public_views.data_json, name="data_json"),
    path(
        "<slug:slug>/<id:cycle_pk>/participants/<str:code>/",
        public_views.participant,
        name="participant",
    ),
    path(
        "<slug:slug>/<id:cycle_pk>/evidence/<id:pk>/download/",
        public_views.evidence_download,
        name="evidence_download",
    ),
]
