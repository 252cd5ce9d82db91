"""Operator tooling run from a workstation or CI against a deployed stage (docs/operations.md)."""
