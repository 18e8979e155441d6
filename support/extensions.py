"""Flask extensions, created unbound here and bound to the app in create_app()."""

from flask import request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from support.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


def rate_limit_key() -> str:
    """Signed-in people are limited per account, so pupils sharing a school's address do not share a budget;
    visitors per client address (the proxies' X-Forwarded-For when SUPPORT_TRUSTED_PROXIES says so)."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{request.remote_addr or 'unknown'}"


limiter = Limiter(key_func=rate_limit_key, default_limits=[])


def configured_limit(name: str):
    """A limit read from the app's settings when a request is checked (so tests and deployments can change it)."""
    from flask import current_app

    return lambda: current_app.config[name]
babel = Babel()
compress = Compress()
