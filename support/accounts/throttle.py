"""Password guessing is slowed down per address, never answered by locking the account.

Wrong passwords are counted per (address, client) and per address across all clients, in the rate-limit store that
every process shares. Counting is by the address as typed, so an unknown address is treated exactly like a known one.
A browser that has signed in to an account before carries a signed "known device" cookie and is exempt from the
per-address count: someone spreading guesses over many machines slows themselves down, not the owner.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_MAX_ACCOUNTS = 5
KNOWN_DEVICE_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["guess_throttle"] = MovingWindowRateLimiter(storage)


def _strategy() -> MovingWindowRateLimiter:
    return current_app.extensions["guess_throttle"]


def _namespace() -> str:
    """Flask-Limiter's key prefix, so instances sharing one store keep their counts apart."""
    return current_app.config.get("RATELIMIT_KEY_PREFIX") or "support"


def address_key(email: str) -> str:
    """The store never holds the address itself."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _limits():
    config = current_app.config
    return parse(config["LOGIN_FAILURES_PER_CLIENT"]), parse(config["LOGIN_FAILURES_PER_ACCOUNT"])


def _client() -> str:
    return request.remote_addr or "unknown"


def may_try(email: str) -> bool:
    """False while this address has had too many wrong passwords from this client, or from everywhere."""
    per_client, per_account = _limits()
    key = address_key(email)
    if not _strategy().test(per_client, _namespace(), "login-client", key, _client()):
        return False
    return is_known_device(email) or _strategy().test(per_account, _namespace(), "login-account", key)


def record_failure(email: str) -> None:
    per_client, per_account = _limits()
    key = address_key(email)
    _strategy().hit(per_client, _namespace(), "login-client", key, _client())
    if not is_known_device(email):
        _strategy().hit(per_account, _namespace(), "login-account", key)


def record_success(email: str) -> None:
    per_client, _per_account = _limits()
    _strategy().clear(per_client, _namespace(), "login-client", address_key(email), _client())


def may_send_reset(email: str) -> bool:
    """Counts a reset request for the address; False once it has had its share (no mail bombing)."""
    limit = parse(current_app.config["PASSWORD_RESET_RATE_LIMIT"])
    return _strategy().hit(limit, _namespace(), "password-reset", address_key(email))


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _known_addresses() -> list[str]:
    value = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not value:
        return []
    try:
        addresses = _device_serializer().loads(value)
    except BadSignature:
        return []
    return [item for item in addresses if isinstance(item, str)] if isinstance(addresses, list) else []


def is_known_device(email: str) -> bool:
    return address_key(email) in _known_addresses()


def remember_device(response, email: str):
    """Mark this browser as one that has signed in to the account (kept for a year, newest first)."""
    key = address_key(email)
    addresses = [key] + [item for item in _known_addresses() if item != key]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE, _device_serializer().dumps(addresses[:KNOWN_DEVICE_MAX_ACCOUNTS]),
        max_age=KNOWN_DEVICE_MAX_AGE, httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response
