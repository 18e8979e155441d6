"""Demo data of the network: the demo superusers' appointments (with the systems they cover) and training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from support.accounts.models import RoleAssignment, User
from support.extensions import db
from support.network import service
from support.network.models import Rollout, TrainingRecord
from support.orgs.models import Administration, School, SchoolFormLink

# The systems each demo superuser covers; anyone else with the role covers every system.
DEMO_SYSTEMS = {
    "karin.lindqvist@skolplattformen.example": ["login", "schedule", "attendance", "teams", "app"],
    "jonas.ek@skolplattformen.example": ["login", "schedule", "assessment", "teams"],
    "amina.yusuf@skolplattformen.example": ["login", "attendance", "documentation", "app"],
    "mats.strom@skolplattformen.example": ["login", "schedule", "assessment", "teams", "messages"],
}
# Days since each one's last basic course or refresher: Jonas is due for a refresher in the demo.
DEMO_TRAINED_DAYS_AGO = {"karin.lindqvist@skolplattformen.example": 40, "jonas.ek@skolplattformen.example": 420,
                         "amina.yusuf@skolplattformen.example": 150, "mats.strom@skolplattformen.example": 200}


def load_demo_network() -> dict[str, int]:
    """Record an appointment for every superuser role without one, and the demo superusers' training."""
    roles = db.session.scalars(select(RoleAssignment).where(RoleAssignment.role == "superuser",
                                                            RoleAssignment.active.is_(True)))
    appointed = 0
    for role in roles:
        if service.current_appointment(role.user, role.school) is None:
            appointed += 1
        service.ensure_appointment(role.school, role.user,
                                   systems=DEMO_SYSTEMS.get(role.user.email, list(service.SYSTEMS)))
        days = DEMO_TRAINED_DAYS_AGO.get(role.user.email)
        has_training = db.session.scalar(select(TrainingRecord.id).where(TrainingRecord.user_id == role.user.id))
        if days is not None and has_training is None:
            db.session.add(TrainingRecord(user_id=role.user.id, module="basic",
                                          completed_on=service.today() - timedelta(days=days)))
    db.session.flush()
    return {"appointments_recorded": appointed, "rollouts_recorded": load_demo_rollout(), **load_demo_content()}


# The city's rollout as the demo tells it, in days from the day the demo is loaded. Preschools went first, then
# compulsory schools (their assessment module is piloted within the risk window at the district schools of Bromma
# and Hässelby-Vällingby and at every eighth other compulsory school; the rest follow later), upper secondary is
# done, adult education starts next term. Old systems keep running beside the new ones for a while.
DEMO_PILOT_DISTRICTS = ("Bromma", "Hässelby-Vällingby")
DEMO_PILOT_EVERY = 8
DEMO_WAVES = {
    "preschool": ("Våg 1 – förskola", [("documentation", -150, "Gamla förskoleappen", 21),
                                       ("app", -150, "", None), ("messages", -120, "", None)]),
    "compulsory": ("Våg 2 – grundskola", [("schedule", -90, "Gamla schemat", -10),
                                          ("attendance", -90, "Gamla frånvarosystemet", 45)]),
    "upper-secondary": ("Våg 2 – gymnasium", [("schedule", -240, "", None), ("attendance", -240, "", None),
                                              ("assessment", -200, "Gamla betygssystemet", -60)]),
    "adult": ("Våg 4 – vuxenutbildning", [("schedule", 63, "Gamla elevregistret", 150),
                                          ("attendance", 63, "", None)]),
}
DEMO_ASSESSMENT_PILOT = ("Våg 3 – bedömning, pilot", 28)
DEMO_ASSESSMENT_LATER = ("Våg 3 – bedömning", 98)
# Jonas Ek has done the assessment deep dive, so Hässelbyskolan's pilot go-live is not a risk.
DEMO_DEEP_DIVES = {"jonas.ek@skolplattformen.example": ("assessment", 30)}


