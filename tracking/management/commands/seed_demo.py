import base64
import datetime
import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from declarations.models import Declaration
from tracking import assistance, services, tallies, two_factor
from tracking.models import (
    Action,
    Assessment,
    AssistanceKind,
    Evidence,
    Match,
    Membership,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    ReportingCycle,
    Submission,
    User,
)

DEMO_PASSWORD = "demo-pass-2018"  # noqa: S105 - demo accounts only, printed by `make run`
DECLARATION_SLUG = "dushanbe"
# The authenticator secret of every demo account whose role requires two-factor login: type it
# into an authenticator app (or `oathtool --totp -b JBSWY3DPEHPK3PXP`). Demo accounts only.
DEMO_TWO_FACTOR_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105

# username, first name, last name, participant code (or None), role, extra fields
ACCOUNTS = [
    ("admin", "Ada", "Admin", None, None,
     {"is_secretariat": True, "is_staff": True, "is_superuser": True}),
    ("secretariat", "Sara", "Secretariat", None, None, {"is_secretariat": True}),
    ("tjk-focal", "Farrukh", "Focal", "TJK", Membership.Role.FOCAL_POINT, {}),
    ("tjk-coordinator", "Kamila", "Coordinator", "TJK", Membership.Role.COORDINATOR, {}),
    ("tjk-viewer", "Vali", "Viewer", "TJK", Membership.Role.VIEWER, {}),
    ("kaz-focal", "Aigerim", "Focal", "KAZ", Membership.Role.FOCAL_POINT, {}),
    ("kaz-coordinator", "Nurlan", "Coordinator", "KAZ", Membership.Role.COORDINATOR, {}),
    ("kgz-focal", "Bakyt", "Focal", "KGZ", Membership.Role.FOCAL_POINT, {}),
    ("kgz-coordinator", "Aibek", "Coordinator", "KGZ", Membership.Role.COORDINATOR, {}),
    ("uzb-focal", "Dilnoza", "Focal", "UZB", Membership.Role.FOCAL_POINT, {}),
    ("uzb-coordinator", "Jasur", "Coordinator", "UZB", Membership.Role.COORDINATOR, {}),
    # Providers of technical assistance: an organisation and a donor State.
    ("osce-provider", "Olga", "Provider", "OSCE", Membership.Role.PROVIDER, {}),
    ("deu-provider", "Dieter", "Provider", "DEU", Membership.Role.PROVIDER, {}),
]  # fmt: skip


def demo_email(username: str) -> str:
    """Every demo account's address: the same rule wherever demo accounts are made."""
    return f"{username}@example.org"


# What each demo participant filed in 2025 (a closed cycle; every submission approved):
# (paragraph numbers, title, lead institution, final status, progress, update narratives).
ACTIONS_2025 = {
    "TJK": [
        ([4, 5], "National action plan on countering the financing of terrorism",
         "Financial Monitoring Department, National Bank of Tajikistan",
         Action.Status.IN_PROGRESS, 60,
         ["Draft plan agreed by the inter-agency working group.",
          "Plan submitted to the Government."]),
        ([9], "Border management training for customs and border officers",
         "Border Troops of the State Committee for National Security",
         Action.Status.COMPLETED, 100,
         ["Two training sessions held in Khorog.", "Final session held; 240 trained."]),
        ([12, 13], "School programme on preventing violent extremism",
         "Ministry of Education and Science", Action.Status.ONGOING, 40,
         ["Curriculum module piloted in 20 schools."]),
    ],
    "KAZ": [
        ([1], "National risk assessment of terrorist financing", "Financial Monitoring Agency",
         Action.Status.COMPLETED, 100, ["Risk assessment published."]),
        ([6], "Amendments to the law on countering extremism and terrorism",
         "Ministry of Justice", Action.Status.PLANNED, 0, []),
        ([14], "Online counter-narratives campaign with civil society",
         "Ministry of Information and Social Development", Action.Status.IN_PROGRESS, 30,
         ["Campaign launched on three platforms."]),
    ],
    "KGZ": [
        ([2, 3], "Regional information exchange on foreign terrorist fighters",
         "State Committee for National Security", Action.Status.ONGOING, 50,
         ["Agreement signed with two neighbouring States."]),
        ([8], "Support centre for victims of terrorism",
         "Ministry of Labour and Social Development", Action.Status.COMPLETED, 100,
         ["Centre opened in Bishkek."]),
    ],
    "UZB": [
        ([11], "Rehabilitation and reintegration programme for returnees",
         "Ministry of Internal Affairs", Action.Status.DELAYED, 20,
         ["Funding postponed to next year."]),
        ([10], "Prison deradicalisation programme", "Penitentiary Service",
         Action.Status.IN_PROGRESS, 70, ["Programme running in four prisons."]),
    ],
}  # fmt: skip

