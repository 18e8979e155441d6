"""Demo tickets: about forty realistic tickets across the demo schools and people, in every channel, state and tier.

Everything goes through the ticket service, so routing, SLA, history and notifications are what a real run would
produce; afterwards each ticket's timeline is laid out in business time before the moment the demo runs (filed
some business days back, answered some business hours later), so the queues look lived-in and the SLA badges and
first-response figures are the same whichever day the demo is loaded. Idempotent: every demo ticket has the
idempotency key `demo:<key>` and is skipped when it exists.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from support.accounts.service import find_user_by_email
from support.database import utcnow
from support.extensions import db
from support.orgs.service import school_by_slug
from support.tickets import canned, service, sla
from support.tickets.attachments import IncomingFile
from support.tickets.commands import Filing
from support.tickets.models import CannedResponse, Ticket

STAFF = "skolplattformen.example"
STUDENT = "elev.skolplattformen.example"
MARIA, AHMED, JOHANNA = "maria.svensson@example.com", "ahmed.hassan@example.com", "johanna.falk@example.com"
ELSA, OMAR = f"elsa.johansson@{STUDENT}", f"omar.ali@{STUDENT}"
ERIK, KARIN, JONAS = f"erik.nilsson@{STAFF}", f"karin.lindqvist@{STAFF}", f"jonas.ek@{STAFF}"
LARS, AMINA, MATS = f"lars.persson@{STAFF}", f"amina.yusuf@{STAFF}", f"mats.strom@{STAFF}"
HELENA, LENA, PETER = f"helena.sjoberg@{STAFF}", f"lena.berg@{STAFF}", f"peter.lund@{STAFF}"
SOFIA, MIKAEL = f"sofia.holm@{STAFF}", f"mikael.oberg@{STAFF}"
DEMO_ADMIN = f"admin@{STAFF}"
BUSINESS_DAY = timedelta(hours=9)  # of the default calendar's 08–17
STEP_MINUTES = 12  # business minutes between two steps on one demo ticket


@dataclass
class DemoTicket:
    key: str
    requester: str  # e-mail; unknown addresses become contacts without an account
    school: str | None
    system: str
    subject: str
    body: str
    channel: str = "web"
    priority: str = "normal"
    business_days_ago: float = 1  # filed this many business days (of 9 business hours) before the demo runs
    wait_hours: float = 1  # business hours from filing to the first step, usually the desk's first answer
    created_by: str | None = None  # staff who logged a phone call
    group: str | None = None
    steps: list[tuple] = field(default_factory=list)  # (action, actor e-mail, *arguments)
    tags: tuple[str, ...] = ()


TICKETS = [
    DemoTicket("bankid-maria", MARIA, "ekbackaskolan", "login", "Kan inte logga in med BankID",
               "Hej! När jag försöker logga in med BankID i appen står det bara \"Något gick fel\". "
               "Det fungerade förra veckan. Jag har en iPhone 13.", business_days_ago=0.2, tags=("bankid", "app")),
    DemoTicket("franvaro-ahmed", AHMED, "solrosens-forskola", "attendance",
               "Vistelsetider för sommaren går inte att spara",
               "Jag försöker lägga in vistelsetider för juli men knappen Spara är grå.",
               business_days_ago=1.5, wait_hours=1.5,
               steps=[("reply", SOFIA, "Hej Ahmed! Vistelsetider för sommaren öppnar den 1 maj. Prova gärna igen "
                       "då, så hör vi av oss om det inte fungerar."), ("state", SOFIA, "pending")]),
    DemoTicket("schema-johanna", JOHANNA, "hasselbyskolan", "schedule", "Fel schema för min son i appen",
               "Appen visar schemat för klass 4B men min son går i 5B sedan augusti.",
               business_days_ago=2.7, wait_hours=2,
               steps=[("assign", MIKAEL), ("note", MIKAEL, "Klassbytet är inte inlagt i Skola24. Kollar med "
                                                         "skolans administratör."),
                      ("reply", MIKAEL, "Tack! Vi har bett skolan uppdatera klasstillhörigheten. Det brukar synas "
                                        "nästa dag."), ("state", MIKAEL, "resolved"),
                      ("rate", JOHANNA, 5, "Snabbt och tydligt, tack!")]),
    DemoTicket("elsa-losenord", ELSA, "ekbackaskolan", "login", "Glömt lösenordet",
               "jag har glömt mitt lösenord och kommer inte in på teams", business_days_ago=0.5, tags=("lösenord",)),
    DemoTicket("omar-teams", OMAR, "fjardens-gymnasium", "teams", "Kan inte öppna uppgifter i Teams",
               "När jag klickar på en uppgift i Teams blir sidan vit. Det gäller bara kursen Svenska 2.",
               business_days_ago=1.9, wait_hours=0.5,
               steps=[("reply", SOFIA, "Hej Omar! Prova att logga ut från Teams och rensa webbläsarens cache."),
                      ("reply", OMAR, "Det hjälpte inte tyvärr."),
                      ("escalate", SOFIA, "Felet gäller bara en kurs – troligen i kopplingen till Teams. Behöver "
                                          "systemförvaltningen.")]),
    DemoTicket("erik-bedomning", ERIK, "ekbackaskolan", "assessment", "Kan inte publicera bedömning i Unikum",
               "När jag publicerar en bedömning för 8A får jag felet \"Behörighet saknas\".",
               business_days_ago=0.8, wait_hours=1.5,
               steps=[("reply", KARIN, "Hej Erik! Jag ser samma fel för 8A. Jag kollar behörigheterna i Unikum "
                                       "och återkommer i dag.")]),
    DemoTicket("erik-schema", ERIK, "ekbackaskolan", "schedule", "Vikarie syns inte i schemat",
               "Vikarien som hade min klass i går syns inte i schemat och eleverna blev förvirrade.",
               business_days_ago=3.9, wait_hours=3,
               steps=[("assign", KARIN), ("reply", KARIN, "Hej Erik! Vikarier läggs in av schemaläggaren; jag har "
                                                          "meddelat henne."),
                      ("state", KARIN, "resolved")]),
    DemoTicket("peter-elevkonto", PETER, "ekbackaskolan", "login", "Ny elev saknar konto",
               "Eleven började i 6B i måndags men har fortfarande inget elevkonto.",
               business_days_ago=2.1, wait_hours=1, priority="high", group="administrator",
               steps=[("assign", KARIN), ("escalate", KARIN, "Kontot skapas inte automatiskt från "
                                                             "elevregistret – behöver Servicedesk."),
                      ("assign", SOFIA), ("reply", SOFIA, "Vi har startat om synkroniseringen. Kontot skapas "
                                                          "inom en timme.")]),
    DemoTicket("lena-franvaro", LENA, "hasselbyskolan", "attendance", "Frånvarorapport visar fel summa",
               "Rapporten över ogiltig frånvaro för åk 7 summerar inte rätt.",
               business_days_ago=5.6, wait_hours=2, group="administrator",
               steps=[("assign", JONAS), ("note", JONAS, "Kan återskapa felet, gäller lektioner som flyttats."),
                      ("escalate", JONAS, "Fel i rapporten, inte i inmatningen."),
                      ("escalate", MIKAEL, "Bekräftat fel i Skola24-rapporten, behöver leverantören.")]),
    DemoTicket("lars-guardian", LARS, "ekbackaskolan", "messages", "Får inga notiser om meddelanden",
               "Jag får inga notiser i appen när skolan skickar meddelanden om min dotter.", business_days_ago=0.7,
               group="guardian"),
    DemoTicket("lars-teacher", LARS, "hasselbyskolan", "documentation", "Kan inte se elevdokumentationen",
               "Jag är mentor för 3A men ser ingen dokumentation i PingPong.",
               business_days_ago=0.3, group="pedagogue"),
    DemoTicket("amina-app", AMINA, "solrosens-forskola", "app", "Förskoleappen kraschar vid incheckning",
               "Appen stängs när vi checkar in barn på morgonen, tre gånger i dag.", business_days_ago=0.1,
               priority="urgent", tags=("app", "incheckning")),
    DemoTicket("mats-betyg", MATS, "fjardens-gymnasium", "assessment", "Betygskatalogen går inte att signera",
               "Inför terminsslutet kan ingen lärare signera betygskatalogen för Samhällskunskap 1b.",
               business_days_ago=0.2, wait_hours=0.1, priority="high",
               steps=[("escalate", MATS, "Gäller alla lärare på skolan – inte ett behörighetsproblem.")]),
    DemoTicket("helena-komvux", HELENA, "komvux-soder", "login", "Tvåstegsverifiering fungerar inte",
               "Jag har bytt telefon och får inte längre koderna för inloggningen.", business_days_ago=0.4),
    DemoTicket("email-okand", "kalle.berg@example.org", None, "login", "Inloggning",
               "Hej, jag kommer inte in på Skolplattformen. Vad ska jag göra? /Kalle", channel="email",
               business_days_ago=1.2, wait_hours=4,
               steps=[("reply", MIKAEL, "Hej Kalle! Är du vårdnadshavare, elev eller anställd? Och vilken skola "
                                        "gäller det?"), ("state", MIKAEL, "pending")]),
    DemoTicket("email-sjuk", "anna.lind@example.org", None, "attendance", "Sjukanmälan fungerar inte",
               "Sjukanmälan i appen ger felkod 500 i morse. Min dotter går på Ekbackaskolan.", channel="email",
               business_days_ago=0.15, priority="high"),
    DemoTicket("phone-maria", MARIA, "ekbackaskolan", "messages", "Ringde om meddelande som inte kom fram",
               "Maria ringde: ett meddelande från mentorn om utvecklingssamtal kom aldrig fram. Kontrollerat "
               "att hon har rätt e-postadress. Lovade att återkomma.", channel="phone", created_by=SOFIA,
               business_days_ago=0.5, wait_hours=0, steps=[("assign", SOFIA)]),
    DemoTicket("phone-okand", "bertil.ek@example.org", None, "app", "Samtal: appen visar fel barn",
               "Bertil ringde: appen visar ett barn han inte har vårdnad om. Allvarligt – sekretess.",
               channel="phone", created_by=MIKAEL, priority="urgent", business_days_ago=0.05, wait_hours=0,
               steps=[("note", MIKAEL, "Eskalerar direkt, möjlig sekretessincident."),
                      ("escalate", MIKAEL, "Möjlig sekretessincident i vårdnadskopplingen.")]),
    DemoTicket("api-integration", PETER, "ekbackaskolan", "general", "Export av elevlistor via API",
               "Vi vill hämta elevlistor automatiskt till kökets system. Finns det ett API?", channel="api",
               priority="low", business_days_ago=8.7, wait_hours=14, group="administrator",
               steps=[("reply", KARIN, "Hej Peter! Det här behöver Servicedesk svara på."),
                      ("escalate", KARIN, "Fråga om integration – inte skolans område."),
                      ("reply", SOFIA, "Det finns inget öppet API för elevlistor i dag. Vi lägger in önskemålet."),
                      ("state", SOFIA, "resolved"), ("state", SOFIA, "closed")]),
    DemoTicket("johanna-personnummer", JOHANNA, "hasselbyskolan", "login", "Min son kan inte logga in",
               "Hej, min son Leo (personnummer 20140612-1234) kommer inte in på sitt elevkonto.",
               business_days_ago=0.7),
    DemoTicket("maria-bilaga", MARIA, "ekbackaskolan", "startpage", "Startsidan visar fel skola",
               "Se skärmbilden. Startsidan visar Hässelbyskolan fast mina barn går på Ekbackaskolan.",
               business_days_ago=2.5, wait_hours=6,
               steps=[("reply", MIKAEL, "Tack för bilden! Vi har rättat kopplingen."), ("resolve_own", MARIA)]),
    DemoTicket("ahmed-dup1", AHMED, "solrosens-forskola", "app", "Appen loggar ut mig hela tiden",
               "Varje gång jag öppnar appen måste jag logga in igen.", business_days_ago=1.1),
    DemoTicket("ahmed-dup2", AHMED, "solrosens-forskola", "app", "Utloggad igen",
               "Samma problem som i går, jag loggas ut hela tiden.", business_days_ago=0.4, wait_hours=2,
               steps=[("merge_into", SOFIA, "ahmed-dup1")]),
    DemoTicket("elsa-schema", ELSA, "ekbackaskolan", "schedule", "Schemat visar inga lektioner",
               "mitt schema är tomt för nästa vecka", business_days_ago=4.8, wait_hours=1,
               steps=[("reply", SOFIA, "Hej Elsa! Nästa veckas schema publiceras på fredag."),
                      ("state", SOFIA, "resolved")]),
    DemoTicket("omar-franvaro", OMAR, "fjardens-gymnasium", "attendance", "Felaktig frånvaro registrerad",
               "Jag är registrerad som frånvarande på matten i tisdags men jag var där.",
               business_days_ago=11.6, wait_hours=2.5,
               steps=[("reply", SOFIA, "Hej Omar! Frånvaro ändras av läraren. Prata med din mattelärare så "
                                       "rättar hen det."), ("state", SOFIA, "resolved"), ("state", SOFIA, "closed")]),
    DemoTicket("karin-own", KARIN, "ekbackaskolan", "teams", "Teams-möten går inte att boka från kalendern",
               "Som superanvändare har jag fått flera frågor om detta – kan inte boka Teams-möten i kalendern.",
               business_days_ago=0.8, wait_hours=0.1, group="pedagogue",
               steps=[("escalate", KARIN, "Flera lärare på skolan har samma problem.")]),
    DemoTicket("jonas-hasselby", JOHANNA, "hasselbyskolan", "documentation", "Kan inte läsa IUP-dokument",
               "När jag öppnar dokumentet om min sons utvecklingsplan står det \"Åtkomst nekad\".",
               business_days_ago=3.5, wait_hours=11,
               steps=[("reply", SOFIA, "Vi undersöker saken."), ("state", SOFIA, "pending")]),
    DemoTicket("teacher-komvux-2", HELENA, "komvux-soder", "teams", "Klassteam saknas för ny kurs",
               "Kursen SFI D startade i måndags men det finns inget klassteam i Teams.",
               business_days_ago=2.2, wait_hours=3,
               steps=[("assign", MIKAEL), ("set_priority", MIKAEL, "high")]),
    DemoTicket("erik-startsida", ERIK, "ekbackaskolan", "startpage", "Länk till Unikum saknas på startsidan",
               "Länken till Unikum försvann från personalens startsida i dag.", priority="low",
               business_days_ago=6.5, wait_hours=16,
               steps=[("assign", KARIN), ("reply", KARIN, "Hej Erik! Länken finns nu under Verktyg."),
                      ("state", KARIN, "resolved")]),
    DemoTicket("maria-rating", MARIA, "ekbackaskolan", "attendance", "Hur sjukanmäler jag mitt barn?",
               "Jag hittar inte var man sjukanmäler i appen.", business_days_ago=9.4, wait_hours=0.75,
               steps=[("reply", MIKAEL, "Hej Maria! Välj barnet, tryck på Frånvaro och sedan Anmäl frånvaro."),
                      ("state", MIKAEL, "resolved"), ("rate", MARIA, 4, "Bra, men svårt att hitta själv.")]),
    DemoTicket("amina-vistelse", AMINA, "solrosens-forskola", "attendance", "Vårdnadshavare ser inte schemat",
               "Flera vårdnadshavare säger att de inte ser barnens vistelseschema i appen.",
               business_days_ago=0.9, wait_hours=1,
               steps=[("assign", AMINA), ("note", AMINA, "Verkar gälla vårdnadshavare med skyddad identitet? "
                                                         "Kontrollerar.")]),
    DemoTicket("mats-teams", MATS, "fjardens-gymnasium", "teams", "Elever saknas i klassteam",
               "Tre nya elever i NA1b finns inte med i klassteamet.", business_days_ago=0.25),
    DemoTicket("lena-konto", LENA, "hasselbyskolan", "login", "Vikarie behöver tillfälligt konto",
               "En vikarie börjar i morgon och behöver ett konto till Skolplattformen.", business_days_ago=0.15,
               group="administrator", priority="high"),
    DemoTicket("guardian-email-2", "sara.nyberg@example.org", None, "messages", "Fel e-postadress",
               "Skolan skickar mejl till min gamla adress. Hur ändrar jag den?", channel="email",
               business_days_ago=4.3, wait_hours=5,
               steps=[("reply", SOFIA, "Hej Sara! Du ändrar din e-postadress under Mina uppgifter i appen."),
                      ("state", SOFIA, "resolved")]),
    DemoTicket("student-app", ELSA, "ekbackaskolan", "app", "Appen på svenska fast jag valt engelska",
               "jag har valt engelska men appen är fortfarande på svenska", priority="low", business_days_ago=1.5),
    DemoTicket("teacher-lars-2", LARS, "hasselbyskolan", "assessment", "Matriser försvunna i Unikum",
               "Alla mina bedömningsmatriser i Svenska åk 5 är borta sedan i går.",
               business_days_ago=0.9, wait_hours=1.5, priority="high", group="pedagogue",
               steps=[("assign", JONAS), ("reply", JONAS, "Hej Lars! Jag ser samma sak. Jag kollar med "
                                                          "Servicedesk."),
                      ("escalate", JONAS, "Matriser borta för flera lärare – misstänkt fel vid import.")]),
    DemoTicket("phone-johanna", JOHANNA, "hasselbyskolan", "login", "Samtal: låst BankID-inloggning",
               "Johanna ringde, hennes inloggning är spärrad efter flera försök. Förklarat att spärren släpper "
               "efter 15 minuter.", channel="phone", created_by=MIKAEL, business_days_ago=7.8, wait_hours=0,
               steps=[("state", MIKAEL, "resolved"), ("state", MIKAEL, "closed")]),
    DemoTicket("api-ahmed", AHMED, "solrosens-forskola", "general", "Fråga om inskolning",
               "Var hittar jag information om inskolningen i höst?", channel="api", priority="low",
               business_days_ago=0.6),
    DemoTicket("omar-app", OMAR, "fjardens-gymnasium", "app", "Appen visar inte betygen",
               "Jag ser inte mina betyg från förra terminen i appen.", business_days_ago=2.8, wait_hours=3.5,
               steps=[("reply", MIKAEL, "Hej Omar! Betygen från förra terminen visas under Studieresultat."),
                      ("reply", OMAR, "Hittade dem, tack!"), ("state", MIKAEL, "resolved")]),
]

CANNED = [
    ("Hälsning och tack", None,
     "Hej {{ requester.first_name }}!\n\nTack för att du hörde av dig om ärende #{{ ticket.number }}. "
     "Vi tittar på det och återkommer så snart vi kan.\n\nVänliga hälsningar\n{{ agent.first_name }}, "
     "Servicedesk Skolplattformen"),
    ("BankID – starta om appen", "login",
     "Hej {{ requester.first_name }}!\n\nProva att stänga BankID-appen helt, starta om telefonen och logga in "
     "igen. Fungerar det fortfarande inte, svara på det här meddelandet så hjälper vi dig vidare."),
    ("Frånvaro ändras av läraren", "attendance",
     "Hej {{ requester.first_name }}!\n\nFrånvaro som registrerats på en lektion ändras av läraren som hade "
     "lektionen. Kontakta läraren eller mentorn på {{ school.name }}, så rättar de det."),
    ("Väntar på svar", None,
     "Hej {{ requester.first_name }}!\n\nVi behöver lite mer information för att kunna hjälpa dig med ärende "
     "#{{ ticket.number }}: vilken enhet och webbläsare använder du, och vad står det i felmeddelandet?"),
]


def _user(email: str):
    return find_user_by_email(email)


def _run_step(ticket: Ticket, step: tuple, by_key: dict[str, Ticket]) -> None:
    action, actor_email, *args = step
    actor = _user(actor_email)
    if action == "reply":
        service.reply(ticket, author=actor, body=args[0])
    elif action == "note":
        service.reply(ticket, author=actor, body=args[0], internal=True)
    elif action == "state":
        service.change_state(ticket, args[0], by=actor)
    elif action == "assign":
        service.assign(ticket, actor, by=actor)
    elif action == "escalate":
        service.escalate(ticket, by=actor, reason=args[0])
    elif action == "rate":
        service.rate(ticket, by=actor, score=args[0], comment=args[1])
    elif action == "resolve_own":
        service.requester_resolve(ticket, by=actor)
    elif action == "set_priority":
        service.set_priority(ticket, args[0], by=actor)
    elif action == "merge_into":
        service.merge(ticket, into=by_key[args[0]], by=actor)
    else:
        raise ValueError(f"unknown demo step {action}")


def _triage(ticket: Ticket, demo: DemoTicket) -> None:
    """Priority and tags are the desk's choices: the demo administrator sets them on what requesters filed."""
    change_priority = demo.priority not in ("normal", ticket.priority)
    if not change_priority and not demo.tags:
        return
    admin = _user(DEMO_ADMIN)
    if change_priority:
        service.set_priority(ticket, demo.priority, by=admin)
    if demo.tags:
        service.set_tags(ticket, demo.tags, by=admin)


