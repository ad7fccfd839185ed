"""Benchmark of the report builders on PostgreSQL; prints figures, asserts nothing.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_scale \\
        .venv/bin/python benchmarks/reports.py [--declaration SLUG] [--generate]

It reads the data already there (`manage.py seed_demo --scale un`, say) and writes nothing:
every transaction is read-only and no report row is saved. It measures, in one run, with the
builder functions the worker uses, on the declaration with the most actions:
- the consolidated (secretariat, every participant) CSV and XLSX reports against PostgreSQL's
  own `COPY (same query) TO STDOUT` of the same tables' rows (target: within 3x);
- the builder's peak memory at 10% and at 100% of the participants' rows, each in a fresh
  child process (target: the same within 20%);
- the consolidated PDF (secretariat, every participant; target: under 10 s) and a
  single-participant PDF of the participant with the most actions (target: under 10 s for
  1,000 actions), requested by one of its members, each with the CPU time of its process
  (the figure that a busy machine disturbs least).

`--language ru,ar` builds every report in those languages (the translations and fonts the
worker uses; default: LANGUAGE_CODE): the CSV and XLSX in the first, the PDF in each, on
the same data; then it lays out a table of 2,000 cells of English sentences and of Arabic
ones in the PDF of each language (the data set's own texts are English). `--pdf-only`
leaves out the consolidated CSV and XLSX. `--keep FOLDER` keeps the PDFs built, to look at.

`--generate` first fills an empty database with data of its own (bulk SQL, no history), one
declaration "benchmark": 203 participants, 100,000 actions (1,000 of them the first
participant's), 10 updates and 3 evidence records per action, a rating of every paragraph by
every participant.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import translation  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import SimpleDocTemplate  # noqa: E402

from declarations.models import Declaration, Paragraph  # noqa: E402
from tracking import reports  # noqa: E402
from tracking.models import (  # noqa: E402
    Membership,
    Participant,
    Report,
    ReportingCycle,
    Submission,
    User,
)
from tracking.reports import pdf, typesetting  # noqa: E402
from tracking.reports.data import ReportData  # noqa: E402

SLUG = "benchmark"
PARTICIPANTS = 203
FIRST_PARTICIPANT_ACTIONS = 1000


@transaction.atomic
def generate(actions: int) -> None:
    if Declaration.objects.filter(slug=SLUG).exists():
        print("benchmark data already present; not generating")
        return
    started = time.perf_counter()
    declaration = Declaration.objects.create(title="Benchmark Declaration", short_title="Bench",
                                             slug=SLUG)  # fmt: skip
    Paragraph.objects.bulk_create(
        Paragraph(declaration=declaration, kind="operative", number=n, verb="Consider",
                  text_markdown=f"Consider commitment {n}", text=f"Consider commitment {n}",
                  position=n)
        for n in range(1, 17)
    )  # fmt: skip
    cycle = ReportingCycle.objects.create(declaration=declaration, name="2026", state="open",
                                          starts_on="2026-01-01", ends_on="2026-12-31",
                                          due_on="2026-12-31")  # fmt: skip
    secretariat = User.objects.create_user("bench-secretariat", is_secretariat=True)
    participants = Participant.objects.bulk_create(
        Participant(code=f"P{index:03d}", name=f"Participant {index:03d}", kind="state")
        for index in range(PARTICIPANTS)
    )
    declaration.participants.add(*participants)
    focal = User.objects.create_user("bench-focal")
    Membership.objects.create(user=focal, participant=participants[0], role="focal_point")
    Submission.objects.bulk_create(
        Submission(participant=participant, cycle=cycle, state="submitted")
        for participant in participants
    )
    user = secretariat.pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE bench_p AS
            SELECT row_number() OVER (ORDER BY p.id) - 1 AS idx, p.id AS participant_id,
                   s.id AS submission_id
            FROM tracking_participant p JOIN tracking_submission s ON s.participant_id = p.id
            WHERE s.cycle_id = %s
            """,
            [cycle.pk],
        )
        cursor.execute(
            """
            INSERT INTO tracking_action (participant_id, declaration_id, submission_id, title,
                description, lead_institution, partners, start_date, end_date, status, progress,
                created_by_id, created_at, updated_at, version)
            SELECT p.participant_id, %s, p.submission_id, 'Action ' || g,
                   'Description of action ' || g, 'Ministry ' || (g %% 7), '',
                   date '2026-01-01' + (g %% 200), NULL,
                   (ARRAY['planned','in_progress','completed','ongoing','delayed'])[1 + g %% 5],
                   g %% 101, %s, now(), now(), 1
            FROM generate_series(1, %s) g
            JOIN bench_p p ON p.idx = CASE WHEN g <= %s THEN 0 ELSE 1 + g %% (%s - 1) END
            """,
            [declaration.pk, user, actions, FIRST_PARTICIPANT_ACTIONS, PARTICIPANTS],
        )
        cursor.execute(
            """
            INSERT INTO tracking_action_paragraphs (action_id, paragraph_id)
            SELECT a.id, par.id FROM tracking_action a
            JOIN declarations_paragraph par ON par.declaration_id = a.declaration_id
             AND (par.number = 1 + a.id %% 16 OR par.number = 1 + (a.id * 7) %% 16)
            WHERE a.declaration_id = %s
            """,
            [declaration.pk],
        )
        cursor.execute(
            """
            INSERT INTO tracking_progressupdate (action_id, submission_id, date, narrative, status,
                progress, created_by_id, created_at, version)
            SELECT a.id, a.submission_id, date '2026-01-01' + g * 20,
                   'Update ' || g || ' of action ' || a.id || ': the work moved on.',
                   'in_progress', g * 10, %s, now(), 1
            FROM tracking_action a CROSS JOIN generate_series(1, 10) g
            WHERE a.declaration_id = %s
            """,
            [user, declaration.pk],
        )
        cursor.execute(
            """
            INSERT INTO tracking_evidence (action_id, update_id, submission_id, title, date, file,
                original_name, content_type, size, sha256, url, uploaded_by_id, created_at)
            SELECT a.id, NULL, a.submission_id, 'Evidence ' || g || ' of action ' || a.id,
                   date '2026-02-01', '', '', '', NULL, '',
                   'https://example.org/evidence/' || a.id || '/' || g, %s, now()
            FROM tracking_action a CROSS JOIN generate_series(1, 3) g
            WHERE a.declaration_id = %s
            """,
            [user, declaration.pk],
        )
        cursor.execute(
            """
            INSERT INTO tracking_assessment (submission_id, paragraph_id, rating, justification,
                updated_by_id, updated_at, version)
            SELECT p.submission_id, par.id,
                   (ARRAY['not_started','partially','substantially','fully'])
                       [1 + (p.idx + par.number) %% 4],
                   'Justification', %s, now(), 1
            FROM bench_p p CROSS JOIN declarations_paragraph par WHERE par.declaration_id = %s
            """,
            [user, declaration.pk],
        )
    connection.cursor().execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.1f} s")