# A paragraph no action covers, rated by its number.
UNCOVERED = {
    0: (Assessment.Rating.NOT_STARTED, "No measures have been taken on OP{n} yet."),
    1: (Assessment.Rating.PARTIALLY, "Existing national measures cover part of OP{n}."),
    2: (Assessment.Rating.NOT_APPLICABLE, "OP{n} addresses situations that do not arise in {p}."),
    3: (Assessment.Rating.NO_INFORMATION, "The ministries concerned have not reported on OP{n}."),
}


def _evidence(title: str) -> tuple[str, str]:
    return (title, "https://www.un.org/counterterrorism/")


# How 2026 differs from the 2025 it was carried forward from, and how far its review went:
# updates on carried actions (title, narrative, status, progress, evidence link or None), new
# actions (as in 2025), changed ratings {number: (rating, justification)}, review.
CHANGES_2026 = {
    "TJK": {
        "updates": [
            ("National action plan on countering the financing of terrorism",
             "Plan adopted by Government decree.", Action.Status.COMPLETED, 100,
             _evidence("Government decree adopting the national action plan")),
            ("School programme on preventing violent extremism",
             "Programme suspended pending a curriculum review.", Action.Status.DELAYED, 40, None),
        ],
        "actions": [
            ([9], "Refresher training for border officers",
             "Border Troops of the State Committee for National Security",
             Action.Status.IN_PROGRESS, 30, ["First refresher course held in Murghab."]),
        ],
        "ratings": {
            4: (Assessment.Rating.FULLY, "The national action plan was adopted in 2026."),
            5: (Assessment.Rating.FULLY, "The plan's financing measures are in force."),
            12: (Assessment.Rating.NOT_STARTED, "The school programme is suspended."),
            13: (Assessment.Rating.NOT_STARTED, "The school programme is suspended."),
        },
        "review": (Submission.State.SUBMITTED, ""),
    },
    "KGZ": {
        "updates": [
            ("Regional information exchange on foreign terrorist fighters",
             "Exchange running with every neighbouring State.", Action.Status.COMPLETED, 100,
             _evidence("Protocol on information exchange")),
        ],
        "actions": [],
        "ratings": {
            2: (Assessment.Rating.FULLY, "Information is exchanged with every neighbouring State."),
            8: (Assessment.Rating.SUBSTANTIALLY,
                "The support centre's project funding ended; its services go on, smaller."),
        },
        "review": (Submission.State.APPROVED, "Thank you: well documented."),
    },
    "KAZ": {
        "updates": [
            ("Amendments to the law on countering extremism and terrorism",
             "Draft amendments sent to Parliament.", Action.Status.IN_PROGRESS, 30, None),
        ],
        "actions": [
            ([15], "Guidelines on protecting critical infrastructure",
             "Ministry of Emergency Situations", Action.Status.PLANNED, 0, []),
        ],
        "ratings": {6: (Assessment.Rating.PARTIALLY, "Draft amendments are before Parliament.")},
        "review": (Submission.State.DRAFT, ""),
    },
    "UZB": {
        "updates": [
            ("Rehabilitation and reintegration programme for returnees",
             "Funding still not released.", Action.Status.DELAYED, 20, None),
        ],
        "actions": [],
        "ratings": {
            11: (Assessment.Rating.NOT_STARTED,
                 "Funding has not been released; no returnees were enrolled."),
        },
        # Submitted, then returned to draft by the coordinator.
        "review": (
            Submission.State.DRAFT,
            "Please add evidence for the prison rehabilitation programme before resubmitting.",
        ),
    },
}  # fmt: skip


