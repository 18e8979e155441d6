"""An agent opens an e-mail's own formatting in a real browser: remote images stay unloaded until asked for."""

from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

HTML = """<html><body><p>Hej! <b>Schemat</b> visas inte för min son.</p>
<img src="https://tracker.example/open.gif" alt="spårningsbild"></body></html>"""


def file_html_mail(live_server, sender: str) -> int:
    from email.message import EmailMessage

    from support.channels.email import service
    from support.channels.email.models import InboundMail
    from support.extensions import db
    from support.tickets.models import Ticket

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@skolplattformen.example", "Schemat"
    message.set_content(HTML, subtype="html")
    with live_server.app.app_context():
        address = f"support@{live_server.app.config['MAIL_DOMAIN']}"
        inbound_id, _ = service.store_raw(message.as_bytes(), envelope_from=sender, envelope_to=[address],
                                          client_address="127.0.0.1")
        db.session.commit()
        service.process(inbound_id)
        db.session.commit()
        return db.session.get(Ticket, db.session.get(InboundMail, inbound_id).ticket_id).number


def test_agent_reads_the_mail_as_it_came_without_remote_images_until_asked(page, live_server, login_page,
                                                                           axe_check):
    guardian = live_server.create_user(name="Gun Vårdnadshavare", groups=["guardian:ekbackaskolan"])
    agent = live_server.create_user(name="Eva Epostagent", roles=["agent"])
    number = file_html_mail(live_server, guardian)
    remote = []

    def record(route):
        remote.append(route.request.url)
        route.fulfill(status=200, content_type="image/gif", body=b"GIF89a")

    page.route("https://tracker.example/**", record)
    login_page(page, agent)
    page.goto(f"/arenden/{number}")
    page.get_by_text("Visa meddelandet som det kom (HTML)").click()
    frame = page.frame_locator("iframe.message-original-frame")
    expect(frame.locator("b")).to_have_text("Schemat")
    axe_check(page)
    assert remote == []  # the tracking pixel never left the browser

    page.get_by_role("link", name="Visa bilderna").click()
    expect(frame.locator("b")).to_have_text("Schemat")
    page.wait_for_timeout(300)
    assert remote and remote[0].startswith("https://tracker.example/open.gif")
