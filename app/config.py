"""One configuration, read from the environment once and checked at start-up."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app.json_provider import column_loads

# The repository's instance/, wherever the command runs from: the folder `make run` (scripts/run.py)
# uses, so `flask users create ...` run from elsewhere finds the same database.
INSTANCE_DIR = Path(
    os.environ.get("BATON_INSTANCE_DIR") or Path(__file__).resolve().parent.parent / "instance"
)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the process must not start."""


def _sqlalchemy_url(url: str) -> str:
    # psycopg 3 is the driver; accept the usual postgres:// spellings from PaaS and compose files.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _default_database_url() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'baton.db'}"


@dataclass
class Config:
    """Settings for one process. Build with `Config.from_env()` or pass overrides in tests."""

    DATABASE_URL: str = ""
    REDIS_URL: str | None = None
    SECRET_KEY: str = ""
    PORT: int = 5000
    BATON_ADMIN_TOKEN: str | None = None
    MAX_UPLOAD_BYTES: int = 5 * 1024 * 1024
    SECRETS_KEY: str | None = None  # Fernet key for handler secrets; derived from SECRET_KEY when unset
    AUDIT_SEAL_KEY: str | None = None  # base64 Ed25519 private key; derived from SECRET_KEY when unset
    AUDIT_SEAL_RETIRED_KEYS: tuple[str, ...] = ()  # base64 public keys whose earlier seals still count
    BASE_URL: str = "http://127.0.0.1:5000"
    SMTP_HOST: str | None = None  # email notifications are off without it
    SMTP_PORT: int = 25
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_FROM: str = "baton@localhost"
    AUTH_CACHE_SECONDS: float = 2.0  # how long a process trusts what it read about a token
    # An account's failed sign-ins, from all addresses together, that pause it (services/sign_ins.py)
    SIGN_IN_ACCOUNT_MAX_FAILURES: int = 20
    SIGN_IN_ACCOUNT_WINDOW_MINUTES: int = 15
    # Reverse proxies in front of the server whose X-Forwarded-For/-Proto are believed (0: none, so
    # a client cannot claim another address; 1 behind one nginx or load balancer).
    TRUSTED_PROXIES: int = 0
    # The HTTP connector's outbound hosts (`host`, `host:port`, `*`); none by default: it calls nothing.
    HTTP_CONNECTOR_ALLOWED_HOSTS: tuple[str, ...] = ()
    HTTP_CONNECTOR_TIMEOUT_SECONDS: float = 10.0
    HTTP_CONNECTOR_MAX_BYTES: int = 1024 * 1024  # a bigger response body fails the attempt
    WEBHOOK_ALLOWED_HOSTS: tuple[str, ...] = ()  # hosts a model's webhook.url may name; none by default
    TESTING: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None) -> Config:
        env = os.environ if env is None else env
        port = env.get("PORT", "5000")
        if not port.isdigit():
            raise ConfigError(f"PORT must be a number, got {port!r}")
        return cls(
            DATABASE_URL=_sqlalchemy_url(env.get("DATABASE_URL") or _default_database_url()),
            REDIS_URL=env.get("REDIS_URL") or None,
            SECRET_KEY=env.get("SECRET_KEY", ""),
            PORT=int(port),
            BATON_ADMIN_TOKEN=env.get("BATON_ADMIN_TOKEN") or None,
            MAX_UPLOAD_BYTES=int(env.get("BATON_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
            SECRETS_KEY=env.get("BATON_SECRETS_KEY") or None,
            AUDIT_SEAL_KEY=_raw_key(
                env.get("BATON_AUDIT_SEAL_KEY") or None, "BATON_AUDIT_SEAL_KEY", "private"
            ),
            AUDIT_SEAL_RETIRED_KEYS=_retired_keys(env.get("BATON_AUDIT_SEAL_RETIRED_KEYS") or ""),
            BASE_URL=env.get("BATON_BASE_URL", f"http://127.0.0.1:{port}"),
            SMTP_HOST=env.get("BATON_SMTP_HOST") or None,
            SMTP_PORT=int(env.get("BATON_SMTP_PORT") or 25),
            SMTP_USER=env.get("BATON_SMTP_USER") or None,
            SMTP_PASSWORD=env.get("BATON_SMTP_PASSWORD") or None,
            SMTP_FROM=env.get("BATON_SMTP_FROM") or "baton@localhost",
            AUTH_CACHE_SECONDS=float(env.get("BATON_AUTH_CACHE_SECONDS") or 2.0),
            SIGN_IN_ACCOUNT_MAX_FAILURES=_positive(env, "BATON_SIGN_IN_ACCOUNT_MAX_FAILURES", 20),
            SIGN_IN_ACCOUNT_WINDOW_MINUTES=_positive(env, "BATON_SIGN_IN_ACCOUNT_WINDOW_MINUTES", 15),
            TRUSTED_PROXIES=_whole(env, "BATON_TRUSTED_PROXIES", 0, least=0),
            HTTP_CONNECTOR_ALLOWED_HOSTS=_hosts(env.get("BATON_HTTP_CONNECTOR_ALLOWED_HOSTS") or ""),
            HTTP_CONNECTOR_TIMEOUT_SECONDS=_positive(env, "BATON_HTTP_CONNECTOR_TIMEOUT_SECONDS", 10),
            HTTP_CONNECTOR_MAX_BYTES=_positive(env, "BATON_HTTP_CONNECTOR_MAX_BYTES", 1024 * 1024),
            WEBHOOK_ALLOWED_HOSTS=_hosts(env.get("BATON_WEBHOOK_ALLOWED_HOSTS") or ""),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    def flask_settings(self) -> dict:
        """The mapping handed to `app.config`; fails fast on what cannot work."""
        secret = self.SECRET_KEY
        if not secret:
            if not (self.is_sqlite or self.TESTING):
                raise ConfigError("SECRET_KEY must be set when running on PostgreSQL (production shape)")
            # Embedded default: a per-install key kept under instance/, never logged.
            secret = _embedded_secret()
        # Stale connections are caught by app.pool_health (a ping after idling, not on every checkout).
        # Statement parameters (process variables, form data) stay out of error messages and logs.
        engine_options = {"hide_parameters": True, **({} if self.is_sqlite else _POSTGRESQL_ENGINE)}
        return {
            "SQLALCHEMY_DATABASE_URI": self.DATABASE_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "SECRET_KEY": secret,
            "MAX_CONTENT_LENGTH": self.MAX_UPLOAD_BYTES * 4,
            "TESTING": self.TESTING,
            "BATON": self,
            **self.extra,
        }


# JSON columns read back through orjson (app/json_provider.py); SQLite keeps SQLAlchemy's own.
_POSTGRESQL_ENGINE = {"pool_size": 10, "json_deserializer": column_loads}


def _positive(env, name: str, default: int) -> int:
    # A limit of 0 (or a typo read as one) would turn the limit off, or lock every account: refuse it.
    return _whole(env, name, default, least=1)


def _whole(env, name: str, default: int, least: int) -> int:
    value = env.get(name) or str(default)
    if not value.isdigit() or int(value) < least:
        raise ConfigError(f"{name} must be a whole number of at least {least}, got {value!r}")
    return int(value)


def _raw_key(value: str | None, name: str, half: str) -> str | None:
    try:
        if value is None or len(base64.b64decode(value, validate=True)) == 32:
            return value
    except binascii.Error:
        pass
    raise ConfigError(f"{name} must be the base64 of a raw 32-byte Ed25519 {half} key")


def _retired_keys(value: str) -> tuple[str, ...]:
    keys = [k.strip() for k in value.split(",") if k.strip()]
    return tuple(k for k in keys if _raw_key(k, "BATON_AUDIT_SEAL_RETIRED_KEYS", "public"))


def _hosts(value: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in value.split(",") if h.strip())


def _embedded_secret() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
