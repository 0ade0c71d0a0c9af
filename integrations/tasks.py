"""Celery tasks of the integrations module: thin wrappers that load by id and call a service."""

from integrations import services
from tenancy.tasks import tenant_task


@tenant_task(job=("integrations.EdiDocument", "document_id"))
def edi_document_process(*, organization_id: int, document_id: int) -> str:
    """Read one received EDI message (idempotent: a document already read is left as it is)."""
    return services.edi_document_process(document_id=document_id).status
