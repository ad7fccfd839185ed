from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Tracking")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.urls import register_converter

        from . import two_factor
        from .ids import IdConverter
        from .middleware import session_start

        # The idle clock starts at login, so the first page after it needs no session write.
        user_logged_in.connect(session_start, dispatch_uid="tracking.session_start")
        # Auth plumbing, as django-otp and django-axes do it: what a new session still owes.
        user_logged_in.connect(two_factor.note_owed, dispatch_uid="two_factor_note_owed")
        # `<id:pk>` in the routes of both apps: a number too long for an id is not found.
        register_converter(IdConverter, "id")
