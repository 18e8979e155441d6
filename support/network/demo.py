"""Demo data of the network: the demo superusers' appointments (with the systems they cover) and training."""

from __future__ import annotations

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
    return {"appointments_recorded": appointed, "rollouts_recorded": load_demo_rollout()}


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
