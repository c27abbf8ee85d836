"""Kouan 口岸 — an international-trade single window for port clearance."""

__version__ = "0.1.0"
