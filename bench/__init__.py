"""Benchmarks, apart from the tests (no timing assertions there): ``make bench``."""
