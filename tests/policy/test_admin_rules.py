"""Who may use the admin area and whose profile: one row per actor, every admin and profile action."""

import pytest

from support.extensions import db
from support.policy import UnknownAction, can

ADMIN_ACTIONS = ["admin.access", "admin.users", "admin.outbox", "admin.organisation"]

# actor → may use the admin area?
ACTORS = [
    ("anonymous", False),
    ("guardian", False),
    ("student", False),
    ("pedagogue", False),
    ("administrator", False),
    ("superuser", False),
    ("agent", False),
    ("kb_editor", False),
    ("admin", True),
    ("inactive admin", False),
    ("admin role switched off", False),
]


def _actor(factory, who):
    from flask_login import AnonymousUserMixin

    if who == "anonymous":
        return AnonymousUserMixin()
    if who in ("guardian", "student", "pedagogue", "administrator"):
        return factory.user(groups=[f"{who}:ekbackaskolan"])
    if who == "superuser":
        return factory.user(roles=["superuser:ekbackaskolan"])
    if who in ("agent", "kb_editor", "admin"):
        return factory.user(roles=[who])
    if who == "inactive admin":
        user = factory.user(roles=["admin"])
        user.active = False
        return user
    if who == "admin role switched off":
        user = factory.user(roles=["admin"])
        user.roles[0].active = False
        return user
    raise AssertionError(who)


@pytest.fixture
def school(factory):
    return factory.school("Ekbackaskolan", slug="ekbackaskolan")


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
@pytest.mark.parametrize("who,allowed", ACTORS, ids=[a[0] for a in ACTORS])
def test_admin_actions(factory, school, who, allowed, action):
    assert can(_actor(factory, who), action) is allowed


@pytest.mark.parametrize("action", ["profile.view", "profile.edit"])
@pytest.mark.parametrize("who,own,others", [
    ("anonymous", False, False),
    ("guardian", True, False),
    ("student", True, False),
    ("pedagogue", True, False),
    ("administrator", True, False),
    ("superuser", True, False),
    ("agent", True, False),
    ("kb_editor", True, False),
    ("admin", True, True),
    ("inactive admin", False, False),
])
def test_profile_actions(factory, school, who, own, others, action):
    actor = _actor(factory, who)
    other = factory.user(email="someone.else@example.com")
    db.session.flush()
    if who != "anonymous":
        assert can(actor, action, actor) is own
    assert can(actor, action, other) is others


def test_none_is_treated_as_anonymous():
    assert can(None, "admin.access") is False
    assert can(None, "profile.view") is False


@pytest.mark.parametrize("action", ["admin.fly", "nothing.at_all", "admin"])
def test_unknown_actions_are_an_error_not_a_silent_no(action):
    with pytest.raises(UnknownAction):
        can(None, action)
