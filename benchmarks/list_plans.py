"""EXPLAIN ANALYZE of the actions list's own query, for every sort key and filter, per user.

Run on the UN-scale data set in PostgreSQL (DEBUG on is fine: only the database's time counts):

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/list_plans.py \
        [--users secretariat tjk-focal] [--runs 3]

For each user, each sortable column of `ActionTable` in both directions (and the default
order), and each filter with a sample value, the page is fetched with Django's test client, the
query that reads the page's rows is taken from the queries it ran, and PostgreSQL's execution
time of that query is printed (median of --runs EXPLAIN ANALYZE), with the plan's top nodes and
whether it read `tracking_action` by a sequential scan. Prints figures; asserts nothing. The
pages write only sessions.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from tracking import two_factor  # noqa: E402
from tracking.models import Action, User  # noqa: E402
from tracking.tables import ActionTable  # noqa: E402


def sample_filters() -> dict[str, dict[str, str]]:
    """One value per filter of the actions list, taken from the data."""
    action = Action.objects.exclude(start_date=None).exclude(end_date=None).order_by("pk").first()
    assert action is not None, "no actions: seed the database first"
    paragraph = action.paragraphs.first()
    theme = paragraph.themes.first() if paragraph else None
    filters = {
        "q": {"q": action.title.split()[0]},
        "participant": {"participant": str(action.participant_id)},
        "cycle": {"cycle": str(action.submission.cycle_id)},
        "status": {"status": action.status},
        "starts_from": {"starts_from": action.start_date.isoformat()},
        "ends_by": {"ends_by": action.end_date.isoformat()},
    }
    if paragraph:
        filters["paragraph"] = {"paragraph": str(paragraph.pk)}
    if theme:
        filters["theme"] = {"theme": str(theme.pk)}
    return filters


def list_query(client: Client, params: dict[str, str]) -> str:
    """The SQL of the query that reads the rows of the actions list with these parameters."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("tracking:actions"), params, HTTP_HOST="localhost")
    assert response.status_code == 200, response.status_code
    rows = [
        q["sql"] for q in queries if 'FROM "tracking_action"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert len(rows) == 1, rows
    return rows[0]


def explain(sql: str, runs: int) -> tuple[float, list[str]]:
    times, plan = [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            last = next(line for line in reversed(plan) if "Execution Time" in line)
            times.append(float(last.split(":")[1].split()[0]))
    return statistics.median(times), plan


def summary(plan: list[str]) -> str:
    """The first nodes of the plan, shortened: enough to see how the rows are found."""
    nodes = [line.strip().lstrip("-> ").split("  (")[0] for line in plan if "(cost=" in line]
    return " / ".join(nodes[:4])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", nargs="+", default=["secretariat", "tjk-focal"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sorts = [c.name for c in ActionTable([]).columns if c.orderable]
    filters = sample_filters()
    cases = [("default order", {})]
    cases += [(f"sort {key}", {"sort": key}) for key in sorts]
    cases += [(f"sort -{key}", {"sort": f"-{key}"}) for key in sorts]
    cases += [(f"filter {name}", params) for name, params in filters.items()]
    cases += [
        (f"filter {name}, sort -title", params | {"sort": "-title"})
        for name, params in filters.items()
    ]
    print(f"{'user':<14} {'case':<34} {'ms':>9}  seq scan  plan")
    with override_settings(TWO_FACTOR_REQUIRED_ROLES=[]):
        for username in args.users:
            client = Client()
            client.force_login(User.objects.get(username=username))
            session = client.session
            session[two_factor.SESSION_KEY] = two_factor.NOTHING
            session.save()
            for label, params in cases:
                ms, plan = explain(list_query(client, params), args.runs)
                seq = (
                    "yes"
                    if any("Seq Scan on tracking_action " in line + " " for line in plan)
                    else "no"
                )
                print(f"{username:<14} {label:<34} {ms:>9.2f}  {seq:<8}  {summary(plan)}")


if __name__ == "__main__":
    main()
