"""Payments: the gateway that takes the buyer's money into escrow (Jetcheckout)."""