def load_demo_rollout() -> int:
    """Give every demo school without a rollout the one its school form's wave plans; bulk inserts, idempotent."""
    day = service.today()
    planned = set(db.session.scalars(select(Rollout.school_id).distinct()))
    rows = []
    schools = db.session.execute(
        select(School.id, Administration.name, SchoolFormLink.form)
        .join(Administration, Administration.id == School.administration_id)
        .join(SchoolFormLink, SchoolFormLink.school_id == School.id).order_by(School.id, SchoolFormLink.form))
    seen: set[tuple[int, str]] = set()
    for school_id, district, form in schools:
        if school_id in planned:
            continue
        wave_form = {"compulsory-adapted": "compulsory", "upper-secondary-adapted": "upper-secondary",
                     "vocational": "upper-secondary", "adult-adapted": "adult", "sfi": "adult"}.get(form, form)
        wave, systems = DEMO_WAVES[wave_form]
        if wave_form == "compulsory":
            pilot = district in DEMO_PILOT_DISTRICTS or school_id % DEMO_PILOT_EVERY == 0
            later_wave, later_days = DEMO_ASSESSMENT_PILOT if pilot else DEMO_ASSESSMENT_LATER
            systems = [*systems, ("assessment", later_days, "Gamla betygssystemet", later_days + 120, later_wave)]
        for system, days, legacy, legacy_days, *own_wave in systems:
            if (school_id, system) in seen:
                continue
            seen.add((school_id, system))
            rows.append({"school_id": school_id, "system": system, "live_on": day + timedelta(days=days),
                         "wave": own_wave[0] if own_wave else wave, "legacy_system": legacy,
                         "legacy_until": day + timedelta(days=legacy_days) if legacy_days is not None else None,
                         "updated_at": service.utcnow()})
    if rows:
        db.session.execute(insert(Rollout), rows)
    for email, (system, days_ago) in DEMO_DEEP_DIVES.items():
        person = db.session.scalar(select(User).where(User.email == email))
        if person is not None and db.session.scalar(select(TrainingRecord.id).where(
                TrainingRecord.user_id == person.id, TrainingRecord.module == "system-deep-dive")) is None:
            db.session.add(TrainingRecord(user_id=person.id, module="system-deep-dive", system=system,
                                          completed_on=day - timedelta(days=days_ago)))
    db.session.flush()
    return len(rows)


# --- announcements and the network space -------------------------------------------------------------------------
# What the desk has told the schools, as the demo tells it (hours from the moment the demo is loaded): an incident
# going on now at the compulsory schools, the assessment module's go-live for the pilot wave, and an incident over
# since Tuesday. Each is loaded once, found again by its title.
AGENT, OTHER_AGENT = "sofia.holm@skolplattformen.example", "mikael.oberg@skolplattformen.example"


@dataclass(frozen=True)
class DemoNotice:
    title: str
    kind: str
    severity: str
    starts_in_hours: float
    ends_in_hours: float | None
    body: str
    targets: dict
    resolution: str = ""


DEMO_NOTICES = (
    DemoNotice(
        "Frånvaroanmälan i appen tar lång tid", "incident", "major", -1.5, None,
        "Att anmäla eller registrera frånvaro i appen tar ibland flera minuter. Webben fungerar som vanligt.\n\n"
        "- **Vårdnadshavare:** anmäl frånvaro på webben tills felet är åtgärdat.\n"
        "- **Pedagoger:** registrera närvaro på webben.\n\n"
        "Vi uppdaterar här när vi vet mer. Du behöver inte skicka ett ärende om samma sak.",
        {"school_forms": ["compulsory"], "systems": ["attendance", "app"]}),
    DemoNotice(
        "Bedömningsmodulen går i drift på pilotskolorna", "change", "info", 28 * 24 + 7, 28 * 24 + 17,
        "Den nya bedömningsmodulen ersätter det gamla betygssystemet på skolorna i pilotvågen. Det gamla systemet "
        "går att läsa i fyra månader till.\n\nSuperanvändarna har fått en genomgång; fråga dem eller nätverket "
        "om något är oklart.",
        {"waves": [DEMO_ASSESSMENT_PILOT[0]], "audiences": ["pedagogue", "administrator", "superuser"],
         "systems": ["assessment"]}),
    DemoNotice(
        "Schemat visade fel salar", "incident", "minor", -3 * 24 - 5, None,
        "Schemat visade salarna från förra terminen för en del klasser.",
        {"systems": ["schedule"]}, resolution="Salarna är rättade och schemat visar rätt igen."),
)


@dataclass(frozen=True)
class DemoThread:
    title: str
    asker: str
    system: str
    days_ago: float
    body: str
    replies: tuple = ()  # (who, text, hours after the question)
    answer: int | None = None  # the reply marked as the answer, by its index


