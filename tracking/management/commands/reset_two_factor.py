"""Deletes a user's authenticators and recovery codes, for a user who lost their phone."""

from django.core.management.base import BaseCommand, CommandError

from tracking import two_factor
from tracking.models import User


class Command(BaseCommand):
    help = "Deletes a user's two-factor devices; a required role enrols again at the next login."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        done = two_factor.two_factor_reset(user=user)
        if not done:
            self.stdout.write(f"{username} had no two-factor devices; nothing deleted.")
            return
        for line in done:
            self.stdout.write(f"{username}: deleted {line}")
        self.stdout.write(f"{username} logs in with the password alone until they enrol again.")
