from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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
        *BaseUserAdmin.fieldsets,
        (_("Tracker"), {"fields": ("is_secretariat", "notify_workflow", "notify_reminders")}),
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


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = ("participant", "cycle", "state", "submitted_at", "reviewed_at", "version")
    list_filter = ("state", "cycle")
    search_fields = ("participant__name", "participant__code", "review_comment")
    list_select_related = ("participant", "cycle__declaration")
    raw_id_fields = ("submitted_by", "reviewed_by")


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ("title", "participant", "status", "progress", "submission", "updated_at")
    list_filter = ("status", "declaration", "submission__state", "participant")
    search_fields = ("title", "description", "lead_institution", "participant__name")
    list_select_related = ("participant", "submission__participant", "submission__cycle")
    filter_horizontal = ("paragraphs",)
    raw_id_fields = ("submission", "created_by")
    readonly_fields = ("paragraph_numbers",)

    def save_related(self, request, form, formsets, change) -> None:
        """Keep the audited snapshot of the linked paragraphs in step with the links."""
        super().save_related(request, form, formsets, change)
        action = form.instance
        numbers = Action.numbers_of(action.paragraphs.all())
        if numbers != action.paragraph_numbers:
            action.paragraph_numbers = numbers
            action.save(update_fields=["paragraph_numbers"])


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ("action", "date", "status", "progress", "submission")
    list_filter = ("status", "submission__state")
    search_fields = ("narrative", "action__title")
    list_select_related = ("action", "submission__participant", "submission__cycle")
    raw_id_fields = ("action", "submission", "created_by")


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ("title", "action", "original_name", "content_type", "size", "url", "date")
    list_filter = ("content_type", "submission__state")
    search_fields = ("title", "original_name", "url", "sha256", "action__title")
    list_select_related = ("action",)
    raw_id_fields = ("action", "update", "submission", "uploaded_by")
    # Files arrive only through the checked upload form.
    readonly_fields = ("file", "original_name", "content_type", "size", "sha256")


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ("submission", "paragraph", "rating", "updated_at")
    list_filter = ("rating", "submission__state", "submission__cycle")
    search_fields = ("justification", "submission__participant__name")
    list_select_related = ("submission__participant", "submission__cycle", "paragraph__declaration")
    raw_id_fields = ("submission", "paragraph", "updated_by")


class ReportDownloadInline(admin.TabularInline):
    model = ReportDownload
    extra = 0
    readonly_fields = ("user", "at")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "requested_by", "format", "state", "progress", "created_at")
    list_filter = ("state", "format", "declaration")
    search_fields = ("requested_by__username", "error")
    list_select_related = ("requested_by",)
    raw_id_fields = ("requested_by", "cycle")
    inlines = [ReportDownloadInline]
