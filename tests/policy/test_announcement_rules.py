"""Announcements' access table (support/policy/announcements.py): who may publish, and who may read a staff-only
announcement, over every role of the network's organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.database import utcnow
from support.network import announcements
from support.network.announcement_models import Announcement
from support.policy import can
from tests.conftest import module_data
from tests.network.conftest import ROLES, build_network_org

org = module_data(build_network_org, name="org")


PUBLISHERS = {"agent", "admin"}
INTERNAL_READERS = {"superuser_here", "superuser_other", "coordinator_here", "coordinator_other", "agent",
                    "kb_editor", "admin"}


def _announcement(internal: bool) -> Announcement:
    return Announcement(kind="incident", title="Inloggningen fungerar inte", severity="major",
                        starts_at=utcnow() - timedelta(hours=1), internal=internal, audiences=[], school_forms=[],
                        administration_ids=[], school_ids=[], systems=[])


@pytest.mark.parametrize("who", ROLES)
def test_only_agents_and_admins_publish_announcements(org, who):
    assert can(getattr(org, who), "announcement.publish") == (who in PUBLISHERS)


@pytest.mark.parametrize("who", ROLES)
def test_only_staff_read_a_staff_only_announcement(org, who):
    actor = getattr(org, who)
    assert can(actor, "announcement.view", _announcement(internal=True)) == (who in INTERNAL_READERS)
    assert can(actor, "announcement.view", _announcement(internal=False))


@pytest.mark.parametrize("who", ["guardian", "student", "pedagogue", "administrator", "anonymous"])
def test_guardians_pedagogues_and_visitors_never_get_a_staff_only_announcement_in_their_banner(org, who):
    staff_only = announcements.Notice.of(_announcement(internal=True))
    assert not announcements.concerns(staff_only, announcements.reader_for(getattr(org, who)))


@pytest.mark.parametrize("who", sorted(set(ROLES) - PUBLISHERS))
def test_the_service_refuses_to_publish_for_anyone_but_agents_and_admins(org, who):
    with pytest.raises(announcements.AnnouncementError):
        announcements.publish(by=getattr(org, who), kind="incident", title="X", severity="minor",
                              starts_at=utcnow())
