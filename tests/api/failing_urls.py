"""The site's addresses plus views that fail or take one method only, under the API and under
the pages, to see what each answers when Django itself answers the error."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns


@login_not_required
def fail(request):
    raise RuntimeError("secret detail of the failure")


@login_not_required
@require_GET
def get_only(request):
    return HttpResponse("read")


urlpatterns = [
    path("api/v1/failing/", fail),
    path("api/v1/get-only/", get_only),
    path("tracking/failing/", fail),
    *site_urlpatterns,
]
