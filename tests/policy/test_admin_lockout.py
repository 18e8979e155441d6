"""An administrator cannot lock themselves out: not by removing their own admin role, not by switching their own
account off (support/policy/admin.py; the admin pages ask these rules)."""

from __future__ import annotations

import pytest

from support.policy import can
from tests.policy.people import person


def _role(someone, key):
    return next(r for r in someone.roles if r.role == key)


@pytest.mark.parametrize(("actor", "target", "membership", "allowed"), [
    ("admin", "self", "role:admin", False),
    ("admin", "self", "role:agent", True),
    ("admin", "self", "group:pedagogue", True),
    ("admin", "other admin", "role:admin", True),
    ("admin", "other admin", "role:agent", True),
    ("agent", "other admin", "role:admin", False),
    ("agent", "self", "role:agent", False),
    ("inactive admin", "other admin", "role:agent", False),
    ("anonymous", "other admin", "role:admin", False),
])
def test_an_admin_removes_any_membership_but_their_own_admin_role(actor, target, membership, allowed):
    actors = {"admin": person(roles=["admin", "agent"], groups=["pedagogue:1"]),
              "agent": person(roles=["agent"]),
              "inactive admin": person(roles=["admin"], active=False),
              "anonymous": None}
    other = person(roles=["admin", "agent"])
    someone = actors[actor]
    holder = someone if target == "self" else other
    kind, _, key = membership.partition(":")
    held = _role(holder, key) if kind == "role" else next(g for g in holder.groups if g.group == key)
    assert can(someone, "admin.remove_membership", held) is allowed


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    ("admin", "self", False),
    ("admin", "other", True),
    ("agent", "other", False),
    ("anonymous", "other", False),
])
def test_an_admin_switches_off_any_account_but_their_own(actor, target, allowed):
    actors = {"admin": person(roles=["admin"]), "agent": person(roles=["agent"]), "anonymous": None}
    someone = actors[actor]
    other = person(groups=["guardian:1"])
    assert can(someone, "admin.deactivate", someone if target == "self" else other) is allowed
