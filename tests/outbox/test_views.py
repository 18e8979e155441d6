from datetime import timedelta

from support.database import utcnow
from support.extensions import db
from support.outbox.service import RelayTransport, deliver_pending, enqueue_mail


def _dead_mail(app):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    mail = enqueue_mail("maria@example.com", "Svar på ditt ärende", "Hej!")
    db.session.commit()
    deliver_pending(RelayTransport("127.0.0.1:1"))
    db.session.refresh(mail)
    assert mail.state == "dead"
    return mail


def test_admin_sees_dead_letters_with_their_error(app, login_as):
    mail = _dead_mail(app)
    client = login_as("admin")
    page = client.get("/admin/utkorg/?status=dead").get_data(as_text=True)
    assert "Svar på ditt ärende" in page
    assert "Misslyckad" in page
    assert "Misslyckade (1)" in page
    detail = client.get(f"/admin/utkorg/{mail.id}").get_data(as_text=True)
    assert "ConnectionRefusedError" in detail
    assert mail.message_id.replace("<", "&lt;").replace(">", "&gt;") in detail
    assert "Försök skicka igen" in detail


def test_admin_overview_counts_the_backlog(app, login_as):
    _dead_mail(app)
    enqueue_mail("a@example.com", "Kö", "Text")
    db.session.commit()
    page = login_as("admin").get("/admin/").get_data(as_text=True)
    assert "<dt>E-post i kö</dt><dd>1</dd>" in page
    assert '<dt>Misslyckad e-post</dt><dd><a href="/admin/utkorg/?status=dead">1</a></dd>' in page


def test_admin_retries_a_dead_letter_and_it_is_sent(app, login_as, tmp_path):
    mail = _dead_mail(app)
    client = login_as("admin")
    response = client.post(f"/admin/utkorg/{mail.id}/forsok-igen", follow_redirects=True)
    assert "Meddelandet är lagt i kön igen." in response.get_data(as_text=True)
    db.session.refresh(mail)
    assert (mail.state, mail.attempts) == ("pending", 0)
    from support.outbox.service import SinkTransport

    assert deliver_pending(SinkTransport(tmp_path))["sent"] == 1


def test_only_dead_letters_can_be_retried(app, login_as):
    mail = enqueue_mail("a@example.com", "Kö", "Text")
    db.session.commit()
    assert login_as("admin").post(f"/admin/utkorg/{mail.id}/forsok-igen").status_code == 400


def test_sink_mail_is_readable_by_admins_after_delivery(app, login_as):
    mail = enqueue_mail("maria@example.com", "Återställ lösenord", "Länken: http://x/y")
    db.session.commit()
    deliver_pending()
    client = login_as("admin")
    assert "lokalt" in client.get("/admin/utkorg/?status=sent").get_data(as_text=True)
    detail = client.get(f"/admin/utkorg/{mail.id}").get_data(as_text=True)
    assert "Länken: http://x/y" in detail
    assert "lokalt, inte utskickad" in detail


def test_pending_retry_shows_when_the_next_attempt_is(app, login_as):
    mail = enqueue_mail("maria@example.com", "Hej", "Text")
    db.session.commit()
    deliver_pending(RelayTransport("127.0.0.1:1"))
    db.session.refresh(mail)
    assert mail.next_attempt_at > utcnow() + timedelta(seconds=10)
    assert "Nästa försök" in login_as("admin").get(f"/admin/utkorg/{mail.id}").get_data(as_text=True)


def test_unknown_mail_is_404(login_as):
    assert login_as("admin").get("/admin/utkorg/424242").status_code == 404
