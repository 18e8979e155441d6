"""An HTML-only mail is readable as text, and its own formatting can be opened safely: sanitised, in a frame,
remote images blocked until the reader asks for them, inline (cid:) images served from the ticket."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from support.channels.email import service
from support.extensions import db
from support.tickets.models import Ticket
from tests.channels.email.conftest import SUPPORT

PIXEL = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

HTML = """<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>
<p onclick="steal()">Hej! Schemat visas inte för <b>min son</b>. Personnummer 811218-9876.</p>
<img src="https://tracker.example/open.gif?id=42" alt="spårning">
<img src="cid:logo@skola" alt="skärmbild">
<a href="javascript:alert(2)">klicka</a>
</body></html>"""


def _html_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Maria Svensson <maria@example.com>"
    message["To"] = SUPPORT
    message["Subject"] = "Schemat"
    message["Message-ID"] = "<html-1@example.com>"
    message.set_content(HTML, subtype="html")
    message.add_related(PIXEL, maintype="image", subtype="png", cid="<logo@skola>", filename="skarmbild.png")
    return message.as_bytes()


def _file(org) -> Ticket:
    inbound_id, _ = service.store_raw(_html_mail(), envelope_from="maria@example.com", envelope_to=[SUPPORT],
                                      client_address="127.0.0.1")
    db.session.commit()
    service.process(inbound_id)
    db.session.commit()
    return db.session.scalar(select(Ticket))


def test_the_mail_reads_as_text_and_keeps_its_sanitised_html(org):
    ticket = _file(org)
    message = ticket.messages[0]
    assert "Schemat visas inte för min son" in message.body
    assert "<script" not in message.body_html and "onclick" not in message.body_html
    assert "javascript:" not in message.body_html and "<style" not in message.body_html
    assert "https://tracker.example/open.gif" in message.body_html  # kept, but blocked where it is shown


def test_the_original_opens_with_remote_images_blocked_and_inline_images_from_the_ticket(org, login_as):
    ticket = _file(org)
    message = ticket.messages[0]
    client = login_as(org.agent)
    page = client.get(f"/arenden/{ticket.number}")
    assert f"/arenden/{ticket.number}/meddelanden/{message.id}/html" in page.get_data(as_text=True)

    response = client.get(f"/arenden/{ticket.number}/meddelanden/{message.id}/html")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy and "https:" not in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    [image] = [a for a in ticket.attachments if a.content_id == "logo@skola"]
    assert f'src="/arenden/{ticket.number}/bilagor/{image.id}"' in html
    assert "811218-9876" not in html  # personal identity numbers masked as everywhere else
    assert client.get(f"/arenden/{ticket.number}/bilagor/{image.id}").status_code == 200

    with_images = client.get(f"/arenden/{ticket.number}/meddelanden/{message.id}/html?bilder=visa")
    assert "https:" in with_images.headers["Content-Security-Policy"]


def test_the_requester_may_open_their_own_mail_and_nobody_else_may(org, login_as, factory):
    ticket = _file(org)
    url = f"/arenden/{ticket.number}/meddelanden/{ticket.messages[0].id}/html"
    assert login_as(org.guardian_a).get(url).status_code == 200
    assert login_as("guardian:ekbackaskolan").get(url).status_code == 404
    assert login_as(org.superuser_hasselby).get(url).status_code == 404
    assert login_as(org.agent).get(f"/arenden/{ticket.number}/meddelanden/999999/html").status_code == 404


def test_a_web_message_has_no_original_to_open(org, login_as, new_ticket):
    ticket = new_ticket(org.teacher)
    url = f"/arenden/{ticket.number}/meddelanden/{ticket.messages[0].id}/html"
    assert login_as(org.agent).get(url).status_code == 404
