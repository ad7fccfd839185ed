from django.contrib import admin
from django.contrib.auth.views import PasswordResetView
from django.urls import include, path

from tracking import views as tracking_views
from tracking.forms import ThrottledPasswordResetForm
from tracking.urls import public_urlpatterns
from tracking.views import two_factor

urlpatterns = [
    path("", tracking_views.home, name="home"),
    path("healthz", tracking_views.healthz, name="healthz"),
    # Before Django's own: the same page, with a throttle on the mails it sends.
    path(
        "accounts/password_reset/",
        PasswordResetView.as_view(form_class=ThrottledPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("declarations/", include("declarations.urls")),
    path("tracking/", include("tracking.urls")),
    path("api/v1/", include("tracking.api.urls")),
    path("public/", include((public_urlpatterns, "public"))),
]

# A database that is down while the session or the user loads answers 503, not 500.
handler500 = "tracking.views.errors.server_error"
