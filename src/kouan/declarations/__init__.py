"""Customs declarations and their facilitation modes, as workflows that emit events."""
