"""Finding 1 and 2: nobody can forge a session, and a session ends when its owner says so."""

import os
import stat

from flask.sessions import SecureCookieSessionInterface
from flask_login.utils import _cookie_digest

from support import create_app
from support.config import SECRET_KEY_FILE, ConfigurationError
from support.extensions import db
from tests.conftest import TEST_PASSWORD, login

OLD_PUBLIC_CONSTANT = "dev-only-secret-change-me"


def _app_without_key(app_config, instance_dir):
    config = dict(app_config, INSTANCE_DIR=str(instance_dir))
    config.pop("SECRET_KEY")
    return create_app(config)


def test_without_a_configured_key_each_instance_makes_its_own_and_keeps_it_private(app_config, tmp_path, monkeypatch):
    monkeypatch.delenv("SUPPORT_SECRET_KEY", raising=False)
    first = _app_without_key(app_config, tmp_path / "one")
    key_file = tmp_path / "one" / SECRET_KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.secret_key) >= 32 and first.secret_key != OLD_PUBLIC_CONSTANT
    assert _app_without_key(app_config, tmp_path / "one").secret_key == first.secret_key
    assert _app_without_key(app_config, tmp_path / "two").secret_key != first.secret_key


def test_production_still_demands_its_own_long_key(app_config, tmp_path, monkeypatch):
    monkeypatch.delenv("SUPPORT_SECRET_KEY", raising=False)
    import pytest

    with pytest.raises(ConfigurationError):
        create_app({**{k: v for k, v in app_config.items() if k != "SECRET_KEY"}, "ENV_NAME": "production",
                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})


def _forged_remember_cookie(user_id: str, key: str) -> str:
    from hashlib import sha512
    from hmac import new

    digest = new(key.encode(), user_id.encode(), sha512).hexdigest()
    return f"{user_id}|{digest}"


def test_a_remember_cookie_signed_with_the_old_public_constant_signs_nobody_in(app_config, tmp_path, factory,
                                                                                 monkeypatch):
    monkeypatch.delenv("SUPPORT_SECRET_KEY", raising=False)
    app = _app_without_key(app_config, tmp_path / "default")
    with app.app_context():
        admin = factory.user(email="admin@example.com", roles=("admin",))
        db.session.commit()
        client = app.test_client()
        for user_id in (str(admin.id), f"{admin.id}:0"):
            client.set_cookie("remember_token", _forged_remember_cookie(user_id, OLD_PUBLIC_CONSTANT))
            assert client.get("/admin/").status_code == 302


def test_a_session_cookie_signed_with_the_old_public_constant_is_ignored(client, factory, app):
    admin = factory.user(email="admin@example.com", roles=("admin",))
    db.session.commit()
    interface = SecureCookieSessionInterface()
    app.secret_key, real = OLD_PUBLIC_CONSTANT, app.secret_key
    forged = interface.get_signing_serializer(app).dumps({"_user_id": f"{admin.id}:0", "_fresh": True})
    app.secret_key = real
    client.set_cookie("session", forged)
    assert client.get("/admin/").status_code == 302


def test_signing_out_ends_every_session_of_that_person(app, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "karin@example.com")
    login(phone, "karin@example.com")
    assert phone.get("/profil").status_code == 200
    laptop.post("/logout")
    assert phone.get("/profil").status_code == 302


def test_a_remember_cookie_stops_working_when_its_owner_signs_out(app, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    browser = app.test_client()
    browser.post("/login", data={"email": "karin@example.com", "password": TEST_PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token").value
    assert ":" in remember.split("|")[0]  # the id and the session generation
    copied = app.test_client()
    copied.set_cookie("remember_token", remember)
    assert copied.get("/profil").status_code == 200
    browser.post("/logout")
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remember)
    assert stolen.get("/profil").status_code == 302
    browser.post("/login", data={"email": "karin@example.com", "password": TEST_PASSWORD, "remember": "y"})
    assert browser.get_cookie("remember_token").value != remember


def test_deactivating_an_account_ends_its_sessions(login_as, factory):
    person = login_as("guardian")
    admin = login_as("admin")
    assert person.get("/profil").status_code == 200
    admin.post(f"/admin/anvandare/{person.user.id}/status", data={"s-active": ""})
    assert person.get("/profil").status_code == 302


def test_sign_in_starts_a_new_session_without_what_was_planted_before(app, factory):
    factory.user(email="karin@example.com")
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as planted:
        planted["csrf_token"] = "planted-by-an-attacker"
        planted["locale"] = "en"
    login(client, "karin@example.com")
    with client.session_transaction() as session:
        assert session.get("csrf_token") != "planted-by-an-attacker"
        assert session.get("locale") == "en"
        assert ":" in session.get("_user_id", "")


def test_remember_cookie_digest_matches_flask_login(app):
    # Guards the forging helper above: if Flask-Login changes its format, the forgery test must change too.
    with app.test_request_context():
        value = f"7:0|{_cookie_digest('7:0')}"
    assert value == _forged_remember_cookie("7:0", app.secret_key)
