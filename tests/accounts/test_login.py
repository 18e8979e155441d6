import pytest

from support.accounts.models import User
from support.extensions import db
from tests.conftest import TEST_PASSWORD, login


def test_correct_password_signs_in_and_shows_personal_start_page(client, factory):
    factory.user(email="maria@example.com", name="Maria Svensson", groups=["guardian"])
    db.session.commit()
    response = login(client, "Maria@Example.com")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Välkommen, Maria" in page
    assert "Jag är vårdnadshavare" in page


def test_wrong_password_gives_swedish_message_and_keeps_email(client, factory):
    factory.user(email="maria@example.com")
    db.session.commit()
    response = client.post("/login", data={"email": "maria@example.com", "password": "fel"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in page
    assert 'value="maria@example.com"' in page


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client):
    response = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, factory):
    user = factory.user(email="gone@example.com")
    user.active = False
    db.session.commit()
    assert login(client, "gone@example.com").status_code == 401


def test_logout_requires_post_and_ends_the_session(login_as):
    client = login_as("guardian")
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert "Jag är vårdnadshavare" in client.get("/").get_data(as_text=True)
    assert client.get("/profil").status_code == 302


def test_remember_me_is_off_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="remember"' in page
    assert "checked" not in page.split('name="remember"')[1].split(">")[0]


def test_next_parameter_cannot_redirect_to_another_site(client, factory):
    factory.user(email="maria@example.com")
    db.session.commit()
    response = client.post("/login?next=//evil.example/x",
                           data={"email": "maria@example.com", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("field,value", [("email", "a" * 300 + "@example.com"), ("password", "x" * 500)])
def test_overlong_fields_are_refused_with_a_message(client, field, value):
    data = {"email": "maria@example.com", "password": "pw"}
    data[field] = value
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert "error-summary" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_post_without_csrf_token_is_refused_in_swedish(app_config, factory):
    app_config["WTF_CSRF_ENABLED"] = True
    from support import create_app

    app = create_app(app_config)
    with app.app_context():
        response = app.test_client().post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert "säkerhetstoken" in response.get_data(as_text=True)
