"""Rollout per school: which systems are live (or going live) at a school and from when, the rollout wave, and
the old system still running beside each until a date. Admins and the school's coordinator change it.

Service functions never commit; the caller does, so a change and its NetworkEvent are one transaction.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.network.models import NetworkEvent, Rollout
from support.network.service import NetworkError
from support.orgs.models import School
from support.tickets.models import SYSTEMS

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
WAVE_MAX = 40  # Rollout.wave


class RolloutError(NetworkError):
    """Input the person can fix; the message is shown to them."""


def risk_weeks() -> int:
    """SUPPORT_ROLLOUT_RISK_WEEKS: how far ahead an untrained go-live counts as a risk (default 6)."""
    try:
        return max(0, int(current_app.config.get("ROLLOUT_RISK_WEEKS", 6)))
    except (TypeError, ValueError):
        return 6


def rollouts_of(school: School) -> list[Rollout]:
    """The school's systems, earliest go-live first."""
    return list(db.session.scalars(select(Rollout).where(Rollout.school_id == school.id)
                                   .order_by(Rollout.live_on, Rollout.system)))


def wave_names(also=()) -> list[str]:
    """The rollout waves by name: every wave named on a school's rollout, plus `also` (the waves an announcement
    already targets, should a wave since have been renamed)."""
    named = set(db.session.scalars(select(Rollout.wave).where(Rollout.wave != "").distinct()))
    return sorted(named | set(also or ()))


def _check_day(day: date | None, what: str) -> None:
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise RolloutError(f"{what} måste ligga mellan år 2000 och 2100.")


def set_rollout(school: School, *, system: str, live_on: date, wave: str = "", legacy_system: str = "",
                legacy_until: date | None = None, by: User) -> Rollout:
    """Record when `system` goes (or went) live at `school`; a second call for the same system changes it."""
    if system not in SYSTEMS:
        raise RolloutError("Välj ett system.")
    if live_on is None:
        raise RolloutError("Ange datumet då systemet går i drift.")
    _check_day(live_on, "Driftstarten")
    _check_day(legacy_until, "Slutdatumet för det gamla systemet")
    wave, legacy_system = (wave or "").strip()[:WAVE_MAX], (legacy_system or "").strip()[:80]
    if legacy_until is not None and not legacy_system:
        raise RolloutError("Ange vilket gammalt system som körs parallellt, eller ta bort slutdatumet.")
    if legacy_until is not None and legacy_until < live_on:
        raise RolloutError("Det gamla systemet kan inte stängas före driftstarten av det nya.")
    rollout = db.session.scalar(select(Rollout).where(Rollout.school_id == school.id, Rollout.system == system))
    if rollout is None:
        rollout = Rollout(school_id=school.id, system=system, live_on=live_on)
        db.session.add(rollout)
    rollout.live_on, rollout.wave = live_on, wave
    rollout.legacy_system, rollout.legacy_until = legacy_system, legacy_until
    rollout.updated_at = utcnow()
    detail = f"{system} {live_on.isoformat()}" + (f" ({wave})" if wave else "")
    if legacy_system:
        detail += f", parallellt {legacy_system}" + (f" till {legacy_until.isoformat()}" if legacy_until else "")
    _event(by, school, detail)
    db.session.flush()
    return rollout


def remove_rollout(rollout: Rollout, *, by: User) -> None:
    """Forget a planned or recorded go-live (entered by mistake, or the plan was dropped)."""
    _event(by, rollout.school, f"{rollout.system} borttagen")
    db.session.delete(rollout)
    db.session.flush()


def _event(by: User, school: School, detail: str) -> None:
    db.session.add(NetworkEvent(kind="rollout", actor_id=by.id, school_id=school.id, detail=detail[:300]))
