import datetime
import hashlib
import io

from django.core.files.base import ContentFile
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from declarations.models import Declaration
from tracking.models import (
    Action,
    Assessment,
    Evidence,
    Membership,
    Participant,
    ProgressUpdate,
    ReportingCycle,
    Submission,
    User,
)

DEMO_PASSWORD = "demo-pass-2018"  # noqa: S105 - demo accounts only, printed by `make run`
DECLARATION_SLUG = "dushanbe"

# username, first name, last name, participant code (or None), role, extra fields
ACCOUNTS = [
    ("secretariat", "Sara", "Secretariat", None, None, {"is_secretariat": True}),
    ("tjk-focal", "Farrukh", "Focal", "TJK", Membership.Role.FOCAL_POINT, {}),
    ("tjk-coordinator", "Kamila", "Coordinator", "TJK", Membership.Role.COORDINATOR, {}),
    ("kaz-focal", "Aigerim", "Focal", "KAZ", Membership.Role.FOCAL_POINT, {}),
    ("kgz-focal", "Bakyt", "Focal", "KGZ", Membership.Role.FOCAL_POINT, {}),
    ("kgz-coordinator", "Aibek", "Coordinator", "KGZ", Membership.Role.COORDINATOR, {}),
    ("uzb-focal", "Dilnoza", "Focal", "UZB", Membership.Role.FOCAL_POINT, {}),
    ("uzb-coordinator", "Jasur", "Coordinator", "UZB", Membership.Role.COORDINATOR, {}),
]

# What each demo participant has filed for the open cycle, and how far its review went.
# (paragraph numbers, title, lead institution, final status, progress, updates)
FILINGS = {
    "TJK": (
        Submission.State.SUBMITTED,
        "",
        [
            (
                [4, 5],
                "National action plan on countering the financing of terrorism",
                "Financial Monitoring Department, National Bank of Tajikistan",
                Action.Status.IN_PROGRESS,
                60,
                ["Draft plan agreed by the inter-agency working group.", "Plan adopted."],
            ),
            (
                [9],
                "Border management training for customs and border officers",
                "Border Troops of the State Committee for National Security",
                Action.Status.COMPLETED,
                100,
                ["Two training sessions held in Khorog.", "Final session held; 240 trained."],
            ),
            (
                [12, 13],
                "School programme on preventing violent extremism",
                "Ministry of Education and Science",
                Action.Status.ONGOING,
                40,
                ["Curriculum module piloted in 20 schools."],
            ),
        ],
    ),
    "KAZ": (
        Submission.State.DRAFT,
        "",
        [
            (
                [6],
                "Amendments to the law on countering extremism and terrorism",
                "Ministry of Justice",
                Action.Status.PLANNED,
                0,
                [],
            ),
            (
                [14],
                "Online counter-narratives campaign with civil society",
                "Ministry of Information and Social Development",
                Action.Status.IN_PROGRESS,
                30,
                ["Campaign launched on three platforms."],
            ),
        ],
    ),
    "KGZ": (
        Submission.State.APPROVED,
        "",
        [
            (
                [2, 3],
                "Regional information exchange on foreign terrorist fighters",
                "State Committee for National Security",
                Action.Status.ONGOING,
                50,
                ["Agreement signed with two neighbouring States."],
            ),
        ],
    ),
    "UZB": (
        Submission.State.DRAFT,
        "Please add evidence for the prison rehabilitation programme before resubmitting.",
        [
            (
                [11],
                "Rehabilitation and reintegration programme for returnees",
                "Ministry of Internal Affairs",
                Action.Status.DELAYED,
                20,
                ["Funding postponed to next year."],
            ),
        ],
    ),
}

RATINGS = [
    Assessment.Rating.PARTIALLY,
    Assessment.Rating.SUBSTANTIALLY,
    Assessment.Rating.FULLY,
    Assessment.Rating.NOT_STARTED,
    Assessment.Rating.PARTIALLY,
    Assessment.Rating.NOT_APPLICABLE,
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
        "Creates the demo accounts and data (idempotent: running it again changes nothing). "
        "With --scale un, also generates the UN-scale benchmark data set."
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
        self.stdout.write("Open http://127.0.0.1:8000/ and log in with a demo account:")
        for username, *_ in ACCOUNTS:
            self.stdout.write(f"  {username:<18} password {DEMO_PASSWORD}")

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
        cycle, _ = ReportingCycle.objects.get_or_create(
            declaration=declaration,
            name="2026",
            defaults={
                "starts_on": datetime.date(2026, 1, 1),
                "ends_on": datetime.date(2026, 12, 31),
                "due_on": datetime.date(2026, 12, 31),
                "state": ReportingCycle.State.OPEN,
            },
        )
        cycle.participants.add(*declaration.participants.all())
        users = {username: self.account(username, *rest) for username, *rest in ACCOUNTS}
        paragraphs = {p.number: p for p in declaration.paragraphs.operative()}
        for code, (state, comment, actions) in FILINGS.items():
            participant = Participant.objects.get(code=code)
            focal = users[f"{code.lower()}-focal"]
            submission, created = Submission.objects.get_or_create(
                participant=participant, cycle=cycle
            )
            if not created:
                continue  # filed on an earlier run: leave it (and any later edits) alone
            for index, action in enumerate(actions):
                self.file_action(submission, declaration, paragraphs, focal, index, *action)
            for number, paragraph in list(paragraphs.items())[: 6 + 2 * len(actions)]:
                rating = RATINGS[number % len(RATINGS)]
                Assessment.objects.create(
                    submission=submission,
                    paragraph=paragraph,
                    rating=rating,
                    justification=f"{participant.name}: see the actions filed under OP{number}.",
                    updated_by=focal,
                )
            coordinator = users.get(f"{code.lower()}-coordinator")
            self.review(submission, state, comment, focal, coordinator)

    def account(self, username, first, last, code, role, extra) -> User:
        email = f"{username}@example.org"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": email, **extra},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if code:
            Membership.objects.get_or_create(
                user=user, participant=Participant.objects.get(code=code), defaults={"role": role}
            )
        return user

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
        start = datetime.date(2025, 3 + index, 1)
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

    def review(self, submission, state, comment, focal, coordinator) -> None:
        if state == Submission.State.DRAFT and not comment:
            return
        now = timezone.now()
        submission.state = state
        submission.submitted_at, submission.submitted_by = now, focal
        submission.review_comment = comment
        if state != Submission.State.SUBMITTED:
            submission.reviewed_at, submission.reviewed_by = now, coordinator
        submission.save()
