"""The site's URLs plus the floor page, for the benchmarks: `ROOT_URLCONF = "benchmarks.floor"`.

The floor is the cheapest page a logged-in user can get: a view that requires login and
renders `base.html` with no queries of its own, so it pays only for what every page pays
(middleware, the session and user lookups, the verified second factor, the context
processors, the base template).
"""

from django.shortcuts import render
from django.urls import path

from config import urls

FLOOR_URL = "/benchmark/floor/"


def floor(request):
    """What every logged-in page costs before doing anything of its own."""
    return render(request, "base.html")


urlpatterns = [path(FLOOR_URL.lstrip("/"), floor), *urls.urlpatterns]
