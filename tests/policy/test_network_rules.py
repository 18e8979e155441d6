"""The superuser network's access table (support/policy/network.py): every role against every action, with
Ekbackaskolan (in Bromma) as the object; "here" means Ekbackaskolan or Bromma, "other" Hässelby."""

from __future__ import annotations

import pytest

from support.policy import can
from tests.conftest import module_data
from tests.network.conftest import ROLES, build_network_org

org = module_data(build_network_org, name="org")


# Who may, per action, with Ekbackaskolan as the object.
ALLOWED = {
    "network.my_school": set(ROLES) - {"anonymous"},
    "network.see_superusers": {"pedagogue", "administrator", "superuser_here", "coordinator_here", "agent",
                               "admin"},
    "network.appoint": {"coordinator_here", "admin"},
    "network.remove": {"coordinator_here", "admin"},
    "network.record_training": {"coordinator_here", "admin"},
    "network.see_records": {"coordinator_here", "agent", "admin"},
    "network.refresher_list": {"coordinator_here", "coordinator_other", "agent", "admin"},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("who", ROLES)
def test_network_actions_on_a_school_follow_the_access_table(org, action, who):
    assert can(getattr(org, who), action, org.ekbacka) == (who in ALLOWED[action])


@pytest.mark.parametrize("who", ROLES)
def test_only_agents_admins_and_its_coordinator_browse_an_administration(org, who):
    assert can(getattr(org, who), "network.browse", org.bromma) == (who in {"coordinator_here", "agent", "admin"})


@pytest.mark.parametrize("who", ROLES)
def test_a_superuser_sets_only_their_own_availability(org, who):
    actor = getattr(org, who)
    assert can(actor, "network.set_availability", actor) == (who in {"superuser_here", "superuser_other"})
    assert not can(actor, "network.set_availability", org.superuser_here_2)


def test_a_teacher_who_is_a_guardian_at_a_school_does_not_see_its_superusers(org):
    assert not can(org.teacher_and_guardian, "network.see_superusers", org.ekbacka)
    assert can(org.teacher_and_guardian, "network.see_superusers", org.hasselby)


def test_a_coordinator_whose_role_is_inactive_can_do_nothing(org):
    from support.extensions import db

    org.coordinator_here.roles[0].active = False
    db.session.flush()
    assert not can(org.coordinator_here, "network.appoint", org.ekbacka)
    assert not can(org.coordinator_here, "network.browse")
