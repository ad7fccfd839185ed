"""Prints a new API token for a user: for operators setting up a script or another system."""

from django.core.management.base import BaseCommand, CommandError

from tracking.api.authentication import token_create
from tracking.models import User


class Command(BaseCommand):
    help = "Makes a new API token for USERNAME and prints it (it is not shown again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What the token is for.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is named {username!r}.")
        if not name.strip() or len(name) > 100:
            raise CommandError("Give a --name of 1 to 100 characters.")
        _token, secret = token_create(user=user, name=name.strip())
        self.stdout.write(secret)
