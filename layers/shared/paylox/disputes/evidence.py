"""Evidence: the documents a party attaches to a dispute, checked with the documents domain.

Disputes depend on documents, never the other way round.
"""

from __future__ import annotations

from typing import Any, Protocol

from paylox.disputes.models import EVIDENCE_PREFIX, DisputeEvidenceRow
from paylox.documents import service as documents_service


class EvidenceDocuments(Protocol):
    """What disputes need from the documents domain."""

    def get_downloadable_document(self, owner_id: str, document_id: str) -> Any:
        """The document if ``owner_id`` owns it and it can be downloaded; raises ``NotFound``
        (missing, deleted, not theirs) or a 409 ``DOCUMENT_NOT_AVAILABLE`` otherwise."""
        ...


#: The documents the evidence endpoints check against; tests substitute an in-memory fake.
DOCUMENTS: EvidenceDocuments = documents_service


def documents(override: EvidenceDocuments | None = None) -> EvidenceDocuments:
    """``override`` if given, else :data:`DOCUMENTS` (read at call time, so a substitute applies)."""
    return override or DOCUMENTS


def evidence_row(
    dispute_id: str, document_id: str, document: Any, user_id: str, role: str, note: str | None, at: str
) -> DisputeEvidenceRow:
    """The dispute's record of one checked document."""
    return DisputeEvidenceRow(
        dispute_id,
        EVIDENCE_PREFIX + document_id,
        document_id=document_id,
        submitted_by=user_id,
        submitter_role=role,
        note=note,
        filename=getattr(document, "filename", None),
        content_type=getattr(document, "content_type", None),
        at=at,
    )
