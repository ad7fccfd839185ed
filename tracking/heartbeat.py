"""A long job says it is alive on time, even while its own connection or loop is busy.

The sweep takes a running report whose heartbeat went stale for one whose worker was lost and
starts it again. Beats sent only from a build's loops stop during any step that holds the
connection or the processor for long (one big COPY, laying out a PDF, storing the file), and a
healthy build was then started two more times and failed as lost. So a thread with its own
database connection beats every few seconds for as long as the build runs; the process dying
stops it, which is what the sweep must notice.
"""

import logging
import threading

from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(rows, interval):` refreshes `heartbeat_at` of `rows` while the block runs.

    Beats stop for good once `rows` matches nothing (the job was deleted or taken over). On
    SQLite, whose writers lock the whole file, a second connection would contend with the job's
    own writes: there the job's loops beat alone.
    """

    def __init__(self, rows: QuerySet, interval: float):
        self.rows = rows
        self.interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Heartbeat":
        if connection.vendor != "sqlite":
            self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exception) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                try:
                    if not self.rows.update(heartbeat_at=timezone.now()):
                        return
                except DatabaseError:
                    # The job's own connection meets the same trouble and decides what to do.
                    logger.warning("Heartbeat not recorded", exc_info=True)
        finally:
            connection.close()  # this thread's own connection