# Needs for technical assistance: (participant, cycle, paragraph, kind, priority, shareable,
# what is needed). The 2025 submissions are approved; in 2026 KGZ's is approved, TJK's
# submitted and KAZ's a draft.
NEEDS = [
    ("TJK", 2025, 9, AssistanceKind.TRAINING, Need.Priority.HIGH, True,
     "Train-the-trainer courses for officers of the mountain border posts."),
    ("TJK", 2025, 4, AssistanceKind.LEGISLATIVE_DRAFTING, Need.Priority.MEDIUM, True,
     "A review of the draft law on financial monitoring against international standards."),
    ("UZB", 2025, 11, AssistanceKind.EXPERTISE, Need.Priority.HIGH, True,
     "Advice on designing the rehabilitation programme for returnees."),
    ("KGZ", 2026, 8, AssistanceKind.FUNDING, Need.Priority.HIGH, True,
     "Funding to keep the victims support centre open after its project ends."),
    ("KGZ", 2026, 2, AssistanceKind.EQUIPMENT, Need.Priority.LOW, False,
     "Secure servers for the information exchange."),
    ("TJK", 2026, 12, AssistanceKind.EXPERTISE, Need.Priority.MEDIUM, True,
     "Curriculum experts for the review of the school programme."),
    ("KAZ", 2026, 6, AssistanceKind.LEGISLATIVE_DRAFTING, Need.Priority.MEDIUM, True,
     "Comments on the draft amendments to the law on countering extremism."),
]  # fmt: skip

# Offers: (provider, title, kind, paragraphs, open regions, open participants, published).
OFFERS = [
    ("OSCE", "Border management training for Central Asia", AssistanceKind.TRAINING, [9],
     "asia", [], True),
    ("OSCE", "Legislative review on countering the financing of terrorism",
     AssistanceKind.LEGISLATIVE_DRAFTING, [4, 5], "", [], True),
    ("DEU", "Support for services to victims of terrorism", AssistanceKind.FUNDING, [8], "",
     ["KGZ", "TJK"], True),
    ("DEU", "Expert missions on rehabilitation and reintegration", AssistanceKind.EXPERTISE,
     [11], "", [], False),
]  # fmt: skip

# Matches the secretariat made: (participant, paragraph, offer title, state reached).
MATCHES = [
    ("TJK", 9, "Border management training for Central Asia", Match.State.DELIVERED),
    ("TJK", 4, "Legislative review on countering the financing of terrorism", Match.State.AGREED),
    ("KGZ", 8, "Support for services to victims of terrorism", Match.State.PROPOSED),
]


