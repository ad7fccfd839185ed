"""The views, grouped in one module per URL group as in tracking/urls.py."""

from .cycles import (
    cycle_close,
    cycle_create,
    cycle_detail,
    cycle_edit,
    cycle_list,
    cycle_open,
    cycle_publish,
    cycle_withdraw,
)
from .home import healthz, home
from .language import language
from .lists import action_export_csv, action_export_xlsx, action_list, completeness, matrix
from .notices import participant_chase, profile
from .participants import participant_detail
from .records import (
    action_create,
    action_detail,
    action_edit,
    evidence_create,
    evidence_delete,
    evidence_download,
    evidence_downloads,
    update_create,
)
from .reports import report_delete, report_download, report_request, report_retry, reports
from .submissions import assessment_edit, submission_detail, submission_review, submission_submit
from .tokens import api_token_create, api_token_revoke
from .workbook import workbook_apply, workbook_download, workbook_import, workbook_preview

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "action_create",
    "action_detail",
    "action_edit",
    "action_export_csv",
    "action_export_xlsx",
    "action_list",
    "assessment_edit",
    "completeness",
    "cycle_close",
    "cycle_create",
    "cycle_detail",
    "cycle_edit",
    "cycle_list",
    "cycle_open",
    "cycle_publish",
    "cycle_withdraw",
    "evidence_create",
    "evidence_delete",
    "evidence_download",
    "evidence_downloads",
    "healthz",
    "home",
    "language",
    "matrix",
    "participant_chase",
    "profile",
    "participant_detail",
    "report_delete",
    "report_download",
    "report_request",
    "report_retry",
    "reports",
    "submission_detail",
    "submission_review",
    "submission_submit",
    "update_create",
    "workbook_apply",
    "workbook_download",
    "workbook_import",
    "workbook_preview",
]
