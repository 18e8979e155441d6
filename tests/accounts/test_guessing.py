"""Finding 10: wrong passwords slow a guesser down without handing anyone a switch that locks an account,
and nothing tells a known address from an unknown one."""

from support.extensions import db
from support.outbox.models import OutgoingMail
from tests.conftest import TEST_PASSWORD, login

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}


def _wrong(client, email, environ=None):
    return client.post("/login", data={"email": email, "password": "gissning"}, environ_base=environ or {})


def test_many_wrong_passwords_from_elsewhere_never_lock_the_owner_out(app, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    owners_browser = app.test_client()
    assert login(owners_browser, "karin@example.com").status_code == 302
    owners_browser.post("/logout")
    attacker = app.test_client()
    for round_number in range(60):
        _wrong(attacker, "karin@example.com", {"REMOTE_ADDR": f"203.0.113.{round_number}"})
    assert login(owners_browser, "karin@example.com").status_code == 302


def test_guesses_from_one_client_are_slowed_down_even_with_the_right_password_at_the_end(client, factory, app):
    factory.user(email="karin@example.com")
    db.session.commit()
    statuses = [_wrong(client, "karin@example.com").status_code for _ in range(5)]
    assert statuses == [401] * 5
    response = login(client, "karin@example.com")
    assert response.status_code == 429
    assert "För många felaktiga lösenord" in response.get_data(as_text=True)
    # Another person at the same school (same address) signing in to their own account is not affected.
    factory.user(email="erik@example.com")
    db.session.commit()
    assert login(app.test_client(), "erik@example.com").status_code == 302


def test_a_known_and_an_unknown_address_get_the_same_answers(client, factory, app):
    factory.user(email="karin@example.com")
    db.session.commit()
    known = [_wrong(client, "karin@example.com") for _ in range(7)]
    unknown = [_wrong(app.test_client(), "ingen-alls@example.com") for _ in range(7)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429] * 2

    def message(response):
        return response.get_data(as_text=True).split('class="error-summary"')[1][:400]

    assert [message(r) for r in known] == [message(r).replace("ingen-alls", "karin") for r in unknown]


def test_guesses_spread_over_many_machines_are_slowed_down_for_browsers_that_never_signed_in(app, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    for round_number in range(30):
        _wrong(app.test_client(), "karin@example.com", {"REMOTE_ADDR": f"198.51.100.{round_number}"})
    fresh = app.test_client()
    response = fresh.post("/login", data={"email": "karin@example.com", "password": TEST_PASSWORD},
                          environ_base={"REMOTE_ADDR": "198.51.100.200"})
    assert response.status_code == 429


def test_password_reset_answers_the_same_for_unknown_addresses_and_mails_only_real_ones(client, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    known = client.post("/glomt-losenord", data={"email": "karin@example.com"}, follow_redirects=True)
    unknown = client.post("/glomt-losenord", data={"email": "ingen@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert "Om adressen finns hos oss" in known.get_data(as_text=True)
    assert "Om adressen finns hos oss" in unknown.get_data(as_text=True)
    assert [mail.to_addrs for mail in db.session.query(OutgoingMail)] == [["karin@example.com"]]


def test_nobody_can_bomb_an_inbox_with_reset_mails(app, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    for round_number in range(10):
        app.test_client().post("/glomt-losenord", data={"email": "karin@example.com"},
                               environ_base={"REMOTE_ADDR": f"192.0.2.{round_number}"})
    assert db.session.query(OutgoingMail).count() == 3
