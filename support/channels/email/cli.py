"""`support smtp`: the inbound SMTP server."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("smtp")
@click.option("--host", default=None, help="Address to listen on (SUPPORT_SMTP_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (SUPPORT_SMTP_PORT, default 2525).")
@with_appcontext
def smtp_command(host: str | None, port: int | None):
    """Receive e-mail for the support address and turn it into tickets."""
    from support.channels.email.server import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s smtp %(levelname)s %(message)s")
    # aiosmtpd logs every command line, envelope addresses included, at INFO: seven lines of personal data per
    # message, formatted on the SMTP loop. Our handler logs what needs a look (limits, failed commits).
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    app = current_app._get_current_object()
    host = host or app.config["SMTP_HOST"]
    port = port or int(app.config["SMTP_PORT"])
    click.echo(f"SMTP-servern tar emot e-post på {host}:{port}. Avsluta med Ctrl-C.")
    serve_forever(app, host, port)
