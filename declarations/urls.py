from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("", views.declaration_list, name="list"),
    path("upload/", views.import_upload, name="upload"),
    path("imports/<id:pk>/", views.import_status, name="import"),
    path("imports/<id:pk>/status/", views.import_status_fragment, name="import_fragment"),
    path("<slug:slug>/", views.declaration_detail, name="detail"),
    path("<slug:slug>/<id:number>/", views.paragraph_detail, name="paragraph"),
]
