"""`support tickets …` commands."""

from flask.cli import AppGroup

tickets_cli = AppGroup("tickets", help="Tickets: dump and maintenance.")