def read_only(sender, connection, **kwargs) -> None:
    """Every transaction of this benchmark is read-only: the data set may be shared."""
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")


def pick_declaration(slug: str | None) -> Declaration:
    if slug:
        return Declaration.objects.get(slug=slug)
    # The declaration with the most actions: the largest consolidated report.
    return Declaration.objects.annotate(n=Count("actions")).order_by("-n", "pk").first()


def report_data(slug: str, format: str, username: str, participants=None) -> ReportData:
    """The data of a report, without saving one: the benchmark writes nothing to the database."""
    declaration = Declaration.objects.get(slug=slug)
    report = Report(
        requested_by=User.objects.get(username=username),
        declaration=declaration,
        cycle=None,
        format=format,
        state="running",
    )
    # An id no report has: the many-to-many filters (participants, paragraphs) read empty.
    report.pk = 0
    data = ReportData(report)
    if participants is not None:
        data.participants = [p for p in data.participants if p.pk in set(participants)]
        data.participant_ids = [p.pk for p in data.participants]
    return data


def child(
    slug: str,
    format: str,
    fraction: float,
    username: str,
    participant: str,
    language: str,
    keep: str,
) -> None:
    """Builds one report in this fresh process; prints time, peak memory and row counts."""
    participants = None
    if participant:
        participants = [Participant.objects.get(code=participant).pk]
    elif fraction < 1:
        everyone = list(
            Participant.objects.filter(declarations__slug=slug)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        participants = everyone[1 : 1 + round(len(everyone) * fraction)]
    data = report_data(slug, format, username, participants)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report.{format}"
        started, cpu_started = time.perf_counter(), time.process_time()
        # The function `reports.build` calls for this format, in the report's language, as
        # the worker does.
        with translation.override(language):
            counts = reports.BUILDERS[format](data, path)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        size = path.stat().st_size
        if keep:
            kept = Path(keep) / f"{slug}-{participant or 'consolidated'}-{language}.{format}"
            kept.write_bytes(path.read_bytes())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {"seconds": elapsed, "cpu": cpu, "peak_kib": peak, "counts": counts, "bytes": size}
        )
    )


