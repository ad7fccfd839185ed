from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("actions/<int:pk>/", views.action_detail, name="action"),
]
