"""Organisations, people, roles and partner API keys."""
