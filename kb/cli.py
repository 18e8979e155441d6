"""`support kb …` commands."""

from flask.cli import AppGroup

kb_cli = AppGroup("kb", help="Knowledge base: import, search, reindex.")


def on_init() -> None:
    """Called by `support init` after migrations (the knowledge base makes sure its index exists)."""
