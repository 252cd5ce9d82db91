"""Errors of the dispute service (404, invalid moves and role refusals reuse :mod:`paylox.errors`)."""

from __future__ import annotations

from paylox.errors import DomainError, Forbidden


class DisputeAlreadyOpen(DomainError):
    code = "DISPUTE_ALREADY_OPEN"
    status = 409
    en = "This transaction already has an open dispute."
    tr = "Bu işlem için zaten açık bir itiraz var."


class TransactionNotDisputable(DomainError):
    code = "TRANSACTION_NOT_DISPUTABLE"
    status = 409
    en = "A dispute can be opened only on a funded or shipped transaction; this one is {current_status}."
    tr = "İtiraz yalnızca ödemesi yapılmış veya kargolanmış bir işlem için açılabilir; bu işlem {current_status}."


class DisputeResolved(DomainError):
    code = "DISPUTE_RESOLVED"
    status = 409
    en = "This dispute is resolved; it can no longer be changed."
    tr = "Bu itiraz sonuçlandı; artık değiştirilemez."


class ConflictOfInterest(Forbidden):
    code = "CONFLICT_OF_INTEREST"
    en = "You are a party to this dispute and cannot act on it as staff."
    tr = "Bu itirazın tarafısınız; üzerinde yetkili olarak işlem yapamazsınız."


class DisputeAlreadyAssigned(DomainError):
    code = "DISPUTE_ALREADY_ASSIGNED"
    status = 409
    en = "This dispute is already under review by {assigned_to}; name the new assignee to hand it over."
    tr = "Bu itiraz zaten {assigned_to} tarafından inceleniyor; devretmek için yeni sorumluyu belirtin."


class AssigneeIsParty(DomainError):
    code = "ASSIGNEE_IS_PARTY"
    status = 422
    en = "A dispute cannot be assigned to one of its parties."
    tr = "Bir itiraz, taraflarından birine atanamaz."


class AssigneeNotStaff(DomainError):
    """``admin_id`` names nobody known as an admin or support agent (staff are known from the
    verified tokens they used): a dispute must not be handed to a party, a stranger or a typo."""

    code = "ASSIGNEE_NOT_STAFF"
    status = 422
    en = "A dispute can only be assigned to an admin or support agent."
    tr = "Bir itiraz yalnızca bir yönetici veya destek temsilcisine atanabilir."


class InvalidSplitAmount(DomainError):
    code = "INVALID_SPLIT_AMOUNT"
    status = 422
    en = "For a split, buyer_amount must be more than 0 and less than {refundable} kuruş."
    tr = "Bölüşümde buyer_amount 0'dan büyük ve {refundable} kuruştan küçük olmalıdır."


class EvidenceAlreadySubmitted(DomainError):
    code = "EVIDENCE_ALREADY_SUBMITTED"
    status = 409
    en = "This document is already evidence in this dispute."
    tr = "Bu belge bu itirazda zaten kanıt olarak sunuldu."


class DisputeLimitReached(DomainError):
    code = "DISPUTE_LIMIT_REACHED"
    status = 409
    en = "This dispute already has the maximum of {limit} {what}."
    tr = "Bu itirazda en fazla {limit} {what_tr} olabilir."

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(what=what, what_tr="mesaj" if what == "messages" else "kanıt", limit=limit)
