"""Which release of the code is running: a digest of what shapes the pages, read at start-up.

The cache keys of rendered pages and parts start with it (`KEY_PREFIX`), so that after a
deploy a shared cache (Redis) never serves what the previous code rendered, whatever the keys
of the parts themselves say.
"""

import hashlib
from pathlib import Path

# Python code, templates and the compiled catalogs: what a rendered part is made of.
SHAPING = ("**/*.py", "**/*.html", "**/*.mo")
CODE_FOLDERS = ("config", "declarations", "tracking", "templates", "locale")


def code_digest(root: Path) -> str:
    """12 hex digits that change whenever a source file, template or catalog does."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        files = {path for pattern in SHAPING for path in (root / folder).glob(pattern)}
        for path in sorted(files):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
