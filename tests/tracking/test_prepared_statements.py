"""On PostgreSQL, the statements a page runs on every request are prepared on the server, so
that it stops planning them anew (planning a many-join lookup costs more than running it);
`DATABASE_PREPARE_THRESHOLD=0` turns that off, as a transaction-pooling PgBouncer needs.

PostgreSQL's own list of the connection's prepared statements, so PostgreSQL only (CI runs it
in its PostgreSQL pass).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.postgresql

ROOT = Path(__file__).resolve().parent.parent.parent


def prepared_runs() -> dict[str, int]:
    """Each statement prepared on this connection, with how many times it ran prepared."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def test_a_page_fetched_again_runs_its_statements_prepared(client, records, tjk_focal):
    client.force_login(tjk_focal)
    for _ in range(settings.DATABASE_PREPARE_THRESHOLD + 3):
        assert client.get(records.fiu.get_absolute_url()).status_code == 200

    action_reads = [runs for sql, runs in prepared_runs().items() if '"tracking_action"' in sql]
    # Prepared on the first fetch past the threshold, then run as prepared on every later one.
    assert action_reads and max(action_reads) >= 3


def test_a_threshold_of_zero_binds_on_the_client_and_prepares_nothing():
    show = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS'].get('server_side_binding'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "true",
            "DATABASE_PREPARE_THRESHOLD": "0",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker",
        },  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
