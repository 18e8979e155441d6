"""Every message of the shared third-party corpus goes through the real server; each manifest expectation is checked.

The corpus is read where it lies (../shared/corpus/mail); it is never copied into this repository.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from support.channels.email.automail import auto_reply_reason, is_bounce
from support.channels.email.models import InboundMail
from support.channels.email.parse import parse_mail, raw_message_id
from support.extensions import db
from support.tickets.models import Ticket
from tests.channels.email.conftest import on_the_wire

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "mail"
# Expectations we knowingly do not meet yet: "file:key" → why. Listed in the output when they are skipped.
KNOWN_GAPS: dict[str, str] = {}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _check(entry: dict, row: InboundMail, parsed) -> dict[str, str]:
    """key → problem ("" when the expectation holds)."""
    expect = entry.get("expect", {})
    found = {"from_address": parsed.from_address, "from_name": parsed.from_name, "subject": _squash(parsed.subject),
             "attachment_count": len(parsed.files), "is_auto_reply": bool(auto_reply_reason(parsed)),
             "is_bounce": is_bounce(parsed)}
    results = {}
    for key, wanted in expect.items():
        if key == "body_contains":
            snippets = [wanted] if isinstance(wanted, str) else wanted
            missing = [snippet for snippet in snippets if _squash(snippet) not in _squash(parsed.text)]
            results[key] = f"missing {missing!r}" if missing else ""
        elif key in found:
            wanted = _squash(wanted) if key == "subject" else wanted
            results[key] = "" if found[key] == wanted else f"expected {wanted!r}, found {found[key]!r}"
    # The general requirement of every entry: stored and filed, never lost, never left pending.
    outcome = ""
    if row.state == "pending":
        outcome = "still pending"
    elif expect.get("is_auto_reply") and (row.state != "ignored" or row.ticket_id is not None):
        outcome = f"auto-reply was {row.state}"
    elif row.state == "processed":
        ticket = db.session.get(Ticket, row.ticket_id)
        snippets = expect.get("body_contains", [])
        snippets = [snippets] if isinstance(snippets, str) else snippets
        bodies = _squash(" ".join(message.body for message in ticket.messages)) if ticket else ""
        if ticket is None or any(_squash(snippet) not in bodies for snippet in snippets):
            outcome = f"ticket missing or without the expected text ({row.reason})"
    results["outcome"] = outcome
    return results


def test_every_corpus_message_becomes_the_right_ticket_or_log_entry(org, mailer, capsys):
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"the shared mail corpus is not at {CORPUS}")
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    with mailer.connect() as smtp:
        for entry in manifest:
            db.session.commit()
            smtp.sendmail("corpus@example.org", ["support@skolplattformen.example"],
                          on_the_wire((CORPUS / entry["file"]).read_bytes()))
    mailer.wait()
    passed, stated, failures, skipped = 0, 0, [], []
    first_with_id: dict[str, str] = {}
    for entry in manifest:
        raw = on_the_wire((CORPUS / entry["file"]).read_bytes())
        key = raw_message_id(raw)
        row = db.session.scalar(select(InboundMail).where(InboundMail.message_id == key))
        assert row is not None, f"{entry['file']} was lost"
        earlier = first_with_id.setdefault(key, entry["file"])
        for key, problem in _check(entry, row, parse_mail(raw)).items():
            name = f"{entry['file']}:{key}"
            if key == "outcome" and earlier != entry["file"]:
                skipped.append(f"{name}: same Message-ID as {earlier}, so it is a resend to us (one row, 250)")
            elif not problem:
                passed += 1
                stated += key != "outcome"
            elif name in KNOWN_GAPS:
                skipped.append(f"{name}: {KNOWN_GAPS[name]} ({problem})")
            else:
                failures.append(f"{name}: {problem}")
    with capsys.disabled():
        print(f"\nmail corpus: {passed} checks passed ({stated} of the manifest's "
              f"{sum(len(entry.get('expect', {})) for entry in manifest)} stated expectations, and the outcome of "
              f"{passed - stated} messages), {len(failures)} failed, {len(skipped)} skipped ({len(manifest)} messages)")
        for line in skipped:
            print(f"  skipped {line}")
    assert failures == [], "\n".join(failures)
