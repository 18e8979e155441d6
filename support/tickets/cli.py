"""`support tickets …` commands."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from support.extensions import db
from support.tickets.models import Message, Ticket

tickets_cli = AppGroup("tickets", help="Tickets: dump and maintenance.")


def dump_rows() -> list[dict]:
    """Every ticket with its messages, attachments and flags (DESIGN.md: `support tickets dump`)."""
    tickets = db.session.scalars(
        select(Ticket).order_by(Ticket.number).options(
            selectinload(Ticket.messages).selectinload(Message.attachments), selectinload(Ticket.attachments))
    ).all()
    rows = []
    for ticket in tickets:
        rows.append({
            "number": ticket.number,
            "subject": ticket.subject,
            "state": ticket.state,
            "tier": ticket.tier,
            "priority": ticket.priority,
            "school": ticket.school.slug if ticket.school else None,
            "requester": ticket.requester.email,
            "channel": ticket.channel,
            "system": ticket.system,
            "assignee": ticket.assignee.email if ticket.assignee else None,
            "merged_into": ticket.merged_into.number if ticket.merged_into else None,
            "tags": ticket.tags,
            "flags": sorted(ticket.flags or []),
            "created_at": ticket.created_at.isoformat(),
            "messages": [
                {"kind": message.kind, "channel": message.channel,
                 "author": message.author.email if message.author else None,
                 "created_at": message.created_at.isoformat(), "body": message.body}
                for message in ticket.messages
            ],
            "attachments": [
                {"filename": attachment.filename, "size": attachment.size,
                 "content_type": attachment.content_type, "flags": sorted(attachment.flags or [])}
                for attachment in ticket.attachments
            ],
        })
    return rows


@tickets_cli.command("dump")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def dump_command(as_json: bool) -> None:
    """Print every ticket with its messages, attachments and flags."""
    rows = dump_rows()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        flags = f"  flags: {', '.join(row['flags'])}" if row["flags"] else ""
        click.echo(f"#{row['number']}  {row['state']}  tier {row['tier']}  school {row['school'] or '-'}  "
                   f"requester {row['requester']}  channel {row['channel']}{flags}")
        click.echo(f"  subject: {row['subject']}")
        for message in row["messages"]:
            body = message["body"].replace("\n", "\n      ")
            click.echo(f"  [{message['kind']}] {message['author'] or '-'}: {body}")
        for attachment in row["attachments"]:
            flags = f" [{', '.join(attachment['flags'])}]" if attachment["flags"] else ""
            click.echo(f"  attachment: {attachment['filename']} ({attachment['size']} bytes){flags}")
    click.echo(f"{len(rows)} tickets")
