"""Fixtures for the ticket tests: a small organisation with people in every role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from support.extensions import db
from tests.conftest import module_data


def build_org(factory):
    """Two schools with superusers, one without; requesters of every group; two agents; an admin (the `org`
    fixture, built once per test module; also for test packages outside tests/tickets)."""
    ekbacka = factory.school("Ekbackaskolan", slug="ekbackaskolan")
    hasselby = factory.school("Hässelbyskolan", slug="hasselbyskolan")
    komvux = factory.school("Komvux Söder", forms=("adult",), slug="komvux-soder")
    people = SimpleNamespace(
        ekbacka=ekbacka, hasselby=hasselby, komvux=komvux,
        guardian_a=factory.user("maria@example.com", "Maria Svensson", groups=["guardian:ekbackaskolan"]),
        guardian_b=factory.user("johanna@example.com", "Johanna Falk", groups=["guardian:hasselbyskolan"]),
        student=factory.user("elsa@example.com", "Elsa Johansson", groups=["student:ekbackaskolan"]),
        teacher=factory.user("erik@example.com", "Erik Nilsson", groups=["pedagogue:ekbackaskolan"]),
        teacher_hasselby=factory.user("lars@example.com", "Lars Persson", groups=["pedagogue:hasselbyskolan"]),
        teacher_komvux=factory.user("helena@example.com", "Helena Sjöberg", groups=["pedagogue:komvux-soder"]),
        superuser=factory.user("karin@example.com", "Karin Lindqvist", groups=["pedagogue:ekbackaskolan"],
                               roles=["superuser:ekbackaskolan"]),
        superuser_hasselby=factory.user("jonas@example.com", "Jonas Ek", groups=["pedagogue:hasselbyskolan"],
                                        roles=["superuser:hasselbyskolan"]),
        agent=factory.user("sofia@example.com", "Sofia Holm", roles=["agent"]),
        agent2=factory.user("mikael@example.com", "Mikael Öberg", roles=["agent"]),
        admin=factory.user("admin@example.com", "Johan Adler", roles=["admin"]),
        editor=factory.user("petra@example.com", "Petra Wik", roles=["kb_editor"]),
    )
    db.session.commit()
    return people


org = module_data(build_org, name="org")


@pytest.fixture
def new_ticket(org):
    """`new_ticket(requester, **fields)` creates and commits a ticket through the service."""
    return ticket_maker(org)


def ticket_maker(org):
    from support.policy.tickets import is_ticket_staff
    from support.tickets import service
    from support.tickets.commands import Filing

    def make(requester=None, **fields):
        """A ticket as `requester` (or `filed_by`) files it; a priority or tags a requester may not choose are set
        afterwards by the administrator, as the desk would triage it."""
        requester = requester or org.guardian_a
        values = {"subject": "Kan inte logga in", "body": "Jag får ett felmeddelande när jag loggar in.",
                  "channel": "web", "requester": requester, "system": "login"}
        values.update(fields)
        if "school" not in values and requester.school_ids:
            values["school"] = db.session.get(type(org.ekbacka), sorted(requester.school_ids)[0])
        triage = {}
        if not is_ticket_staff(values.get("filed_by") or requester):
            triage = {name: values.pop(name) for name in ("priority", "tags") if name in values}
        ticket = service.file_ticket(Filing(**values))
        if triage.get("priority"):
            service.set_priority(ticket, triage["priority"], by=org.admin)
        if triage.get("tags"):
            service.set_tags(ticket, triage["tags"], by=org.admin)
        db.session.commit()
        return ticket

    return make
