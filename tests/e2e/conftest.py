"""The browser journeys use the report fixtures of the tracking tests."""

from tests.tracking.conftest import approved_2026, records, report_worker  # noqa: F401