def demo_pdf(title: str) -> bytes:
    """A small, real one-page PDF to stand for an uploaded document."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    page.setTitle(title)
    page.drawString(72, 770, title)
    page.drawString(72, 750, "Demonstration document of the declaration tracker.")
    page.showPage()
    page.save()
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "Creates the demo accounts and data: a closed 2025 cycle with approved submissions and "
        "an open 2026 cycle carried forward from it, with needs for technical assistance, "
        "providers' offers and matches (idempotent: running it again changes "
        "nothing). With --scale un, also generates the UN-scale benchmark data set."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=["demo", "un"], default="demo")
        parser.add_argument("--actions", type=int, default=100_000)
        parser.add_argument("--updates-per-action", type=int, default=10)
        parser.add_argument("--evidence", type=int, default=300_000)
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args, **options) -> None:
        declaration = self.dushanbe()
        call_command("load_participants", stdout=io.StringIO(), stderr=io.StringIO())
        with transaction.atomic():
            self.seed(declaration)
        if options["scale"] == "un":
            from ._un_scale import generate

            generate(
                actions=options["actions"],
                updates_per_action=options["updates_per_action"],
                evidence=options["evidence"],
                seed=options["seed"],
                stdout=self.stdout,
            )
        enrolled = self.enrol_two_factor()
        self.stdout.write(f"Open {settings.SITE_URL}/ and log in with a demo account:")
        for username, *_ in ACCOUNTS:
            self.stdout.write(f"  {username:<18} password {DEMO_PASSWORD}")
        if enrolled:
            self.stdout.write(
                f"two-factor secret for demo accounts: {DEMO_TWO_FACTOR_SECRET} "
                f"({', '.join(enrolled)})"
            )

    def enrol_two_factor(self) -> list[str]:
        """Gives the demo accounts that must use two-factor login an authenticator with the
        documented demo secret, so that demo logins need no phone."""
        key = base64.b32decode(DEMO_TWO_FACTOR_SECRET).hex()
        enrolled = []
        for user in User.objects.filter(username__in=[a[0] for a in ACCOUNTS]).order_by("pk"):
            if two_factor.is_required(user):
                TOTPDevice.objects.filter(user=user).delete()
                TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
                enrolled.append(user.username)
        return enrolled

    def dushanbe(self) -> Declaration:
        declaration = Declaration.objects.filter(slug=DECLARATION_SLUG).first()
        if declaration is None and "load_shipped_declarations" in get_commands():
            call_command("load_shipped_declarations", stdout=self.stdout)
            declaration = Declaration.objects.filter(slug=DECLARATION_SLUG).first()
        if declaration is None:
            raise CommandError(
                "The Dushanbe Declaration is not loaded: run "
                "`python manage.py load_shipped_declarations` first."
            )
        return declaration

    def seed(self, declaration: Declaration) -> None:
        users = {username: self.account(username, *rest) for username, *rest in ACCOUNTS}
        paragraphs = {p.number: p for p in declaration.paragraphs.operative()}
        earlier, created = self.cycle(declaration, 2025)
        if created:
            # Filed while the cycle was open, approved, then closed: 2026 starts from it.
            for code, actions in ACTIONS_2025.items():
                self.file_2025(earlier, code, actions, paragraphs, users)
            earlier.state = ReportingCycle.State.CLOSED
            earlier.save(update_fields=["state"])
        cycle, _ = self.cycle(declaration, 2026)
        for code, changes in CHANGES_2026.items():
            participant = Participant.objects.get(code=code)
            if Submission.objects.filter(participant=participant, cycle=cycle).exists():
                continue  # filed on an earlier run: leave it (and any later edits) alone
            self.file_2026(cycle, participant, changes, paragraphs, users)
        if not Offer.objects.exists():
            self.seed_assistance(declaration, paragraphs, users)

    def seed_assistance(self, declaration, paragraphs, users) -> None:
        """Needs in submissions of every state, providers' offers, and matches at each step."""
        needs = {}
        for code, year, number, kind, priority, shareable, description in NEEDS:
            submission = Submission.objects.get(participant__code=code, cycle__name=str(year))
            # Filed around the services: most of these submissions are sealed by now.
            needs[code, number] = Need.objects.create(
                submission=submission, paragraph=paragraphs[number], kind=kind,
                priority=priority, shareable=shareable, description=description,
                created_by=users[f"{code.lower()}-focal"],
            )  # fmt: skip
        offers = {}
        for code, title, kind, numbers, regions, open_to, published in OFFERS:
            user = users[f"{code.lower()}-provider"]
            offer = assistance.offer_create(
                provider=Participant.objects.get(code=code), declaration=declaration,
                paragraphs=[paragraphs[n] for n in numbers], themes=[],
                open_participants=list(Participant.objects.filter(code__in=open_to)),
                values={"title": title, "kind": kind, "open_regions": regions,
                        "description": f"{title}, offered as a demonstration.",
                        "contact_name": user.get_full_name(), "contact_email": user.email},
                user=user,
            )  # fmt: skip
            if published:
                offer = assistance.offer_move(
                    offer=offer, state=Offer.State.PUBLISHED, version=1, user=user
                )
            offers[title] = offer
        secretariat = users["secretariat"]
        for code, number, title, reached in MATCHES:
            match = assistance.match_propose(
                need=needs[code, number], offer=offers[title], note="", user=secretariat
            )
            for state in (Match.State.AGREED, Match.State.DELIVERED):
                if match.state == reached:
                    break
                match = assistance.match_move(
                    match=match, state=state, version=match.version, note="", user=secretariat
                )

    def cycle(self, declaration: Declaration, year: int) -> tuple[ReportingCycle, bool]:
        cycle, created = ReportingCycle.objects.get_or_create(
            declaration=declaration,
            name=str(year),
            defaults={
                "starts_on": datetime.date(year, 1, 1),
                "ends_on": datetime.date(year, 12, 31),
                "due_on": datetime.date(year + 1, 1, 31),
                "state": ReportingCycle.State.OPEN,
            },
        )
        if created:
            cycle.participants.add(*declaration.participants.all())
        return cycle, created

    def account(self, username, first, last, code, role, extra) -> User:
        email = demo_email(username)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": email, **extra},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        if code:
            Membership.objects.get_or_create(
                user=user, participant=Participant.objects.get(code=code), defaults={"role": role}
            )
        return user

    def file_2025(self, cycle, code, actions, paragraphs, users) -> None:
        participant = Participant.objects.get(code=code)
        focal = users[f"{code.lower()}-focal"]
        submission = Submission.objects.create(participant=participant, cycle=cycle)
        for index, action in enumerate(actions):
            self.file_action(submission, cycle.declaration, paragraphs, focal, index, *action)
        # Filed around the services (to date it in 2025): count it as they would.
        tallies.recount([submission.pk])
        for number, paragraph in paragraphs.items():
            rating, justification = self.rating_2025(participant, number, actions)
            Assessment.objects.create(
                submission=submission,
                paragraph=paragraph,
                rating=rating,
                justification=justification,
                updated_by=focal,
            )
        submission = services.submission_submit(submission=submission, version=1, user=focal)
        services.submission_approve(
            submission=submission,
            version=submission.version,
            user=users[f"{code.lower()}-coordinator"],
        )

    @staticmethod
    def rating_2025(participant, number, actions) -> tuple[str, str]:
        """From the actions on the paragraph; a paragraph without one is rated by its number."""
        on_it = [action for action in actions if number in action[0]]
        if not on_it:
            rating, justification = UNCOVERED[number % len(UNCOVERED)]
            return rating, justification.format(n=number, p=participant.name)
        _, title, _, status, progress, _ = max(on_it, key=lambda action: action[4])
        if status == Action.Status.COMPLETED:
            rating = Assessment.Rating.FULLY
        elif progress >= 50:
            rating = Assessment.Rating.SUBSTANTIALLY
        elif progress > 0:
            rating = Assessment.Rating.PARTIALLY
        else:
            rating = Assessment.Rating.NOT_STARTED
        return rating, f"{title}: {progress}% done."

    def file_2026(self, cycle, participant, changes, paragraphs, users) -> None:
        """Starts from 2025 by carry-forward, then changes it through the services."""
        code = participant.code.lower()
        focal, coordinator = users[f"{code}-focal"], users[f"{code}-coordinator"]
        submission = services.submission_start(participant=participant, cycle=cycle, user=focal)
        carried = {action.title: action for action in submission.actions.all()}
        for title, narrative, status, progress, evidence in changes["updates"]:
            action = carried[title]
            update = services.progress_update_file(
                action=action,
                user=focal,
                date=datetime.date(2026, 4, 1),
                narrative=narrative,
                status=status,
                progress=progress,
            )
            if evidence:
                services.evidence_add(
                    action=action,
                    update=update,
                    user=focal,
                    title=evidence[0],
                    date=update.date,
                    url=evidence[1],
                )
        for index, action in enumerate(changes["actions"]):
            self.create_action(cycle, paragraphs, focal, index, *action)
        for number, (rating, justification) in changes["ratings"].items():
            assessment = submission.assessments.get(paragraph=paragraphs[number])
            services.assessment_save(
                participant=participant,
                cycle=cycle,
                paragraph=paragraphs[number],
                rating=rating,
                justification=justification,
                version=assessment.version,
                user=focal,
            )
        state, comment = changes["review"]
        if state == Submission.State.DRAFT and not comment:
            return
        submission.refresh_from_db()
        submission = services.submission_submit(
            submission=submission, version=submission.version, user=focal
        )
        if state == Submission.State.APPROVED:
            services.submission_approve(
                submission=submission, version=submission.version, user=coordinator, comment=comment
            )
        elif state == Submission.State.DRAFT:
            services.submission_return(
                submission=submission, version=submission.version, user=coordinator, comment=comment
            )

    def create_action(
        self, cycle, paragraphs, user, index, numbers, title, lead, status, progress, narratives
    ) -> None:
        participant = user.memberships.get().participant
        action = services.action_create(
            participant=participant,
            declaration=cycle.declaration,
            paragraphs=[paragraphs[n] for n in numbers],
            user=user,
            values={
                "title": title,
                "description": f"{title}, filed as a demonstration.",
                "lead_institution": lead,
                "start_date": datetime.date(2026, 2 + index, 1),
                "status": Action.Status.PLANNED,
            },
        )
        for step, narrative in enumerate(narratives, start=1):
            last = step == len(narratives)
            services.progress_update_file(
                action=action,
                user=user,
                date=datetime.date(2026, 3 + step, 1),
                narrative=narrative,
                status=status if last else Action.Status.IN_PROGRESS,
                progress=progress if last else progress * step // len(narratives),
            )
        content = demo_pdf(title)
        services.evidence_add(
            action=action,
            user=user,
            title=f"Report: {title}",
            date=datetime.date(2026, 2 + index, 15),
            upload=SimpleUploadedFile(f"report-{title[:20]}.pdf", content),
            extension="pdf",
            content_type="application/pdf",
        )

    def file_action(
        self,
        submission,
        declaration,
        paragraphs,
        user,
        index,
        numbers,
        title,
        lead,
        status,
        progress,
        narratives,
    ) -> None:
        start = datetime.date(2025, 2 + index, 1)
        linked = [paragraphs[n] for n in numbers if n in paragraphs]
        action = Action.objects.create(
            participant=submission.participant,
            declaration=declaration,
            submission=submission,
            title=title,
            description=f"{title}, filed as a demonstration.",
            lead_institution=lead,
            partners="UNODC; OSCE" if index % 2 == 0 else "",
            start_date=start,
            end_date=datetime.date(2027, 12, 31),
            created_by=user,
            paragraph_numbers=Action.numbers_of(linked),
        )
        action.paragraphs.set(linked)
        for step, narrative in enumerate(narratives, start=1):
            last = step == len(narratives)
            update = ProgressUpdate.objects.create(
                action=action,
                submission=submission,
                date=start + datetime.timedelta(days=60 * step),
                narrative=narrative,
                status=status if last else Action.Status.IN_PROGRESS,
                progress=progress if last else progress * step // len(narratives),
                created_by=user,
            )
            if last:
                Evidence.objects.create(
                    action=action,
                    update=update,
                    submission=submission,
                    title=f"Press release: {title}",
                    date=update.date,
                    url="https://www.un.org/counterterrorism/",
                    uploaded_by=user,
                )
        if narratives:
            action.status, action.progress = status, progress
            action.save(update_fields=["status", "progress", "updated_at"])
        content = demo_pdf(title)
        evidence = Evidence(
            action=action,
            submission=submission,
            title=f"Report: {title}",
            date=start,
            original_name=f"report-{index + 1}.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=user,
        )
        evidence.file.save(f"report-{index + 1}.pdf", ContentFile(content), save=False)
        evidence.save()
