import email
import email.policy
import re

from sqlalchemy import select

from support.accounts.models import User
from support.extensions import db
from support.outbox.models import OutgoingMail
from support.outbox.service import SinkTransport, deliver_pending
from tests.conftest import TEST_PASSWORD, login

NEW_PASSWORD = "ett-helt-nytt-losenord"
SAME_ANSWER = "Om adressen finns hos oss har vi skickat en länk"


def _request_reset(client, email="maria@example.com"):
    return client.post("/glomt-losenord", data={"email": email}, follow_redirects=True)


def _reset_link_from_outbox() -> str:
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "password_reset")).one()
    match = re.search(r"https?://\S+/aterstall-losenord/\S+", mail.body_text)
    assert match, mail.body_text
    return match.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _choose_password(client, path, password=NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def test_reset_request_writes_a_mail_with_a_link_to_the_outbox(client, factory):
    factory.user(email="maria@example.com", name="Maria Svensson")
    db.session.commit()
    response = _request_reset(client)
    assert SAME_ANSWER in response.get_data(as_text=True)
    mail = db.session.scalars(select(OutgoingMail)).one()
    assert mail.to_addrs == ["maria@example.com"]
    assert mail.subject == "Återställ ditt lösenord till Skolsupport"
    assert "Hej Maria!" in mail.body_text
    assert _reset_link_from_outbox().startswith("http://localhost/aterstall-losenord/")


def test_reset_link_is_built_from_the_public_url_not_the_request_host(client, factory):
    factory.user(email="maria@example.com")
    db.session.commit()
    client.post("/glomt-losenord", data={"email": "maria@example.com"},
                headers={"Host": "evil.example"})
    assert "evil.example" not in _reset_link_from_outbox()


def test_reset_mail_is_delivered_to_the_sink_with_a_working_link(client, factory, app, tmp_path):
    factory.user(email="maria@example.com")
    db.session.commit()
    _request_reset(client)
    assert deliver_pending(SinkTransport(tmp_path)) == {"sent": 1, "retry": 0, "dead": 0}
    message = email.message_from_bytes(next(tmp_path.glob("*.eml")).read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://localhost/aterstall-losenord/\S+", body).group(0)
    assert client.get(_path(link)).status_code == 200


def test_reset_link_sets_a_new_password_that_works_and_the_old_one_stops(client, factory):
    factory.user(email="maria@example.com")
    db.session.commit()
    _request_reset(client)
    response = _choose_password(client, _path(_reset_link_from_outbox()))
    assert response.status_code == 302
    assert "Lösenordet är bytt" in client.get("/login").get_data(as_text=True)
    assert login(client, "maria@example.com", TEST_PASSWORD).status_code == 401
    assert login(client, "maria@example.com", NEW_PASSWORD).status_code == 302


def test_reset_link_works_only_once(client, factory):
    factory.user(email="maria@example.com")
    db.session.commit()
    _request_reset(client)
    path = _path(_reset_link_from_outbox())
    assert _choose_password(client, path).status_code == 302
    second = _choose_password(client, path, "ett-tredje-losenord")
    assert second.status_code == 400
    assert "Länken har redan använts" in second.get_data(as_text=True)
    assert login(client, "maria@example.com", NEW_PASSWORD).status_code == 302


def test_a_new_password_ends_every_open_session(client, factory, app):
    factory.user(email="maria@example.com")
    db.session.commit()
    elsewhere = app.test_client()
    assert login(elsewhere, "maria@example.com").status_code == 302
    assert elsewhere.get("/profil").status_code == 200
    _request_reset(client)
    _choose_password(client, _path(_reset_link_from_outbox()))
    assert elsewhere.get("/profil").status_code == 302


def test_expired_link_gives_a_swedish_message_and_changes_nothing(client, factory, app):
    user = factory.user(email="maria@example.com")
    db.session.commit()
    old_hash = user.password_hash
    _request_reset(client)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = _choose_password(client, _path(_reset_link_from_outbox()))
    assert response.status_code == 400
    assert "Länken har gått ut" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_tampered_link_gives_a_swedish_message_and_changes_nothing(client, factory):
    user = factory.user(email="maria@example.com")
    db.session.commit()
    old_hash = user.password_hash
    _request_reset(client)
    path = _path(_reset_link_from_outbox())
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = _choose_password(client, tampered)
    assert response.status_code == 400
    assert "Länken är ogiltig" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_link_signed_with_another_key_is_refused(client, factory, app):
    from itsdangerous import URLSafeTimedSerializer

    user = factory.user(email="maria@example.com")
    db.session.commit()
    forged = URLSafeTimedSerializer("another-key", salt="password-reset").dumps({"uid": user.id, "fp": "x"})
    assert client.get(f"/aterstall-losenord/{forged}").status_code == 400


def test_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = _request_reset(client, "nobody@example.com")
    assert SAME_ANSWER in response.get_data(as_text=True)
    assert db.session.scalar(select(OutgoingMail.id)) is None


def test_deactivated_user_gets_no_reset_mail(client, factory):
    user = factory.user(email="gone@example.com")
    user.active = False
    db.session.commit()
    _request_reset(client, "gone@example.com")
    assert db.session.scalar(select(OutgoingMail.id)) is None


def test_mismatched_passwords_keep_the_page_and_change_nothing(client, factory):
    user = factory.user(email="maria@example.com")
    db.session.commit()
    old_hash = user.password_hash
    _request_reset(client)
    response = client.post(_path(_reset_link_from_outbox()),
                           data={"password": NEW_PASSWORD, "confirm": "something-else"})
    assert response.status_code == 200
    assert "Lösenorden är inte lika." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash == old_hash


def test_reset_request_is_written_only_if_the_transaction_commits(app, factory):
    from support.accounts.notifications import send_password_reset
    from support.accounts.service import make_reset_token

    user = factory.user(email="maria@example.com")
    db.session.commit()
    with app.test_request_context():
        send_password_reset(user, make_reset_token(user))
    db.session.rollback()
    assert db.session.scalar(select(OutgoingMail.id)) is None


def test_the_page_and_the_mail_state_how_long_the_link_is_valid(client, factory, app):
    app.config["PASSWORD_RESET_MAX_AGE"] = 30 * 60
    factory.user(email="maria@example.com", name="Maria Svensson")
    db.session.commit()
    page = _request_reset(client).get_data(as_text=True)
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == "password_reset")).one()
    assert "Länken gäller i 30 minuter." in page
    assert "inom 30 minuter" in mail.body_text
