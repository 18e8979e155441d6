"""Skolsupport: the helpdesk and knowledge base of the city's school platform."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the web application; `config` overrides the SUPPORT_* environment (tests pass their own)."""
    from support import config as settings
    from support.database import register_engine_events, serialise_sqlite_writes
    from support.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from support.i18n import select_locale, select_timezone

    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(settings.default_instance_dir()),
    )
    app.config.from_mapping(settings.defaults(Path(app.instance_path)))
    app.config.from_prefixed_env("SUPPORT")
    if config:
        app.config.update(config)
    settings.finalize(app.config)
    app.instance_path = app.config["INSTANCE_DIR"]
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only then is X-Forwarded-For the client's address; without proxies it is whatever the client says.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    from support.request_input import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter

    register_engine_events()
    db.init_app(app)
    with app.app_context():
        serialise_sqlite_writes(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    from support.accounts import throttle

    throttle.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(PROJECT_DIR / "translations"),
    )

    import kb
    import support.models  # noqa: F401 - every model registered before migrations or queries
    from support import accounts, channels, network, openapi, outbox, pages, tickets, vocabulary, web

    for area in (web, vocabulary, pages, accounts, outbox, kb, tickets, channels, network, openapi):
        area.init_app(app)
    return app
