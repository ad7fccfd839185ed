"""The views, grouped in one module per URL group as in tracking/urls.py."""

from .home import healthz, home
from .lists import action_export_csv, action_export_xlsx, action_list, completeness, matrix
from .notices import participant_chase, profile
from .records import (
    action_create,
    action_detail,
    action_edit,
    evidence_create,
    evidence_delete,
    evidence_download,
    update_create,
)
from .reports import report_delete, report_download, report_request, report_retry, reports
from .submissions import assessment_edit, submission_detail, submission_review, submission_submit

__all__ = [
    "action_create",
    "action_detail",
    "action_edit",
    "action_export_csv",
    "action_export_xlsx",
    "action_list",
    "assessment_edit",
    "completeness",
    "evidence_create",
    "evidence_delete",
    "evidence_download",
    "healthz",
    "home",
    "matrix",
    "participant_chase",
    "profile",
    "report_delete",
    "report_download",
    "report_request",
    "report_retry",
    "reports",
    "submission_detail",
    "submission_review",
    "submission_submit",
    "update_create",
]
