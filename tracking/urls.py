from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("actions/<int:pk>/", views.action_detail, name="action"),
]

# --- Lists and dashboards ---
urlpatterns += [
    path("actions/", views.action_list, name="actions"),
    path("actions/export.csv", views.action_export_csv, name="actions_csv"),
    path("actions/export.xlsx", views.action_export_xlsx, name="actions_xlsx"),
    path("matrix/", views.matrix, name="matrix"),
    path("completeness/", views.completeness, name="completeness"),
]
# --- end of lists and dashboards ---
