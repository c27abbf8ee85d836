"""Settings, read from the environment (prefix ``KOUAN_``) when ``get_settings()`` is called.

Nothing is read at import time: the web app, the CLI and the tests build a ``Settings`` and pass it in.

Where the data is (one rule for every command, ``kouan serve`` and ``make run`` alike): a
``KOUAN_*`` variable wins; else the ``[kouan]`` table of the first ``kouan.toml`` found from the
working directory upward (or the file ``KOUAN_CONFIG_FILE`` names), whose ``data_dir`` is relative
to the file (the repository's own says ``data``, so ``./data`` of a clone); else
``$XDG_DATA_HOME/kouan`` (``~/.local/share/kouan``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

_UNSAFE_SECRETS = {"", "changethis", "secret", "kouan"}


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kouan"


CONFIG_FILE_NAME = "kouan.toml"


class ConfigFileError(ValueError):
    """A ``kouan.toml`` that cannot be read, or names a setting Kouan does not have."""


def find_config_file(start: Path | None = None) -> Path | None:
    """``KOUAN_CONFIG_FILE``, else the first ``kouan.toml`` in ``start`` (the working directory) or
    a directory above it, else None."""
    named = os.environ.get("KOUAN_CONFIG_FILE")
    if named:
        return Path(named).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    """The ``[kouan]`` table of ``path``, ``data_dir`` made absolute against the file's directory."""
    import tomllib

    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("kouan", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"{path}: {exc}") from exc
    unknown = sorted(set(table) - set(Settings.model_fields) - {"config_file"})
    if unknown:
        raise ConfigFileError(f"{path}: unknown setting {', '.join(unknown)} in [kouan]")
    if "data_dir" in table:
        table["data_dir"] = (path.parent / Path(table["data_dir"]).expanduser()).resolve()
    return table


class _ConfigFileSource(PydanticBaseSettingsSource):
    """Below the environment: the values of the ``kouan.toml`` found from the working directory."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # the whole table is given by __call__

    def __call__(self) -> dict[str, Any]:
        path = find_config_file()
        if path is None:
            return {}
        return {**read_config_file(path), "config_file": path}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOUAN_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # The kouan.toml the settings were read from (None: environment and defaults only).
    config_file: Path | None = None
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
    # Port-fee supervision: required items per payee kind and caps of government-set items, as a
    # JSON file over the defaults of kouan.fees.domain (``rules_from``); none: the defaults.
    fee_rules_file: Path | None = None
    jobs_max_attempts: int = 8  # then the job is `failed`, listed, and `kouan jobs retry` requeues it
    jobs_backoff_seconds: float = 5.0  # after the first failure, doubled after each next one ...
    jobs_backoff_max_seconds: float = 3600.0  # ... up to this
    jobs_lease_seconds: float = 900.0  # a running job whose worker died is taken again after this
    jobs_keep_done_days: float = 7.0  # done jobs older than this are pruned by the worker; 0 keeps all

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, file_secret_settings,
                _ConfigFileSource(settings_cls))

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
    def store(self) -> str:
        """Where the data is, for people: the SQLite file, or the URL without its password."""
        url = self.effective_database_url
        if url.startswith("sqlite:///"):
            return url.removeprefix("sqlite:///")
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)

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
