import pytest

from support import create_app
from support.extensions import db


@pytest.fixture
def throttled_app(app_config):
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()


def test_too_many_sign_in_attempts_from_one_address_are_refused_in_swedish(throttled_app):
    client = throttled_app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code == 401
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 429
    assert "För många försök. Vänta en stund och försök igen." in response.get_data(as_text=True)


def test_reading_the_login_page_is_not_throttled(throttled_app):
    client = throttled_app.test_client()
    for _ in range(6):
        assert client.get("/login").status_code == 200
