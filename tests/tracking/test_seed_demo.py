"""The demo data of `make run` and the UN-scale benchmark data set."""

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from declarations.models import Declaration, Paragraph
from tests.conftest import new_cycle
from tracking.models import (
    Action,
    Assessment,
    Evidence,
    Match,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Publication,
    ReportingCycle,
    Submission,
    User,
)
from tracking.submission_rules import submission_problems


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = [User, Participant, Submission, Action, ProgressUpdate, Evidence, Assessment, Need,
              Offer, Match]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_it_stops_with_a_clear_message_when_the_declaration_is_missing(db, monkeypatch):
    monkeypatch.setattr(
        "tracking.management.commands.seed_demo.get_commands", lambda: {"seed_demo": "tracking"}
    )
    with pytest.raises(CommandError, match="load_shipped_declarations"):
        _seed()


def test_it_creates_the_demo_accounts_and_prints_them(declaration, media, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"

    out = _seed()

    assert "Open http://127.0.0.1:8123/ and log in" in out
    for username in ["admin", "secretariat", "tjk-focal", "tjk-coordinator", "tjk-viewer",
                     "kaz-focal"]:  # fmt: skip
        assert username in out
        user = User.objects.get(username=username)
        assert user.check_password("demo-pass-2018")
        assert user.email == f"{username}@example.org"
    assert User.objects.get(username="secretariat").is_secretariat
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.is_secretariat
    assert User.objects.get(username="tjk-viewer").memberships.get().role == "viewer"
    assert User.objects.get(username="tjk-focal").memberships.get().participant.code == "TJK"
    assert User.objects.get(username="kaz-focal").memberships.get().participant.code == "KAZ"


def test_it_files_records_in_mixed_states_with_history(declaration, media):
    _seed()

    states = set(Submission.objects.values_list("state", flat=True))
    assert {"draft", "submitted", "approved"} <= states
    assert Action.objects.filter(participant__code="TJK", submission__state="submitted").exists()
    assert Action.objects.filter(participant__code="KAZ", submission__state="draft").exists()
    assert Assessment.objects.filter(submission__participant__code="TJK").count() > 0
    # Saved one by one, so the audit history has them.
    assert Action.history.count() >= Action.objects.count()
    assert ProgressUpdate.history.count() == ProgressUpdate.objects.count() > 0
    assert Submission.objects.filter(review_comment__startswith="Please add").exists()


def test_it_seeds_needs_offers_and_matches_that_find_each_other(declaration, media):
    from tracking import permissions

    _seed()

    need_states = set(Need.objects.values_list("submission__state", flat=True))
    assert need_states == {"draft", "submitted", "approved"}
    assert Need.objects.filter(shareable=False).exists()
    assert set(Offer.objects.values_list("provider__code", "state")) == {
        ("OSCE", "published"), ("DEU", "published"), ("DEU", "draft")
    }  # fmt: skip
    assert sorted(Match.objects.values_list("state", flat=True)) == [
        "agreed", "delivered", "proposed"
    ]  # fmt: skip
    provider = User.objects.get(username="osce-provider")
    assert provider.memberships.get().role == "provider"
    # The provider sees the shared needs of approved submissions, and the matches of its offers.
    seen = permissions.scope_needs(Need.objects.all(), provider)
    assert set(seen.values_list("submission__state", "shareable")) == {("approved", True)}
    assert permissions.scope_matches(Match.objects.all(), provider).count() == 2


def test_2025_is_closed_and_approved_and_2026_starts_from_it(declaration, media):
    _seed()

    earlier, current = ReportingCycle.objects.order_by("starts_on")
    assert (earlier.name, earlier.state, current.name, current.state) == (
        "2025", "closed", "2026", "open",
    )  # fmt: skip
    assert set(earlier.submissions.values_list("state", flat=True)) == {"approved"}
    states = dict(current.submissions.values_list("participant__code", "state"))
    assert states == {"TJK": "submitted", "KGZ": "approved", "KAZ": "draft", "UZB": "draft"}
    # Carried forward the real way: copies pointing at 2025, some of them changed since.
    copies = Assessment.objects.filter(submission__cycle=current)
    assert copies.count() == 4 * 16
    assert copies.filter(carried_from__isnull=True).count() == 0
    assert Action.objects.filter(submission__cycle=current, carried_from__isnull=False).exists()
    assert Evidence.objects.filter(submission__cycle=current, carried_from__isnull=False).exists()
    changed = {
        (a.submission.participant.code, a.paragraph.number): (a.carried_from.rating, a.rating)
        for a in copies.exclude(version=1).select_related(
            "submission__participant", "paragraph", "carried_from"
        )
    }
    assert changed[("TJK", 4)] == ("substantially", "fully")  # improved
    assert changed[("TJK", 12)] == ("partially", "not_started")  # regressed
    assert changed[("KGZ", 8)] == ("fully", "substantially")  # regressed
    assert copies.filter(version=1).exists()  # and others carried unchanged


def test_every_submitted_or_approved_demo_submission_obeys_the_submit_rules(declaration, media):
    _seed()

    sealed = Submission.objects.exclude(state="draft").select_related("participant", "cycle")
    assert sealed.count() == 6
    for submission in sealed:
        assert submission_problems(submission) == [], submission
    # A draft may still miss things, and the page says what.
    kazakhstan = Submission.objects.get(participant__code="KAZ", cycle__name="2026")
    assert [p.paragraph.number for p in submission_problems(kazakhstan)] == [1]


def test_its_evidence_files_are_real_and_checksummed(declaration, media):
    _seed()

    files = Evidence.objects.exclude(file="")
    assert files.exists()
    for evidence in files:
        content = default_storage.open(evidence.file.name).read()
        assert content.startswith(b"%PDF")
        assert evidence.size == len(content)
        assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert Evidence.objects.filter(url__startswith="https://").exists()


def test_running_it_twice_changes_nothing(declaration, media):
    _seed()
    before = _counts()

    _seed()

    assert _counts() == before


def test_the_un_scale_mode_generates_the_figures_it_is_given(declaration, media):
    _seed("--scale", "un", "--actions", "200", "--updates-per-action", "3", "--evidence", "90")

    demo_actions = Action.objects.filter(description__contains="demonstration").count()
    assert Action.objects.count() == 200 + demo_actions
    assert ProgressUpdate.objects.filter(narrative__startswith="Generated").count() == 600
    assert Evidence.objects.filter(title__startswith="Evidence ").count() == 90
    assert Evidence.objects.filter(title__startswith="Evidence ").exclude(url="").count() == 60
    assert Participant.objects.filter(kind="state").count() == 193
    assert Participant.objects.filter(kind="organization").count() == 10
    assert Declaration.objects.count() == 3
    operative = Paragraph.objects.operative().count()
    assert operative == 16 + 32 + 32
    # A rating for every participant × operative paragraph of its declarations, in two cycles.
    assert Assessment.objects.count() == 2 * 203 * operative
    assert set(Submission.objects.filter(cycle__name="2025").values_list("state", flat=True)) == {
        "submitted",
        "approved",
    }
    assert set(Submission.objects.filter(cycle__name="2026").values_list("state", flat=True)) == {
        "draft",
        "submitted",
        "approved",
    }
    assert set(ReportingCycle.objects.values_list("name", "state")) == {
        ("2025", "closed"),
        ("2026", "open"),
    }
    # 2026 starts from 2025: copies of open actions and of ratings of approved submissions.
    copy = Action.objects.filter(carried_from__isnull=False).select_related("carried_from").first()
    assert copy.submission.cycle.name == "2026"
    assert copy.carried_from.submission.state == "approved"
    assert copy.carried_from.title == copy.title
    assert set(copy.paragraphs.all()) == set(copy.carried_from.paragraphs.all())
    rating = Assessment.objects.filter(carried_from__isnull=False).first()
    assert rating.rating == rating.carried_from.rating
    assert rating.carried_from.submission.cycle.name == "2025"
    for submission in Submission.objects.exclude(state="draft").select_related(
        "participant", "cycle"
    ):
        assert submission_problems(submission) == [], submission
    # Every action's status is that of its last update.
    action = Action.objects.filter(description__startswith="Generated").first()
    assert action.updates.order_by("-date").first().status == action.status
    assert action.paragraphs.exists()
    # Technical assistance at scale: needs, offers of the organisations and ten donor States,
    # matches only of shareable needs of approved submissions with a published offer that fits;
    # the 2025 cycle of the Dushanbe Declaration published for the public pages.
    generated = Need.objects.filter(description__startswith="Assistance with the")
    assert generated.count() > 203
    # Tajikistan's drafts hold a need whatever the draw: the benchmark's need forms edit one.
    tjk_drafts = Submission.objects.filter(participant__code="TJK", state="draft")
    assert tjk_drafts.exists()
    assert not tjk_drafts.filter(needs=None).exists()
    assert Offer.objects.filter(provider__code="DEU", state="published").exists()
    matches = Match.objects.filter(offer__description__startswith="Generated").select_related(
        "need__submission", "offer"
    )
    assert matches.exists()
    for match in matches:
        assert match.need.shareable and match.need.submission.state == "approved"
        assert match.offer.state == "published" and match.offer.fits(match.need)
    assert Publication.objects.get().cycle.declaration.slug == "dushanbe"


def test_the_un_scale_mode_runs_once(declaration, media):
    arguments = ["--scale", "un", "--actions", "20", "--updates-per-action", "2", "--evidence", "5"]
    _seed(*arguments)
    before = _counts()

    out = _seed(*arguments)

    assert "already there" in out
    assert _counts() == before
    # New rows still get fresh keys after the generated ones.
    assert Submission.objects.create(
        participant=Participant.objects.get(code="FRA"),
        cycle=new_cycle(Submission.objects.first().cycle.declaration, 2027),
    ).pk


def test_demo_accounts_that_must_use_two_factor_get_the_documented_secret(
    declaration, media, settings
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED_ROLES = ["secretariat", "coordinator"]

    out = _seed()

    assert "two-factor secret for demo accounts: JBSWY3DPEHPK3PXP" in out
    enrolled = set(TOTPDevice.objects.values_list("user__username", flat=True))
    assert {"admin", "secretariat", "tjk-coordinator", "kaz-coordinator"} <= enrolled
    assert not {"tjk-focal", "tjk-viewer"} & enrolled
    device = TOTPDevice.objects.get(user__username="secretariat")
    assert device.confirmed and device.bin_key == b"Hello!\xde\xad\xbe\xef"
    _seed()  # seeding again replaces the demo authenticators
    assert TOTPDevice.objects.filter(user__username="secretariat").count() == 1
