"""The site's settings with the benchmarks' floor page mounted (see benchmarks/floor.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.floor"
