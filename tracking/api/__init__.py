"""The REST API, version 1: the same permissions and services as the pages, as JSON."""
