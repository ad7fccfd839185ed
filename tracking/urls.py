from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("actions/<int:pk>/", views.action_detail, name="action"),
    # --- Reports ---
    path("reports/", views.reports, name="reports"),
    path("reports/fragment/", views.reports, {"fragment": True}, name="reports_fragment"),
    path("reports/new/", views.report_request, name="report_request"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("reports/<int:pk>/retry/", views.report_retry, name="report_retry"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report_delete"),
    # --- end reports ---
]
