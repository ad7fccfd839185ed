from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in; what they may see comes from their memberships."""

    is_secretariat = models.BooleanField(
        _("secretariat"),
        default=False,
        help_text=_("Follows every participant and requests consolidated reports."),
    )

    @property
    def role_label(self) -> str:
        if self.is_secretariat:
            return str(_("Secretariat"))
        if self.is_superuser:
            return str(_("Administrator"))
        return ""
