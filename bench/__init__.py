"""Ingestion benchmark: ``python -m bench`` (see README, "Benchmarks")."""
