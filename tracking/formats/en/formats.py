# English pages show dates as ISO 8601 (2026-03-01), which every reader of an international
# tracker reads the same way, rather than Django's American 03/01/2026. Other languages use
# Django's formats of their locale (01/03/2026 in French, 01.03.2026 in Russian).
DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y-m-d H:i"
