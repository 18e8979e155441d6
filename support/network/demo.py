"""Demo data of the network: the demo superusers' appointments (with the systems they cover) and training."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from support.accounts.models import RoleAssignment
from support.extensions import db
from support.network import service
from support.network.models import TrainingRecord

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
    return {"appointments_recorded": appointed}
