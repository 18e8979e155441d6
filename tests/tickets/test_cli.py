"""`support tickets dump [--json]`."""

import json

from support.extensions import db
from support.tickets import attachments, service
from support.tickets.attachments import IncomingFile
from support.tickets.cli import tickets_cli


def test_dump_lists_every_ticket_with_messages_attachments_and_flags(runner, org, new_ticket):
    ticket = new_ticket(org.teacher, body="Elevens personnummer är 120315-1236.",
                        attachments=[IncomingFile("logg.txt", b"felkod")])
    service.reply(ticket, author=org.superuser, body="Intern kommentar", internal=True)
    attachments.store(ticket, IncomingFile("virus.exe", b"MZ" + b"\0" * 50), quarantine=True)
    db.session.commit()
    result = runner.invoke(tickets_cli, ["dump", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 1
    row = rows[0]
    assert (row["number"], row["state"], row["tier"], row["school"], row["requester"], row["channel"]) == (
        ticket.number, "new", 1, "ekbackaskolan", org.teacher.email, "web")
    assert [m["kind"] for m in row["messages"]] == ["public", "internal"]
    assert row["messages"][1]["body"] == "Intern kommentar"
    assert row["flags"] == ["personnummer"]
    assert {(a["filename"], tuple(a["flags"])) for a in row["attachments"]} == {("logg.txt", ()),
                                                                               ("virus.exe", ("dangerous",))}


def test_dump_text_shows_one_block_per_ticket(runner, org, new_ticket):
    ticket = new_ticket()
    result = runner.invoke(tickets_cli, ["dump"])
    assert result.exit_code == 0
    assert f"#{ticket.number}  new  tier 2  school ekbackaskolan  requester maria@example.com  channel web" in \
        result.output
    assert "[public]" in result.output and "1 tickets" in result.output
