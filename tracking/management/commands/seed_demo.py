from django.core.management.base import BaseCommand
from django.db import transaction

from tracking.models import User

DEMO_PASSWORD = "demo-pass-2018"  # noqa: S105 - demo accounts only, printed by `make run`


class Command(BaseCommand):
    help = "Creates the demo accounts and data (idempotent: running it again changes nothing)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        accounts = [("secretariat", "Secretariat", "User", {"is_secretariat": True})]
        for username, first, last, extra in accounts:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, **extra}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
        self.stdout.write("Open http://127.0.0.1:8000/ and log in with a demo account:")
        for username, *_ in accounts:
            self.stdout.write(f"  {username:<18} password {DEMO_PASSWORD}")
