"""`support demo`: the demo organisation, people of every group and role, and the demo content."""

from __future__ import annotations

from dataclasses import dataclass

from support.accounts import service as accounts
from support.extensions import db
from support.orgs.demo import load_demo_organisation

STAFF_DOMAIN = "skolplattformen.example"
STUDENT_DOMAIN = "elev.skolplattformen.example"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    description: str = ""


DEMO_USERS = (
    DemoUser(f"erik.nilsson@{STAFF_DOMAIN}", "Erik Nilsson", ("pedagogue:ekbackaskolan",),
             description="lärare på Ekbackaskolan"),
    DemoUser(f"karin.lindqvist@{STAFF_DOMAIN}", "Karin Lindqvist", ("pedagogue:ekbackaskolan",),
             ("superuser:ekbackaskolan",), "lärare och superanvändare på Ekbackaskolan"),
    DemoUser(f"jonas.ek@{STAFF_DOMAIN}", "Jonas Ek", ("pedagogue:hasselbyskolan",), ("superuser:hasselbyskolan",),
             "superanvändare på Hässelbyskolan"),
    DemoUser(f"lars.persson@{STAFF_DOMAIN}", "Lars Persson",
             ("pedagogue:hasselbyskolan", "guardian:ekbackaskolan"),
             description="lärare på Hässelbyskolan och vårdnadshavare på Ekbackaskolan"),
    DemoUser(f"amina.yusuf@{STAFF_DOMAIN}", "Amina Yusuf", ("pedagogue:solrosens-forskola",),
             ("superuser:solrosens-forskola",), "förskollärare och superanvändare på Solrosens förskola"),
    DemoUser(f"mats.strom@{STAFF_DOMAIN}", "Mats Ström", ("pedagogue:fjardens-gymnasium",),
             ("superuser:fjardens-gymnasium",), "lärare och superanvändare på Fjärdens gymnasium"),
    DemoUser(f"helena.sjoberg@{STAFF_DOMAIN}", "Helena Sjöberg", ("pedagogue:komvux-soder",),
             description="lärare på Komvux Söder (ingen superanvändare där)"),
    DemoUser(f"lena.berg@{STAFF_DOMAIN}", "Lena Berg", ("administrator:hasselbyskolan",),
             description="skoladministratör på Hässelbyskolan"),
    DemoUser(f"peter.lund@{STAFF_DOMAIN}", "Peter Lund", ("administrator:ekbackaskolan",),
             description="skoladministratör på Ekbackaskolan"),
    DemoUser("maria.svensson@example.com", "Maria Svensson", ("guardian:ekbackaskolan",),
             description="vårdnadshavare, barn på Ekbackaskolan"),
    DemoUser("ahmed.hassan@example.com", "Ahmed Hassan", ("guardian:solrosens-forskola",),
             description="vårdnadshavare, barn på Solrosens förskola"),
    DemoUser("johanna.falk@example.com", "Johanna Falk", ("guardian:hasselbyskolan",),
             description="vårdnadshavare, barn på Hässelbyskolan"),
    DemoUser(f"elsa.johansson@{STUDENT_DOMAIN}", "Elsa Johansson", ("student:ekbackaskolan",),
             description="elev i åk 8 på Ekbackaskolan"),
    DemoUser(f"omar.ali@{STUDENT_DOMAIN}", "Omar Ali", ("student:fjardens-gymnasium",),
             description="elev på Fjärdens gymnasium"),
    DemoUser(f"annika.sandberg@{STAFF_DOMAIN}", "Annika Sandberg", roles=("coordinator:bromma",),
             description="samordnare för superanvändarna i Bromma (Ekbackaskolans förvaltning)"),
    DemoUser(f"sofia.holm@{STAFF_DOMAIN}", "Sofia Holm", roles=("agent",),
             description="Servicedesk Skolplattformen (agent)"),
    DemoUser(f"mikael.oberg@{STAFF_DOMAIN}", "Mikael Öberg", roles=("agent",),
             description="Servicedesk Skolplattformen (agent)"),
    DemoUser(f"petra.wik@{STAFF_DOMAIN}", "Petra Wik", roles=("kb_editor",),
             description="redaktör för kunskapsbanken"),
    DemoUser(f"admin@{STAFF_DOMAIN}", "Johan Adler", roles=("admin",),
             description="administratör av supporttjänsten"),
)


def load_demo_users(password: str) -> int:
    """Create the demo people (or give existing ones back their groups, roles and the demo password)."""
    created = 0
    for demo in DEMO_USERS:
        user = accounts.find_user_by_email(demo.email)
        if user is None:
            user = accounts.create_user(demo.email, demo.name)
            created += 1
        # The documented demo password is short on purpose; demo data is refused in production.
        accounts.set_password(user, password, minimum_length=1)
        for spec in demo.groups:
            accounts.add_group(user, *accounts.parse_membership(spec))
        for spec in demo.roles:
            accounts.add_role(user, *accounts.parse_membership(spec))
    db.session.flush()
    return created


def load_demo(password: str) -> dict[str, int]:
    """Everything `support demo` loads; each step is idempotent."""
    from kb.demo import load_demo_articles
    from support.network.demo import load_demo_network
    from support.tickets.demo import load_demo_tickets

    summary = load_demo_organisation()
    summary["users_created"] = load_demo_users(password)
    db.session.commit()
    summary.update(load_demo_articles())
    db.session.commit()
    summary.update(load_demo_tickets())
    db.session.commit()
    summary.update(load_demo_network())
    db.session.commit()
    return summary
