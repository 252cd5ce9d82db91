"""Errors of the transaction service."""

from __future__ import annotations

from paylox.errors import DomainError, Forbidden


class WrongParty(Forbidden):
    code = "WRONG_PARTY"
    en = "Only the {party} of this transaction can {action} it."
    tr = "Bu işlemde {action} adımını yalnızca {party_tr} yapabilir."

    def __init__(self, party: str, action: str) -> None:
        super().__init__(party=party, party_tr="alıcı" if party == "buyer" else "satıcı", action=action)


class SellerIsBuyer(DomainError):
    code = "SELLER_IS_BUYER"
    status = 422
    en = "The seller must be someone other than the buyer."
    tr = "Satıcı, alıcıdan farklı bir kişi olmalıdır."
