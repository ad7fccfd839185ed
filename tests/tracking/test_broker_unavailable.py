"""A report asked for, or a workbook applied, while the broker refuses or never answers is accepted
at once and sent later.

Each case runs in a process of its own whose CELERY_BROKER_URL (Redis or RabbitMQ) is the broken
one, configured from the environment as a deployed app is; the clock runs around the request only.
"""

import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from django.urls import reverse

from tests.conftest import ROOT, _database_url_for_tests
from tracking import services
from tracking.models import Report, WorkbookImport

pytestmark = pytest.mark.django_db(transaction=True)

REQUEST = """
import json, sys, time
import django
django.setup()
# Imported before the clock starts: the bound is on the failure, not on loading modules.
import celery.backends.redis, celery.backends.rpc, kombu.transport.pyamqp, kombu.transport.redis
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from tracking.models import User

setup_test_environment()
client = Client()
client.force_login(User.objects.get(username=sys.argv[1]))
# The form's page first, as its user sees it: its views, templates and options are loaded
# before the clock starts.
assert client.get(reverse("tracking:report_request")).status_code == 200
started = time.monotonic()
response = client.post(reverse("tracking:report_request"), json.loads(sys.argv[2]))
elapsed = time.monotonic() - started
page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
print(json.dumps({
    "status": response.status_code, "location": response.get("Location"),
    "elapsed": elapsed, "page": page,
}))
"""


@pytest.fixture
def blackhole():
    """A port that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for connection in held:
        connection.close()


@pytest.fixture
def closed_port():
    """A port nothing listens on: connections are refused."""
    return 1


# Each transport's URL for a broker on that port.
TRANSPORTS = {
    "redis": "redis://127.0.0.1:{port}/0",
    "amqp": "amqp://guest:guest@127.0.0.1:{port}//",
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("broker", ["closed_port", "blackhole"])
def test_a_report_asked_for_with_the_broker_down_is_accepted_at_once_and_sent_later(
    broker, transport, request, tjk_focal, declaration, cycle
):
    env = {**os.environ, "DATABASE_URL": _database_url_for_tests()}
    port = request.getfixturevalue(broker)
    env["CELERY_BROKER_URL"] = TRANSPORTS[transport].format(port=port)
    env.pop("CELERY_RESULT_BACKEND", None)  # the broker's own, as deployed
    form = {"declaration": declaration.pk, "cycle": cycle.pk, "format": "xlsx"}

    run = subprocess.run(
        [sys.executable, "-c", REQUEST, tjk_focal.username, json.dumps(form)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr[-3000:]
    answer = json.loads(run.stdout.splitlines()[-1])
    assert answer["elapsed"] < 2, answer["elapsed"]
    assert (answer["status"], answer["location"]) == (302, "/tracking/reports/")
    assert "The queue is unavailable; your report will run when it is back." in answer["page"]
    report = Report.objects.get()
    assert (report.state, report.enqueued_at) == ("queued", None)

    # The broker of this process works: the periodic sweep sends what was never sent.
    from config.celery import app

    try:
        assert services.reports_sweep()["dispatched"] == 1
        report.refresh_from_db()
        assert report.enqueued_at is not None
    finally:
        app.control.purge()


APPLY = """
import json, sys, time
import django
django.setup()
import celery.backends.redis, celery.backends.rpc, kombu.transport.pyamqp, kombu.transport.redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import setup_test_environment
from tracking.models import User

setup_test_environment()
client = Client()
client.force_login(User.objects.get(username=sys.argv[1]))
preview_url, apply_url, path = sys.argv[2:5]
with open(path, "rb") as data:
    page = client.post(preview_url, {"workbook": SimpleUploadedFile("workbook.xlsx", data.read())})
token = page.context["apply_form"].initial["upload"]
started = time.monotonic()
response = client.post(apply_url, {"upload": token})
elapsed = time.monotonic() - started
page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
print(json.dumps({"status": response.status_code, "elapsed": elapsed, "page": page}))
"""


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("broker", ["closed_port", "blackhole"])
def test_a_workbook_applied_with_the_broker_down_is_kept_and_sent_later(
    broker, transport, request, client, tjk_action, tjk_focal, tmp_path
):
    from tests.tracking.workbooks import edited, submission_args

    path = tmp_path / "workbook.xlsx"
    path.write_bytes(edited(client, tjk_focal, tjk_action))
    env = {**os.environ, "DATABASE_URL": _database_url_for_tests()}
    port = request.getfixturevalue(broker)
    env["CELERY_BROKER_URL"] = TRANSPORTS[transport].format(port=port)
    env.pop("CELERY_RESULT_BACKEND", None)
    env.update(WORKBOOK_APPLY_AT_ONCE="0", MEDIA_ROOT=str(tmp_path / "media"))
    urls = [reverse(f"tracking:workbook_{name}", args=submission_args(tjk_action))
            for name in ("preview", "apply")]  # fmt: skip

    run = subprocess.run(
        [sys.executable, "-c", APPLY, tjk_focal.username, *urls, str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr[-3000:]
    answer = json.loads(run.stdout.splitlines()[-1])
    assert answer["elapsed"] < 2, answer["elapsed"]
    assert answer["status"] == 302
    assert (
        "The queue is unavailable; your workbook will be applied when it is back."
        in (answer["page"])
    )
    job = WorkbookImport.objects.get()
    assert (job.state, job.enqueued_at) == ("queued", None)

    from config.celery import app

    try:
        assert services.workbook_imports_sweep()["dispatched"] == 1
        job.refresh_from_db()
        assert job.enqueued_at is not None
    finally:
        app.control.purge()
