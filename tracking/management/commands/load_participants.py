import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_noop

from declarations.models import Declaration
from tracking.models import Participant
from tracking.regions import region_of

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "participants.json"

# The organisations' names of the data file, for the catalogs: `Participant.display_name`
# translates them. (States' names come from the CLDR by their ISO code.)
ORGANISATION_NAMES = {
    "OSCE": gettext_noop("Organization for Security and Co-operation in Europe"),
    "EU": gettext_noop("European Union"),
    "SCO": gettext_noop("Shanghai Cooperation Organization"),
    "CSTO": gettext_noop("Collective Security Treaty Organization"),
    "CIS": gettext_noop("Commonwealth of Independent States"),
    "UN": gettext_noop("United Nations"),
}


class Command(BaseCommand):
    help = (
        "Loads the UN Member States and the organisations of tracking/data/participants.json "
        "(create or update by code; running it again changes nothing) and links them to "
        "the declarations the file lists, or to --declaration."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="JSON data file")
        parser.add_argument(
            "--declaration",
            action="append",
            dest="declarations",
            metavar="SLUG",
            help="link every participant to this declaration (repeatable)",
        )

    @transaction.atomic
    def handle(self, *args, file: Path, declarations: list[str] | None, **options) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        slugs = declarations or data.get("declarations", [])
        found = {d.slug: d for d in Declaration.objects.filter(slug__in=slugs)}
        missing = sorted(set(slugs) - set(found))
        if missing and declarations:
            raise CommandError(f"No declaration with slug {', '.join(missing)}.")
        for slug in missing:
            self.stderr.write(
                f"Declaration {slug!r} is not loaded yet: participants are not linked to it."
            )

        existing = {p.code: p for p in Participant.objects.all()}
        created = updated = 0
        for row in data["participants"]:
            participant = existing.get(row["code"])
            region = region_of(row["code"], row["kind"])
            if participant is None:
                participant = Participant(code=row["code"])
                created += 1
            elif (participant.name, participant.kind, participant.region) == (
                row["name"],
                row["kind"],
                region,
            ):
                continue
            else:
                updated += 1
            participant.name, participant.kind = row["name"], row["kind"]
            participant.region = region
            participant.full_clean(validate_unique=False)
            participant.save()  # one at a time, so that the audit history records it
            existing[participant.code] = participant

        codes = {row["code"] for row in data["participants"]}
        through = Participant.declarations.through
        links = set(through.objects.values_list("participant_id", "declaration_id"))
        new_links = [
            through(participant_id=participant.pk, declaration_id=declaration.pk)
            for participant in existing.values()
            if participant.code in codes
            for declaration in found.values()
            if (participant.pk, declaration.pk) not in links
        ]
        through.objects.bulk_create(new_links)
        self.stdout.write(
            f"Participants: {created} created, {updated} updated, "
            f"{len(new_links)} links to declarations added."
        )
