"""The `support` command: a Flask group with init, demo, users and worker (other areas add theirs)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from support import create_app


def _create_app(*_args, **_kwargs):
    from support.config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli():
    """Skolsupport: helpdesk och kunskapsbank för Skolplattformen."""


def database_error(error: Exception) -> click.ClickException:
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    safe_url = url.split("@")[-1] if "@" in url else url
    return click.ClickException(
        f"Kan inte nå databasen ({safe_url}): {error.__class__.__name__}. "
        "Kontrollera SUPPORT_DATABASE_URL och att databasservern är igång."
    )


@cli.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database to the latest schema and make sure the search index exists."""
    from flask_migrate import upgrade

    for folder in ("INSTANCE_DIR", "INDEX_DIR", "ATTACHMENT_DIR"):
        Path(current_app.config[folder]).mkdir(parents=True, exist_ok=True)
    try:
        upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
    except OperationalError as error:
        raise database_error(error) from error
    from kb.cli import on_init as kb_on_init

    kb_on_init()
    click.echo("Databasen är uppdaterad till senaste schemat.")


@cli.command("demo")
@with_appcontext
def demo_command():
    """Load the demo organisation, users, articles and tickets (idempotent; refused in production)."""
    from support.config import is_production
    from support.demo import load_demo

    if is_production(current_app.config):
        raise click.ClickException("support demo körs inte i produktion (SUPPORT_ENV_NAME=production).")
    try:
        summary = load_demo(current_app.config["DEMO_PASSWORD"])
    except OperationalError as error:
        raise database_error(error) from error
    click.echo("Demodata inläst: " + ", ".join(f"{key}={value}" for key, value in summary.items()))


@cli.command("worker")
@click.option("--once", is_flag=True, help="Run one pass and exit.")
@click.option("--interval", type=float, default=None, help="Seconds between passes.")
@with_appcontext
def worker_command(once: bool, interval: float | None):
    """Send the outbox and run scheduled jobs."""
    from support.worker import run_forever, run_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    if once:
        results = run_once()
        click.echo(json.dumps(results, default=str))
        if "error" in results.values():
            sys.exit(1)
        return
    interval = interval or current_app.config["WORKER_INTERVAL_SECONDS"]
    click.echo(f"Worker startad (var {interval:g}:e sekund). Avsluta med Ctrl-C.")
    run_forever(interval)


@cli.group("users")
def users_group():
    """Create and list users."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", default=None)
@click.option("--group", "groups", multiple=True, help="GROUP[:SCHOOL_SLUG], repeatable")
@click.option("--role", "roles", multiple=True,
              help="ROLE[:SCHOOL_SLUG], or coordinator:ADMINISTRATION_SLUG_OR_ID, repeatable")
@with_appcontext
def users_create(email, name, password, groups, roles):
    """Create a user with groups and roles."""
    from support.accounts import service
    from support.extensions import db

    try:
        user = service.create_user(
            email, name, password,
            groups=[service.parse_membership(spec) for spec in groups],
            roles=[service.parse_membership(spec) for spec in roles],
        )
        db.session.commit()
    except service.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    except OperationalError as error:
        raise database_error(error) from error
    click.echo(f"Skapade {user.email} (id {user.id}).")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_list(as_json: bool):
    """List users with their groups and roles."""
    from support.accounts.models import User
    from support.extensions import db

    try:
        users = db.session.scalars(select(User).order_by(User.email)).all()
    except OperationalError as error:
        raise database_error(error) from error
    rows = []
    for user in users:
        rows.append({
            "email": user.email,
            "name": user.name,
            "active": user.active,
            "groups": [{"group": m.group, "school": m.school.slug if m.school else None} for m in user.groups],
            # A coordinator's role names its administration; other roles keep the shape they always had.
            "roles": [{"role": r.role, "school": r.school.slug if r.school else None}
                      | ({"administration": r.administration.slug} if r.administration else {})
                      for r in user.roles],
        })
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        memberships = [f"{g['group']}:{g['school']}" if g["school"] else g["group"] for g in row["groups"]]
        memberships += [f"{r['role']}:{r['school'] or r.get('administration')}"
                        if r["school"] or r.get("administration") else r["role"] for r in row["roles"]]
        click.echo(f"{row['email']:<45} {row['name']:<25} {', '.join(memberships)}")


@cli.command("serve")
@with_appcontext
def serve_command():
    """Start the web app, the worker and the SMTP server together (what `make run` does)."""
    from support.demo import DEMO_USERS
    from support.launcher import serve

    click.echo("Skolsupport startar:")
    serve(current_app.config, set(cli.commands), [(user.email, user.description) for user in DEMO_USERS])


def _add_area_commands() -> None:
    from kb.cli import kb_cli
    from support.channels.email.cli import smtp_command
    from support.tickets.cli import tickets_cli

    cli.add_command(kb_cli)
    cli.add_command(tickets_cli)
    cli.add_command(smtp_command)


_add_area_commands()


def main():
    cli(prog_name="support")


if __name__ == "__main__":
    main()