DEMO_THREADS = (
    DemoThread(
        "Frånvaro syns inte för vårdnadshavare efter rättning", "karin.lindqvist@skolplattformen.example",
        "attendance", 6,
        "En lärare rättade en frånvaro i efterhand (från ogiltig till giltig), men vårdnadshavaren ser fortfarande "
        "den gamla. Har någon sett samma sak?",
        (("jonas.ek@skolplattformen.example", "Samma hos oss förra veckan. Det gick över dagen efter.", 3),
         (OTHER_AGENT, "Ändringar i efterhand skickas till appen en gång per natt. Vill vårdnadshavaren se den "
                       "direkt kan hen logga ut och in på webben; där syns den med en gång.", 20)),
        answer=1),
    DemoThread(
        "Schemat visar gamla salar efter terminsstart", "mats.strom@skolplattformen.example", "schedule", 2,
        "Flera av våra klasser ser förra terminens salar i schemat. Schemaläggaren säger att allt är rätt i "
        "schemaprogrammet. Är det fler som har det så?",
        (("karin.lindqvist@skolplattformen.example", "Vi har samma på Ekbackaskolan, för två klasser.", 2),)),
    DemoThread(
        "Inför bedömningspiloten: vilka behörigheter behöver mentorerna?", "jonas.ek@skolplattformen.example",
        "assessment", 1,
        "Vi är med i pilotvågen för bedömningsmodulen om några veckor. Behöver mentorerna en egen behörighet för "
        "att se alla ämnens bedömningar, eller räcker mentorsrollen?"),
    DemoThread(
        "Teams-grupperna för de nya klasserna har inte skapats", "mats.strom@skolplattformen.example", "teams", 0.3,
        "Klasserna som började i januari har inga Teams-grupper än, fast de finns i schemat sedan i fredags. Hur "
        "lång tid brukar det ta, och kan en superanvändare skynda på det?"),
    DemoThread(
        "Hur delar jag dokumentation med bara en vårdnadshavare?", "amina.yusuf@skolplattformen.example",
        "documentation", 4,
        "Ett barn har två vårdnadshavare som inte ska se samma sak. Går det att dela en dokumentation med bara "
        "den ena?",
        ((AGENT, "Ja: välj mottagare under Dela och bocka ur den andra vårdnadshavaren. Finns det ett beslut om "
                 "skyddade uppgifter ska skolans administratör kontakta oss först.", 5),)),
)


def load_demo_content() -> dict[str, int]:
    """The demo announcements and network threads that do not exist yet (found by their titles)."""
    from support.network import announcements, space
    from support.network.announcement_models import Announcement
    from support.network.space_models import NetworkThread

    people = {person.email: person for person in db.session.scalars(select(User).where(User.email.in_(
        {AGENT, OTHER_AGENT} | {demo.asker for demo in DEMO_THREADS}
        | {who for demo in DEMO_THREADS for who, _text, _hours in demo.replies})))}
    now = service.utcnow()
    notices = 0
    known = set(db.session.scalars(select(Announcement.title)))
    for demo in DEMO_NOTICES:
        if demo.title in known or AGENT not in people:
            continue
        notice = announcements.publish(
            by=people[AGENT], kind=demo.kind, title=demo.title, severity=demo.severity, body=demo.body,
            starts_at=now + timedelta(hours=demo.starts_in_hours),
            ends_at=now + timedelta(hours=demo.ends_in_hours) if demo.ends_in_hours is not None else None,
            **demo.targets)
        if demo.resolution:
            announcements.end(notice, by=people[AGENT], note=demo.resolution)
            notice.resolved_at = notice.ends_at = notice.starts_at + timedelta(hours=4)
        notices += 1
    threads = 0
    known = set(db.session.scalars(select(NetworkThread.title)))
    for demo in DEMO_THREADS:
        if demo.title in known or not {demo.asker} | {who for who, _t, _h in demo.replies} <= people.keys():
            continue
        asked = now - timedelta(days=demo.days_ago)
        thread = space.ask(people[demo.asker], title=demo.title, body=demo.body, system=demo.system)
        thread.created_at = thread.last_post_at = asked
        posts = []
        for who, text, hours in demo.replies:
            post = space.reply(thread, people[who], text)
            post.created_at = thread.last_post_at = asked + timedelta(hours=hours)
            posts.append(post)
        if demo.answer is not None:
            space.mark_solved(thread, posts[demo.answer], by=people[demo.asker])
            thread.solved_at = posts[demo.answer].created_at + timedelta(hours=1)
        threads += 1
    db.session.flush()
    return {"announcements_created": notices, "threads_created": threads}
