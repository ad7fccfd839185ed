"""Writes that span several models: shipped declarations, theme mappings and upload jobs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .importer import (
    DeclarationFormatError,
    DeclarationImportError,
    import_declaration,
    import_version,
    parse_declaration,
    parse_version,
    write_declaration,
    write_version,
)
from .models import Declaration, DeclarationImport, DeclarationVersion, Theme

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"


class ThemeMappingError(ValueError):
    pass


@transaction.atomic
def theme_mapping_apply(*, declaration: Declaration, themes: list[dict]) -> bool:
    """Gives the declaration's paragraphs exactly the mapped themes; True if anything changed."""
    paragraphs = {p.number: p for p in declaration.paragraphs.operative()}
    changed = False
    for item in themes:
        missing = sorted(set(item["paragraphs"]) - set(paragraphs))
        if missing:
            raise ThemeMappingError(
                _("Theme “%(theme)s” names paragraphs that do not exist: %(numbers)s.")
                % {"theme": item["slug"], "numbers": ", ".join(map(str, missing))}
            )
        values = {
            "name": item["name"],
            "kind": item["kind"],
            "description": item.get("description", ""),
        }
        theme, created = Theme.objects.get_or_create(slug=item["slug"], defaults=values)
        if not created and any(getattr(theme, k) != v for k, v in values.items()):
            Theme.objects.filter(pk=theme.pk).update(**values, updated_at=timezone.now())
            changed = True
        changed |= created
        wanted = {paragraphs[n].pk for n in item["paragraphs"]}
        current = set(theme.paragraphs.filter(declaration=declaration).values_list("pk", flat=True))
        if wanted != current:
            theme.paragraphs.remove(*(current - wanted))
            theme.paragraphs.add(*(wanted - current))
            changed = True
    return changed


def shipped_declarations() -> list[tuple[Path, dict]]:
    """The declarations that ship with the project: each mapping file names its source text."""
    found = []
    for mapping_path in sorted(DATA_DIR.glob("*-themes.json")):
        mapping = json.loads(mapping_path.read_text(encoding="utf-8"))
        found.append((DATA_DIR / mapping["source"], mapping))
    return found


@transaction.atomic
def shipped_declarations_load() -> list[tuple[Declaration | DeclarationVersion, bool]]:
    """Imports every shipped declaration with its themes and language versions; a second run
    changes nothing."""
    loaded: list[tuple[Declaration | DeclarationVersion, bool]] = []
    for source, mapping in shipped_declarations():
        slug = mapping["declaration"]
        result = import_declaration(source.read_text(encoding="utf-8"), slug=slug)
        themes_changed = theme_mapping_apply(
            declaration=result.declaration, themes=mapping["themes"]
        )
        loaded.append((result.declaration, result.changed or themes_changed))
        for item in mapping.get("versions", []):
            path = DATA_DIR / item["source"]
            version = import_version(
                path.read_text(encoding="utf-8"),
                slug=slug,
                language=item["language"],
                status=item["status"],
                source_filename=path.name,
            )
            loaded.append((version.version, version.changed))
    return loaded


# Uploads ---------------------------------------------------------------------------------------


@transaction.atomic
def declaration_import_request(
    *,
    text: str,
    filename: str,
    slug: str = "",
    language: str = "",
    version_status: str = "",
    requested_by,
) -> DeclarationImport:
    """Stores the uploaded text and queues its import once the row is committed.

    With a language the text is a version of the declaration `slug` names.
    """
    from .tasks import declaration_import_task

    job = DeclarationImport.objects.create(
        filename=filename[:255],
        source_text=text,
        slug=slug,
        language=language,
        version_status=version_status if language else "",
        requested_by=requested_by,
    )
    transaction.on_commit(lambda: declaration_import_task.delay(job.pk))
    return job


def declaration_import_claim(pk: int) -> bool:
    """Claims a queued job, or one left running by a worker that died; False if taken."""
    now = timezone.now()
    abandoned_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    queued = DeclarationImport.objects.filter(pk=pk, state=DeclarationImport.State.QUEUED)
    abandoned = DeclarationImport.objects.filter(
        pk=pk, state=DeclarationImport.State.RUNNING, started_at__lt=abandoned_before
    )
    values = {"state": DeclarationImport.State.RUNNING, "started_at": now, "progress": 10}
    return bool(queued.update(**values) or abandoned.update(**values))


def declaration_import_run(pk: int) -> None:
    """Runs a claimed job: parses and writes the declaration, or records why it was refused.

    Every way out ends the job: an unexpected error or the task's time limit marks it failed
    with a reason, never leaves it "running" for its page to poll forever.
    """
    job = DeclarationImport.objects.get(pk=pk)
    try:
        if job.language:
            parsed = parse_version(job.source_text, job.language)
            DeclarationImport.objects.filter(pk=pk).update(progress=50)
            declaration = write_version(
                parsed,
                slug=job.slug,
                status=job.version_status or None,
                source_text=job.source_text,
                source_filename=job.filename,
            ).version.declaration
        else:
            parsed = parse_declaration(job.source_text)
            DeclarationImport.objects.filter(pk=pk).update(progress=50)
            declaration = write_declaration(
                parsed, slug=job.slug or None, source_text=job.source_text
            ).declaration
    except DeclarationFormatError as error:
        _finish(
            job,
            DeclarationImport.State.FAILED,
            errors=[{"line": error.line, "message": error.message}],
        )
    except DeclarationImportError as error:
        _finish(job, DeclarationImport.State.FAILED, errors=[{"line": None, "message": str(error)}])
    except SoftTimeLimitExceeded:
        logger.warning("Declaration import %s hit the time limit", pk)
        reason = _("The import took too long and was stopped. Nothing was imported.")
        _finish(job, DeclarationImport.State.FAILED, errors=[{"line": None, "message": reason}])
    except Exception as error:
        logger.exception("Declaration import %s failed", pk)
        reason = _(
            "The import failed on our side (%(error)s). Nothing was imported; "
            "try again later or tell the administrators."
        ) % {"error": type(error).__name__}
        _finish(job, DeclarationImport.State.FAILED, errors=[{"line": None, "message": reason}])
    else:
        _finish(job, DeclarationImport.State.SUCCEEDED, declaration=declaration)


def _finish(job: DeclarationImport, state: str, *, errors=(), declaration=None) -> None:
    job.state = state
    job.errors = list(errors)
    job.declaration = declaration
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "errors", "declaration", "progress", "finished_at"])
