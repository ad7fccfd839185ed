"""The health task goes through the real broker to a real worker process."""

import pytest

from config.celery import ping


@pytest.mark.worker
def test_a_real_worker_answers_the_health_task(celery_worker_process):
    result = ping.delay()

    assert result.get(timeout=60) == "pong"