def run_child(
    slug: str,
    format: str,
    fraction: float,
    username: str,
    participant: str = "",
    language: str = settings.LANGUAGE_CODE,
    keep: str = "",
) -> dict:
    arguments = [slug, format, str(fraction), username, participant, language, keep]
    output = subprocess.run(
        [sys.executable, __file__, "--child", *arguments],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def copy_seconds(slug: str, username: str) -> tuple[float, int]:
    """PostgreSQL's COPY of the consolidated report's four table queries, to /dev/null."""
    tables = report_data(slug, "csv", username).tables()
    started = time.perf_counter()
    size = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        for table in tables.values():
            sql, params = table.queryset.query.sql_with_params()
            with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)", params) as copy:
                for block in copy:
                    size += len(block)
    return time.perf_counter() - started, size


def pdf_requester(participant: Participant) -> str:
    """A member of the participant (their report includes drafts), else the secretariat."""
    member = participant.memberships.select_related("user").order_by("pk").first()
    if member:
        return member.user.get_username()
    return User.objects.filter(is_secretariat=True).order_by("pk").first().get_username()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--declaration", help="slug (default: the one with the most actions)")
    parser.add_argument(
        "--language",
        default=settings.LANGUAGE_CODE,
        help="comma-separated codes of settings.LANGUAGES: the PDF is built in each",
    )
    parser.add_argument("--pdf-only", action="store_true", help="no consolidated CSV or XLSX")
    parser.add_argument("--keep", default="", help="a folder to keep the PDFs in")
    parser.add_argument(
        "--child",
        nargs=7,
        metavar=("SLUG", "FORMAT", "FRACTION", "USER", "P", "LANGUAGE", "KEEP"),
    )
    arguments = parser.parse_args()
    if arguments.child:
        connection_created.connect(read_only)
        slug, format, fraction, username, participant, language, keep = arguments.child
        child(slug, format, float(fraction), username, participant, language, keep)
        return
    languages = arguments.language.split(",")
    unknown = set(languages) - {code for code, _name in settings.LANGUAGES}
    if unknown:
        sys.exit(f"Not in settings.LANGUAGES: {', '.join(sorted(unknown))}")
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    if arguments.generate:
        generate(arguments.actions)
        arguments.declaration = arguments.declaration or SLUG
    connection.close()
    connection_created.connect(read_only)

    declaration = pick_declaration(arguments.declaration)
    slug = declaration.slug
    secretariat = User.objects.filter(is_secretariat=True).order_by("pk").first().get_username()
    tables = report_data(slug, "csv", secretariat).tables()
    rows = {name: table.queryset.count() for name, table in tables.items()}
    participants = Participant.objects.filter(declarations=declaration).count()
    print(f"declaration {slug!r}: {participants} participants; rows seen by {secretariat!r}:")
    print("  " + ", ".join(f"{name} {n}" for name, n in rows.items()) + f"; {sum(rows.values())}")

    if not arguments.pdf_only:
        consolidated(slug, secretariat, languages[0])
    busiest = (
        Participant.objects.filter(actions__declaration=declaration)
        .annotate(n=Count("actions"))
        .order_by("-n", "code")
        .first()
    )
    requester = pdf_requester(busiest)
    for language in languages:
        pdf = run_child(slug, "pdf", 1.0, secretariat, "", language, arguments.keep)
        print(
            f"PDF in {language!r}, consolidated ({pdf['counts']['participants']} participants, "
            f"as {secretariat!r}): {pdf['seconds']:.1f} s ({pdf['cpu']:.1f} s of CPU), "
            f"{pdf['bytes'] / 1e6:.2f} MB, peak {pdf['peak_kib'] / 1024:.0f} MiB"
        )
        pdf = run_child(slug, "pdf", 1.0, requester, busiest.code, language, arguments.keep)
        print(
            f"PDF in {language!r}, one participant ({busiest.code}, the most actions, as "
            f"{requester!r}), {pdf['counts']['actions']} actions: {pdf['seconds']:.1f} s "
            f"({pdf['cpu']:.1f} s of CPU), {pdf['bytes'] / 1e6:.2f} MB, "
            f"peak {pdf['peak_kib'] / 1024:.0f} MiB"
        )
    if arguments.language != settings.LANGUAGE_CODE:
        typeset_cpu_seconds(languages[0], ARABIC_SENTENCE, -20, 20)  # the fonts, loaded once
        for index, language in enumerate(languages):
            english = typeset_cpu_seconds(language, ENGLISH_SENTENCE, index * 10_000)
            arabic = typeset_cpu_seconds(language, ARABIC_SENTENCE, index * 10_000)
            print(
                f"2,000 cells in a PDF in {language!r}: English sentences {english:.2f} s, "
                f"Arabic sentences {arabic:.2f} s of CPU"
            )