def _retime(ticket: Ticket, demo: DemoTicket, marks: list[datetime], now: datetime,
            merged_into: list[Ticket]) -> None:
    """Lay a freshly made ticket's timeline out in business time before `now`: filed `business_days_ago` business
    days back, the first step `wait_hours` business hours later and each further step STEP_MINUTES after the one
    before, so queues, SLA badges and first-response figures look the same whatever day the demo is loaded.
    `marks` are the moments the filing and then each step began in the real run: they tell one step's rows from the
    next's."""
    calendar = sla.business_calendar()
    age = int(demo.business_days_ago * BUSINESS_DAY.total_seconds())
    created = sla.subtract_business_seconds(now, age, calendar)

    def moved(moment: datetime) -> datetime:
        phase = max(bisect_right(marks, moment) - 1, 0)
        if phase == 0:  # filing and triage
            return created + (moment - marks[0])
        offset = min(int(demo.wait_hours * 3600) + (phase - 1) * STEP_MINUTES * 60, age)
        return sla.add_business_seconds(created, offset, calendar) + (moment - marks[phase])

    for column in ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "pending_since",
                   "rated_at"):
        if getattr(ticket, column) is not None:
            setattr(ticket, column, moved(getattr(ticket, column)))
    for row in (*ticket.messages, *ticket.events):
        row.created_at = moved(row.created_at)
    for other in merged_into:  # the merge moved this ticket's messages there and wrote there
        for row in (*other.messages, *other.events):
            if row.created_at >= marks[0]:
                row.created_at = moved(row.created_at)
        if other.updated_at >= marks[0]:
            other.updated_at = moved(other.updated_at)
    sla.apply_due_times(ticket, calendar)
    # What the worker's breach job would have flagged along the way (a pending ticket's clock is stopped).
    reference = ticket.pending_since or now
    finished = (ticket.resolved_at or ticket.closed_at) if ticket.state in ("resolved", "closed") else reference
    ticket.first_response_breached = (ticket.first_response_at or finished) > ticket.first_response_due
    ticket.resolution_breached = finished > ticket.resolution_due


