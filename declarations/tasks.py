from celery import shared_task

from .services import declaration_import_claim, declaration_import_run


@shared_task(name="declarations.import")
def declaration_import_task(pk: int) -> None:
    """Imports an uploaded declaration; a duplicate delivery finds the job claimed and stops."""
    if declaration_import_claim(pk):
        declaration_import_run(pk)
