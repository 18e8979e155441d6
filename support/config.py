"""Settings with safe defaults for the embedded setup; overridden by SUPPORT_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 - refused in production, see check_production


class ConfigurationError(RuntimeError):
    """The settings cannot work; the message says what to change."""


def defaults(instance_dir: Path) -> dict:
    return {
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "ENV_NAME": "development",  # SUPPORT_ENV_NAME=production turns on the production checks
        "INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PORT": 5000,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 2525,
        "SMTP_RELAY": "",  # host:port of the outgoing relay; empty means the local sink
        "SMTP_RELAY_USER": "",
        "SMTP_RELAY_PASSWORD": "",
        "SMTP_RELAY_STARTTLS": False,
        "MAIL_DOMAIN": "skolplattformen.example",
        "MAIL_FROM_NAME": "Servicedesk Skolplattformen",
        "SUPPORT_MAILBOX": "support",  # local part of the support address: support@MAIL_DOMAIN
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "SERVICEDESK_PHONE": "08-465 004 00",
        "SERVICEDESK_HOURS": "vardagar 08.00–17.00",
        "DEMO_PASSWORD": "demo",
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_BATCH_SIZE": 50,
        "WORKER_INTERVAL_SECONDS": 5,
        "PASSWORD_RESET_MAX_AGE": 3600,
        "PASSWORD_HASH_METHOD": "scrypt",  # Werkzeug's default; tests use a cheap method to stay fast
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_MINUTES": 15,
        "LOGIN_RATE_LIMIT": "20 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en"],
        "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        "HIDE_STAFF_NAMES": False,  # requesters see "Servicedesk"/"Superanvändare" instead of staff names
        "ATTACHMENT_MAX_FILE_BYTES": 10 * 1024 * 1024,
        "ATTACHMENT_MAX_TICKET_BYTES": 25 * 1024 * 1024,
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    }


def finalize(config: dict) -> None:
    """Derive dependent settings and refuse configurations that cannot be safe."""
    instance_dir = Path(config["INSTANCE_DIR"])
    config["INSTANCE_DIR"] = str(instance_dir)
    url = config.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'support.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    config["SQLALCHEMY_DATABASE_URI"] = url
    config.setdefault("INDEX_DIR", str(instance_dir / "index"))
    config.setdefault("ATTACHMENT_DIR", str(instance_dir / "attachments"))
    config.setdefault("MAIL_SINK_DIR", str(instance_dir / "mail-sink"))
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if is_production(config):
        if config["SECRET_KEY"] == DEFAULT_SECRET_KEY or len(str(config["SECRET_KEY"])) < 32:
            raise ConfigurationError(
                "SUPPORT_SECRET_KEY måste sättas till en lång slumpmässig sträng i produktion."
            )
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def is_production(config) -> bool:
    return str(config.get("ENV_NAME", "")).lower() == "production"


def default_instance_dir() -> Path:
    return Path(os.environ.get("SUPPORT_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
