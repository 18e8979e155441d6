"""Settings with safe defaults for the embedded setup; overridden by SUPPORT_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name under the instance folder (mode 0600), not a key
MIN_SECRET_KEY_LENGTH = 32
DEFAULT_SERVICEDESK_HOURS = "vardagar 08.00–17.00"


class ConfigurationError(RuntimeError):
    """The settings cannot work; the message says what to change."""


def defaults(instance_dir: Path) -> dict:
    return {
        "SECRET_KEY": None,  # SUPPORT_SECRET_KEY; without it, a random key kept in the instance folder
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
        # Inbound mail (`support smtp`): refused at SMTP level above this size (552), and per envelope sender and
        # per client address above these rates (451, so a good sender retries later).
        "INBOUND_MAX_MESSAGE_BYTES": 30 * 1024 * 1024,
        "INBOUND_MAX_RECIPIENTS": 50,
        "INBOUND_RATE_PER_SENDER": "60 per 10 minutes",
        "INBOUND_RATE_PER_CLIENT": "600 per minute",
        # The SMTP process only commits and the worker files; True files each message on a background thread of the
        # SMTP process right after its commit, which costs most of the ingest rate (docs/decisions.md, "E-mail").
        "INBOUND_PROCESS_IN_SMTP": False,
        # Raw bytes of filed mail are emptied this many days after filing (0 keeps them); quarantine keeps its own.
        "INBOUND_RAW_RETENTION_DAYS": 90,
        # The authserv-id our receiving relay writes in Authentication-Results (e.g. mx.skolplattformen.example);
        # empty trusts the topmost such header whoever added it.
        "INBOUND_AUTHSERV_ID": "",
        # The second guard against mail loops, beyond the headers: at most this many automatic answers
        # (receipts) per address per window (FreeScout's figure); later mail is filed without one.
        "AUTO_REPLIES_PER_ADDRESS": 10,
        "AUTO_REPLY_WINDOW_MINUTES": 180,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "SERVICEDESK_PHONE": "08-465 004 00",
        "SERVICEDESK_HOURS": DEFAULT_SERVICEDESK_HOURS,
        "DEMO_PASSWORD": "demo",
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_BATCH_SIZE": 50,
        "WORKER_INTERVAL_SECONDS": 5,
        "PASSWORD_RESET_MAX_AGE": 3600,
        "PASSWORD_HASH_METHOD": "scrypt",  # Werkzeug's default; tests use a cheap method to stay fast
        # Wrong passwords for one address from one client before that pair must wait; no account is ever
        # locked, so nobody can lock someone else out (see docs/decisions.md, "Guessing passwords").
        "LOGIN_FAILURES_PER_CLIENT": "5 per 15 minutes",
        # Wrong passwords for one address from every client together; a browser that has signed in to the
        # account before is exempt, so the owner still gets in while an attacker spreads guesses.
        "LOGIN_FAILURES_PER_ACCOUNT": "30 per hour",
        # Sign-in attempts per client address: high, since a whole school can share one address.
        "LOGIN_RATE_LIMIT": "300 per minute",
        "PASSWORD_RESET_RATE_LIMIT": "3 per hour",  # reset mails per address
        # Per signed-in account (support.extensions.rate_limit_key): new tickets from the form and the API,
        # logged calls, and suggestions opened from the ticket form (each writes a row).
        "TICKET_CREATE_RATE_LIMIT": "30 per hour",
        "CALL_LOG_RATE_LIMIT": "200 per hour",
        "DEFLECTION_RATE_LIMIT": "120 per hour",
        "RATELIMIT_STORAGE_URI": "memory://",
        "TRUSTED_PROXIES": 0,  # reverse proxies in front; client addresses come from X-Forwarded-For only then
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en"],
        "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        "REFRESHER_MONTHS": 12,  # a superuser without a basic course or refresher this long is due for one
        # A school going live on a system within this many weeks without a superuser trained on it is a risk.
        "ROLLOUT_RISK_WEEKS": 6,
        "HIDE_STAFF_NAMES": False,  # requesters see "Servicedesk"/"Superanvändare" instead of staff names
        "ATTACHMENT_MAX_FILE_BYTES": 10 * 1024 * 1024,
        "ATTACHMENT_MAX_TICKET_BYTES": 25 * 1024 * 1024,
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Static files carry a content fingerprint in their URL (?v=…), so browsers may keep them for a year.
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "image/svg+xml", "text/plain", "application/atom+xml"],
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
    try:
        config["TRUSTED_PROXIES"] = int(config.get("TRUSTED_PROXIES") or 0)
    except ValueError as error:
        raise ConfigurationError("SUPPORT_TRUSTED_PROXIES ska vara antalet proxyservrar framför tjänsten, t.ex. 1.") from error
    if is_production(config):
        if not config.get("SECRET_KEY") or len(str(config["SECRET_KEY"])) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                "SUPPORT_SECRET_KEY måste sättas till en lång slumpmässig sträng i produktion."
            )
        if config["RATELIMIT_STORAGE_URI"].startswith("memory://") and config.get("RATELIMIT_ENABLED", True):
            raise ConfigurationError(
                "SUPPORT_RATELIMIT_STORAGE_URI måste peka på en delad lagring (t.ex. redis://127.0.0.1:6379) "
                "i produktion: gränser i varje process för sig släpper igenom för mycket."
            )
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_dir)


def instance_secret_key(instance_dir: Path) -> str:
    """The instance's own random key, made on first use and kept readable by its owner only.

    Every process of the instance (web, worker, SMTP) reads the same file; when several start at once, the first
    link wins and the others read what it wrote.
    """
    path = instance_dir / SECRET_KEY_FILE
    try:
        return _read_secret_key(path)
    except FileNotFoundError:
        pass
    instance_dir.mkdir(parents=True, exist_ok=True)
    draft = instance_dir / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)  # atomic: fails if another process got there first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_secret_key(path)


def _read_secret_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(f"{path} är tom eller för kort; ta bort filen så skapas en ny nyckel.")
    return key


def is_production(config) -> bool:
    return str(config.get("ENV_NAME", "")).lower() == "production"


def default_instance_dir() -> Path:
    return Path(os.environ.get("SUPPORT_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
