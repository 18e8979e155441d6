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


def _limited_app(app_config, **settings):
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", **settings)
    return create_app(app_config)


def _sign_in_attempts(app, environ, count):
    with app.app_context():
        client = app.test_client()
        return [client.post("/login", data={"email": "a@example.com", "password": "x"},
                            environ_base=environ).status_code for _ in range(count)]


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(app_config):
    app = _limited_app(app_config, TRUSTED_PROXIES=1)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = _sign_in_attempts(app, {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, 4)
    second = _sign_in_attempts(app, {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}, 1)
    assert first[-1] == 429 and second == [401]


def test_without_trusted_proxies_a_forged_forwarded_for_header_changes_nothing(app_config):
    app = _limited_app(app_config)
    statuses = [_sign_in_attempts(app, {"REMOTE_ADDR": "198.51.100.9",
                                        "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}, 1)[0] for n in range(4)]
    assert statuses[-1] == 429


def test_signed_in_people_sharing_one_address_each_have_their_own_budget(app_config, factory):
    from tests.conftest import _forget_previous_request, login

    app = create_app(dict(app_config, RATELIMIT_ENABLED=True))
    app.before_request(_forget_previous_request)
    school = {"REMOTE_ADDR": "198.51.100.50"}
    with app.app_context():
        first, second = factory.user(), factory.user()
        db.session.commit()
        budgets = []
        for person in (first, second):
            client = app.test_client()
            client.environ_base.update(school)
            login(client, person.email)
            budgets.append([client.get("/arenden/nytt/forslag?q=").status_code for _ in range(121)])
    assert budgets[0][-1] == 429 and budgets[1][-2] == 200


def test_production_refuses_limits_kept_in_one_process(app_config):
    from support.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="SUPPORT_RATELIMIT_STORAGE_URI"):
        create_app(dict(app_config, ENV_NAME="production", RATELIMIT_STORAGE_URI="memory://",
                        RATELIMIT_ENABLED=True))


def test_serve_runs_one_web_process_unless_limits_are_shared(app):
    from support.launcher import process_specs

    def workers(uri):
        command = process_specs(dict(app.config, RATELIMIT_STORAGE_URI=uri), set())[0][1]
        return command[command.index("--workers") + 1]

    assert workers("memory://") == "1"
    assert workers("redis://127.0.0.1:6379") == "2"


def _redis_available() -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_available(), reason="needs Redis at 127.0.0.1:6379 (the CI machine runs one)")
def test_two_processes_with_a_shared_store_share_one_budget(app_config):
    import uuid

    shared = dict(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    first, second = _limited_app(dict(app_config), **shared), _limited_app(dict(app_config), **shared)
    client = {"REMOTE_ADDR": "198.51.100.77"}
    statuses = _sign_in_attempts(first, client, 2) + _sign_in_attempts(second, client, 2)
    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize("setting,request_of", [
    ("TICKET_CREATE_RATE_LIMIT", lambda client: client.post("/arenden/nytt", data={"subject": "Hej", "body": "x"})),
    ("TICKET_CREATE_RATE_LIMIT", lambda client: client.post("/api/v1/tickets", json={"subject": "Hej", "body": "x"})),
    ("DEFLECTION_RATE_LIMIT", lambda client: client.get("/arenden/nytt/forslag/absence?nyckel=k")),
])
def test_writing_rows_on_behalf_of_one_account_is_limited(app_config, factory, setting, request_of):
    from tests.conftest import _forget_previous_request, login

    app = create_app(dict(app_config, RATELIMIT_ENABLED=True, **{setting: "2 per hour"}))
    app.before_request(_forget_previous_request)
    with app.app_context():
        person = factory.user(groups=("guardian",))
        db.session.commit()
        client = app.test_client()
        login(client, person.email)
        statuses = [request_of(client).status_code for _ in range(3)]
        assert statuses[-1] == 429 and 429 not in statuses[:2]
