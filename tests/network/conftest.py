"""A small organisation for the network's tests: two administrations, a school in each with a superuser, and
one person of every role (the actors of the access table)."""

from __future__ import annotations

from types import SimpleNamespace

from support.extensions import db
from tests.conftest import module_data


def build_network_org(factory):
    """The `org` fixture's data set, for test packages outside tests/network."""
    bromma = factory.administration("Bromma")
    hasselby_admin = factory.administration("Hässelby-Vällingby")
    ekbacka = factory.school("Ekbackaskolan", slug="ekbackaskolan", administration=bromma)
    hasselby = factory.school("Hässelbyskolan", slug="hasselbyskolan", administration=hasselby_admin)
    people = SimpleNamespace(
        bromma=bromma, hasselby_admin=hasselby_admin, ekbacka=ekbacka, hasselby=hasselby,
        anonymous=None,
        guardian=factory.user("maria@example.com", "Maria Svensson", groups=["guardian:ekbackaskolan"]),
        student=factory.user("elsa@example.com", "Elsa Johansson", groups=["student:ekbackaskolan"]),
        pedagogue=factory.user("erik@example.com", "Erik Nilsson", groups=["pedagogue:ekbackaskolan"]),
        administrator=factory.user("peter@example.com", "Peter Lund", groups=["administrator:ekbackaskolan"]),
        superuser_here=factory.user("karin@example.com", "Karin Lindqvist", groups=["pedagogue:ekbackaskolan"],
                                    roles=["superuser:ekbackaskolan"]),
        superuser_here_2=factory.user("olle@example.com", "Olle Ström", groups=["pedagogue:ekbackaskolan"],
                                      roles=["superuser:ekbackaskolan"]),
        superuser_other=factory.user("jonas@example.com", "Jonas Ek", groups=["pedagogue:hasselbyskolan"],
                                     roles=["superuser:hasselbyskolan"]),
        coordinator_here=factory.user("annika@example.com", "Annika Sandberg", roles=["coordinator:bromma"]),
        coordinator_other=factory.user("bo@example.com", "Bo Lind", roles=["coordinator:hasselby-vallingby"]),
        agent=factory.user("sofia@example.com", "Sofia Holm", roles=["agent"]),
        kb_editor=factory.user("petra@example.com", "Petra Wik", roles=["kb_editor"]),
        admin=factory.user("admin@example.com", "Johan Adler", roles=["admin"]),
        # A teacher elsewhere who is a guardian at Ekbackaskolan: a guardian there, not staff.
        teacher_and_guardian=factory.user("lars@example.com", "Lars Persson",
                                          groups=["pedagogue:hasselbyskolan", "guardian:ekbackaskolan"]),
    )
    db.session.commit()
    return people


org = module_data(build_network_org, name="org")


ROLES = ["anonymous", "guardian", "student", "pedagogue", "administrator", "superuser_here", "superuser_other",
         "coordinator_here", "coordinator_other", "agent", "kb_editor", "admin"]
