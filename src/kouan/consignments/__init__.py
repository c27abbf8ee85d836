"""Linking: declaration ↔ bill of lading ↔ container ↔ transport call, built from events."""
