"""Hostile mail never crashes the server or the processor; what cannot be filed waits in quarantine with a reason."""

from __future__ import annotations

import base64
import contextlib
import smtplib

import pytest
from sqlalchemy import select

from support.channels.email.models import InboundMail
from support.extensions import db
from support.tickets.models import Attachment, Ticket
from tests.channels.email.conftest import make_mail


def _header_block(**headers) -> bytes:
    lines = [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n").encode()


def _huge_subject() -> bytes:
    folded = "\r\n ".join(["ord" * 25] * (2_000_000 // 76))
    return (_header_block(From="maria@example.com", To="support@skolplattformen.example",
                          Message_ID="<huge-subject@example.com>") + f"Subject: {folded}\r\n\r\nText\r\n".encode())


def _many_recipients() -> bytes:
    cc = ",\r\n ".join(f"person{number}@example.org" for number in range(10_000))
    return (_header_block(From="maria@example.com", To="support@skolplattformen.example", Subject="Alla",
                          Message_ID="<many@example.com>") + f"Cc: {cc}\r\n\r\nHej alla\r\n".encode())


def _nul_bytes() -> bytes:
    return (_header_block(From="maria@example.com", To="support@skolplattformen.example",
                          Subject="Noll", Message_ID="<nul@example.com>") + b"\r\nText\x00med\x00NUL\r\n")


def _broken_base64() -> bytes:
    return (_header_block(From="maria@example.com", To="support@skolplattformen.example", Subject="Trasig",
                          Message_ID="<b64@example.com>", MIME_Version="1.0",
                          Content_Type="text/plain; charset=utf-8", Content_Transfer_Encoding="base64")
            + b"\r\n!!!not base64 at all===\r\nSGVq\r\n")


def _deeply_nested(depth: int = 100) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nLangst in\r\n"
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary + b"\r\n"
                + body + b"\r\n--" + boundary + b"--\r\n")
    return _header_block(From="maria@example.com", To="support@skolplattformen.example", Subject="Djup",
                         Message_ID="<deep@example.com>", MIME_Version="1.0") + body


@pytest.mark.parametrize("build", [_huge_subject, _many_recipients, _nul_bytes, _broken_base64, _deeply_nested])
def test_hostile_mail_is_filed_or_quarantined_and_the_server_keeps_serving(org, mailer, build):
    raw = build()
    # Refusing at SMTP level (e.g. a line too long) is also a safe answer; a crash is not.
    with contextlib.suppress(smtplib.SMTPException):
        mailer.send(raw)
    for row in db.session.scalars(select(InboundMail)):
        assert row.state in ("processed", "quarantined", "ignored"), row.reason
        assert "\x00" not in row.subject
    mailer.send(make_mail(subject="Efteråt"))  # the server still works
    assert db.session.scalar(select(Ticket).where(Ticket.subject == "Efteråt")) is not None


def test_ten_thousand_cc_addresses_add_only_a_few_participants(org, mailer):
    mailer.send(_many_recipients())
    ticket = db.session.scalar(select(Ticket))
    assert 0 < len(ticket.participants) <= 10


def test_a_subject_with_line_breaks_never_reaches_outgoing_headers(org, mailer):
    from support.outbox.models import OutgoingMail
    from support.outbox.service import render_message

    raw = (_header_block(From="maria@example.com", To="support@skolplattformen.example",
                         Message_ID="<inject@example.com>")
           + b"Subject: =?utf-8?q?Hej=0D=0ABcc=3A_evil=40example=2Ecom?=\r\n\r\nText\r\n")
    mailer.send(raw)
    for mail in db.session.scalars(select(OutgoingMail)):
        rendered = render_message(mail)
        assert rendered["Bcc"] is None
        assert "\n" not in mail.subject and "\r" not in mail.subject


def test_a_dangerous_file_from_email_is_kept_flagged_and_never_served(org, mailer, login_as):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"] = "maria@example.com", "support@skolplattformen.example"
    message["Subject"], message["Message-ID"] = "Bifogat program", "<exe@example.com>"
    message.set_content("Se bilagan.")
    message.add_attachment(b"MZ\x90\x00" + b"\x00" * 200, maintype="application", subtype="octet-stream",
                           filename="faktura.exe")
    message.add_attachment(base64.b64decode("iVBORw0KGgo="), maintype="image", subtype="png", filename="bild.png")
    mailer.send(message.as_bytes())
    attachments = {item.filename: item for item in db.session.scalars(select(Attachment))}
    assert attachments["faktura.exe"].flags == ["dangerous"]
    client = login_as(org.agent)
    ticket = db.session.scalar(select(Ticket))
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "faktura.exe" in page
    assert client.get(f"/arenden/{ticket.number}/bilagor/{attachments['faktura.exe'].id}").status_code == 404
