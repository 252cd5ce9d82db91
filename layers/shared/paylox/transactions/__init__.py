"""Escrow transactions: the money core the other services move along."""
