from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Tracking")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import session_start

        # The idle clock starts at login, so the first page after it needs no session write.
        user_logged_in.connect(session_start, dispatch_uid="tracking.session_start")
