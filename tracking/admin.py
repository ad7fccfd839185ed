from typing import cast

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import permissions
from .models import (
    Action,
    Assessment,
    Evidence,
    Membership,
    Participant,
    ProgressUpdate,
    Report,
    ReportDownload,
    ReportingCycle,
    Submission,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Tracker"),
            {"fields": ("is_secretariat", "notify_workflow", "notify_reminders", "language")},
        ),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_secretariat", "is_staff")
    list_filter = ("is_secretariat", "is_staff", "is_superuser", "is_active")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Participant)
class ParticipantAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind", "declarations")
    search_fields = ("code", "name")
    filter_horizontal = ("declarations",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "participant", "role")
    list_filter = ("role", "participant")
    search_fields = ("user__username", "user__last_name", "participant__name", "participant__code")
    list_select_related = ("user", "participant")
    autocomplete_fields = ["user", "participant"]


@admin.register(ReportingCycle)
class ReportingCycleAdmin(SimpleHistoryAdmin):
    list_display = ("name", "declaration", "starts_on", "ends_on", "due_on", "state")
    list_filter = ("state", "declaration")
    search_fields = ("name", "declaration__short_title")
    list_select_related = ("declaration",)
    # Opening and closing seal submissions and notify participants: only the Cycles page
    # (its "View on site" link) does that, through the services.
    readonly_fields = ("state",)


class SubmissionRecordAdmin(SimpleHistoryAdmin):
    """A submission and its rows, read-only, and only those the user sees on the pages.

    They change only through the pages and the services, which hold the draft lock, the version
    check and the audit; a revert from the history would skip all three and the review.
    """

    submission_path = "submission"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        # The admin site lets only signed-in staff in.
        return permissions.scope(queryset, cast(User, request.user), self.submission_path)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # Every field shown as a value, never as a widget: a version's page would otherwise
        # render `carried_from` as a select listing every participant's records, drafts too.
        opts = self.model._meta
        return [f.name for f in (*opts.fields, *opts.many_to_many) if f.name != opts.pk.name]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def get_history_queryset(self, request, history_manager, pk_name, object_id) -> QuerySet:
        history = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return history.filter(**{f"{pk_name}__in": self.get_queryset(request).values("pk")})

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        # simple_history saves a posted version even with revert disabled: refuse the post.
        if request.method != "GET":
            raise PermissionDenied
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Submission)
class SubmissionAdmin(SubmissionRecordAdmin):
    submission_path = ""
    list_display = ("participant", "cycle", "state", "submitted_at", "reviewed_at", "version")
    list_filter = ("state", "cycle")
    search_fields = ("participant__name", "participant__code", "review_comment")
    list_select_related = ("participant", "cycle__declaration")
    raw_id_fields = ("submitted_by", "reviewed_by")


@admin.register(Action)
class ActionAdmin(SubmissionRecordAdmin):
    list_display = ("title", "participant", "status", "progress", "submission", "updated_at")
    list_filter = ("status", "declaration", "submission__state", "participant")
    search_fields = ("title", "description", "lead_institution", "participant__name")
    list_select_related = ("participant", "submission__participant", "submission__cycle")
    filter_horizontal = ("paragraphs",)
    raw_id_fields = ("submission", "created_by")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SubmissionRecordAdmin):
    list_display = ("action", "date", "status", "progress", "submission")
    list_filter = ("status", "submission__state")
    search_fields = ("narrative", "action__title")
    list_select_related = ("action", "submission__participant", "submission__cycle")
    raw_id_fields = ("action", "submission", "created_by")


@admin.register(Evidence)
class EvidenceAdmin(SubmissionRecordAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # An item marked "Participant only" is hidden from the secretariat here too.
        queryset = super(SubmissionRecordAdmin, self).get_queryset(request)
        return permissions.scope_evidence(queryset, cast(User, request.user))

    list_display = ("title", "action", "original_name", "content_type", "size", "url", "date")
    list_filter = ("visibility", "content_type", "submission__state")
    search_fields = ("title", "original_name", "url", "sha256", "action__title")
    list_select_related = ("action",)
    raw_id_fields = ("action", "update", "submission", "uploaded_by")


@admin.register(Assessment)
class AssessmentAdmin(SubmissionRecordAdmin):
    list_display = ("submission", "paragraph", "rating", "updated_at")
    list_filter = ("rating", "submission__state", "submission__cycle")
    search_fields = ("justification", "submission__participant__name")
    list_select_related = ("submission__participant", "submission__cycle", "paragraph__declaration")
    raw_id_fields = ("submission", "paragraph", "updated_by")


# A report may be downloaded thousands of times: its page lists the newest downloads.
DOWNLOADS_SHOWN = 20


class NewestDownloads(BaseInlineFormSet):
    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_queryset"):
            downloads = cast(QuerySet, self.queryset)  # the report's, set by the inline formset
            newest = downloads.order_by("-at", "-pk").values("pk")[:DOWNLOADS_SHOWN]
            self._queryset = (
                downloads.filter(pk__in=newest)
                .select_related("user", "report")
                .order_by("-at", "-pk")
            )
        return self._queryset


class ReportDownloadInline(admin.TabularInline):
    model = ReportDownload
    formset = NewestDownloads
    extra = 0
    readonly_fields = ("user", "at")
    verbose_name_plural = _("newest downloads")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports, read-only, and only those the user sees on My reports: never who asked for a
    participant's drafts. Only the requester deletes a report, on My reports, with its file."""

    list_display = (
        "__str__",
        "requested_by",
        "format",
        "language",
        "state",
        "progress",
        "created_at",
    )
    list_filter = ("state", "format", "language", "declaration")
    search_fields = ("requested_by__username", "error")
    list_select_related = ("requested_by",)
    raw_id_fields = ("requested_by", "cycle")
    inlines = [ReportDownloadInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return permissions.scope_reports(super().get_queryset(request), cast(User, request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