def load_demo_canned_responses() -> int:
    created = 0
    for title, system, body in CANNED:
        if db.session.scalar(select(CannedResponse.id).where(CannedResponse.title == title)) is None:
            canned.create(title=title, body=body, system=system)
            created += 1
    return created


def load_demo_tickets(now: datetime | None = None) -> dict[str, int]:
    """Create the demo tickets that do not exist yet, laid out in the business days before `now` (default: the
    present); returns how many were created."""
    now = now or utcnow()
    created = 0
    by_key: dict[str, Ticket] = {}
    for demo in TICKETS:
        key = f"demo:{demo.key}"
        existing = db.session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
        if existing is not None:
            by_key[demo.key] = existing
            continue
        requester = _user(demo.requester)
        attachments = []
        if demo.key == "maria-bilaga":
            attachments = [IncomingFile("skarmbild-startsidan.txt", "Startsidan: Hässelbyskolan (fel skola)\n"
                                        .encode())]
        filed_by = _user(demo.created_by) if demo.created_by else None
        marks = [utcnow()]
        ticket = service.file_ticket(Filing(
            channel=demo.channel, filed_by=filed_by, requester=requester,
            contact_email=None if requester else demo.requester,
            contact_name=demo.requester.split("@")[0].replace(".", " ").title(),
            school=school_by_slug(demo.school) if demo.school else None, system=demo.system,
            priority=demo.priority if filed_by else None, idempotency_key=key, user_group=demo.group,
            tags=demo.tags if filed_by else (), attachments=attachments, subject=demo.subject, body=demo.body,
        ))
        if filed_by is None:
            _triage(ticket, demo)
        db.session.flush()  # rows get their default timestamps before the next mark
        for step in demo.steps:
            marks.append(utcnow())
            _run_step(ticket, step, by_key)
            db.session.flush()
        merged_into = [by_key[step[2]] for step in demo.steps if step[0] == "merge_into"]
        _retime(ticket, demo, marks, now, merged_into)
        by_key[demo.key] = ticket
        created += 1
    canned_created = load_demo_canned_responses()
    db.session.flush()
    return {"tickets_created": created, "canned_responses_created": canned_created}