ENGLISH_SENTENCE = "Financial intelligence unit of the Ministry of Interior strengthened, no. {}"
ARABIC_SENTENCE = "تعزيز وحدة الاستخبارات المالية في وزارة الداخلية بالتعاون مع البنك، رقم {}"


def typeset_cpu_seconds(language: str, sentence: str, start: int, cells: int = 2000) -> float:
    """CPU time to lay out and write a two-column table of sentences none laid out before
    (numbered from `start`: the typesetting caches texts)."""
    started = time.process_time()
    with translation.override(language), tempfile.TemporaryDirectory() as folder:
        numbers = range(start, start + cells, 2)
        rows = [[pdf.text(sentence.format(n)), pdf.text(sentence.format(n + 1))] for n in numbers]
        table = typesetting.grid(rows, [8 * cm, 8 * cm])
        SimpleDocTemplate(str(Path(folder) / "cells.pdf")).build([table])
    return time.process_time() - started


def consolidated(slug: str, secretariat: str, language: str) -> None:
    """The consolidated CSV and XLSX against COPY, and their peak memory."""
    copy_time, copy_bytes = copy_seconds(slug, secretariat)
    print(f"COPY (same queries) TO STDOUT: {copy_time:.1f} s, {copy_bytes / 1e6:.0f} MB")
    for format in ("csv", "xlsx"):
        small = run_child(slug, format, 0.1, secretariat, language=language)
        full = run_child(slug, format, 1.0, secretariat, language=language)
        n = sum(full["counts"].values())
        print(
            f"{format.upper()} consolidated, {n} rows: {full['seconds']:.1f} s "
            f"({full['seconds'] / copy_time:.1f}x COPY), {full['bytes'] / 1e6:.0f} MB file"
        )
        print(
            f"  peak memory: {small['peak_kib'] / 1024:.0f} MiB at 10% of the rows "
            f"({sum(small['counts'].values())}), {full['peak_kib'] / 1024:.0f} MiB at 100% "
            f"({(full['peak_kib'] / small['peak_kib'] - 1) * 100:+.0f}%)"
        )


if __name__ == "__main__":
    main()
