"""Settings, read from the environment (prefix ``KOUAN_``) when ``get_settings()`` is called.

Nothing is read at import time: the web app, the CLI and the tests build a ``Settings`` and pass it in.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_UNSAFE_SECRETS = {"", "changethis", "secret", "kouan"}


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kouan"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOUAN_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    secret_key: str | None = None
    timezone: str = "Asia/Shanghai"
    environment: str = "development"
    default_locale: str = "zh_CN"
    # Cookies only over HTTPS in production; the demo runs on plain http://127.0.0.1.
    secure_cookies: bool = False
    # Argon2id cost for passwords (argon2-cffi defaults); only the test suite lowers them.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Request bodies, in bytes, refused with 413 while they are read (web/limits.py names the routes).
    max_body_ingest: int = 64 * 1024 * 1024  # event batches: JSON, JSON Lines, CSV, DCSA, EDIFACT
    max_body_declaration: int = 1024 * 1024
    max_body_form: int = 64 * 1024  # HTML forms, the login included
    max_body_default: int = 1024 * 1024
    # Login sessions (web/sessions.py): ended after this long unused, and at the latest after max.
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    # Failed logins: this many per username (or per client address, for the second pair) within
    # the window lock that username (address) for the lockout; failed API keys per address the same.
    login_failures_per_user: int = 10
    login_failures_per_address: int = 50
    key_failures_per_address: int = 20
    failure_window_minutes: int = 15
    lockout_minutes: int = 15
    # Post-commit jobs (kouan.jobs): `kouan serve` runs a worker thread unless this is off (set it
    # off when `kouan worker` runs as its own process); polled this often when idle.
    worker_in_process: bool = True
    jobs_poll_seconds: float = 1.0
    jobs_max_attempts: int = 8  # then the job is `failed`, listed, and `kouan jobs retry` requeues it
    jobs_backoff_seconds: float = 5.0  # after the first failure, doubled after each next one ...
    jobs_backoff_max_seconds: float = 3600.0  # ... up to this
    jobs_lease_seconds: float = 900.0  # a running job whose worker died is taken again after this
    jobs_keep_done_days: float = 7.0  # done jobs older than this are pruned by the worker; 0 keeps all

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("environment must be development, test or production")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kouan.sqlite3'}"

    @property
    def effective_secret_key(self) -> str:
        """The configured key, else one generated once and kept in the data dir (mode 0600)."""
        if self.secret_key:
            if self.environment == "production" and self.secret_key in _UNSAFE_SECRETS:
                raise ValueError("KOUAN_SECRET_KEY is a placeholder; set a real secret in production")
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def get_settings(**overrides: object) -> Settings:
    """Read the environment now; keyword overrides win (used by tests and the CLI)."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    _secret_file = os.environ.get("KOUAN_SECRET_KEY_FILE")
    if settings.secret_key is None and _secret_file:
        settings.secret_key = Path(_secret_file).read_text().strip()
    return settings
