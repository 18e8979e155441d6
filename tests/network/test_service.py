"""The network's rules: availability and tier-1 routing, appointments with history, training and refreshers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from support.extensions import db
from support.network import service
from support.network.models import NetworkEvent
from support.tickets import service as tickets
from support.tickets.commands import Filing


def _ticket(org, requester=None):
    ticket = tickets.file_ticket(Filing(subject="Schemat syns inte", body="Tomt schema i dag.", channel="web",
                                   requester=requester or org.pedagogue, school=org.ekbacka, system="schedule"))
    db.session.commit()
    return ticket


def _away(person, stand_in=None, starts=0, days=7):
    first = service.today() + timedelta(days=starts)
    absence = service.mark_away(person, starts_on=first, ends_on=first + timedelta(days=days), stand_in=stand_in)
    db.session.commit()
    return absence


def test_a_new_teacher_ticket_still_goes_to_tier_one_while_another_superuser_is_in(org):
    _away(org.superuser_here, stand_in=org.superuser_here_2)
    assert _ticket(org).tier == 1


def test_a_new_teacher_ticket_goes_to_tier_two_when_every_superuser_of_the_school_is_away(org):
    _away(org.superuser_here)
    _away(org.superuser_here_2)
    ticket = _ticket(org)
    assert ticket.tier == 2


def test_an_absence_that_starts_later_changes_nothing_today(org):
    _away(org.superuser_here, starts=3)
    _away(org.superuser_here_2, starts=3)
    assert _ticket(org).tier == 1


def test_only_available_superusers_are_told_about_a_new_tier_one_ticket(org):
    from support.outbox.models import OutgoingMail

    _away(org.superuser_here)
    _ticket(org)
    recipients = {a for mail in db.session.scalars(select(OutgoingMail)) for a in mail.to_addrs}
    assert "olle@example.com" in recipients and "karin@example.com" not in recipients


def test_tickets_assigned_to_a_superuser_who_goes_away_go_to_the_stand_in(org):
    ticket = _ticket(org)
    tickets.assign(ticket, org.superuser_here, by=org.superuser_here)
    db.session.commit()
    _away(org.superuser_here, stand_in=org.superuser_here_2)
    assert ticket.assignee_id == org.superuser_here_2.id and ticket.tier == 1


def test_tickets_assigned_to_a_superuser_who_goes_away_without_a_stand_in_stay_in_the_schools_queue(org):
    ticket = _ticket(org)
    tickets.assign(ticket, org.superuser_here, by=org.superuser_here)
    db.session.commit()
    _away(org.superuser_here)
    assert ticket.assignee_id is None and ticket.tier == 1


@pytest.mark.parametrize(("starts", "ends", "message"), [
    (0, -1, "Sista dagen kan inte vara före första dagen."),
    (-5, -2, "Perioden har redan passerat."),
    (0, 400, "högst ett år"),
])
def test_an_impossible_absence_is_refused(org, starts, ends, message):
    day = service.today()
    with pytest.raises(service.NetworkError, match=message):
        service.mark_away(org.superuser_here, starts_on=day + timedelta(days=starts),
                          ends_on=day + timedelta(days=ends))


def test_the_stand_in_must_be_another_superuser_of_the_same_school(org):
    day = service.today()
    for outsider in (org.superuser_other, org.pedagogue, org.superuser_here):
        with pytest.raises(service.NetworkError, match="Ersättaren"):
            service.mark_away(org.superuser_here, starts_on=day, ends_on=day, stand_in=outsider)


def test_overlapping_absences_are_refused(org):
    _away(org.superuser_here, days=5)
    with pytest.raises(service.NetworkError, match="överlappar"):
        _away(org.superuser_here, starts=2, days=1)


def test_ending_a_started_absence_makes_the_superuser_available_again(org):
    absence = _away(org.superuser_here)
    _away(org.superuser_here_2)
    service.end_absence(absence, by=org.superuser_here)
    service.end_absence(service.current_absence(org.superuser_here_2), by=org.superuser_here_2)
    db.session.commit()
    assert _ticket(org).tier == 1


def test_appointing_gives_the_role_and_keeps_history_and_an_audit_event(org):
    appointment = service.appoint(org.ekbacka, org.pedagogue, systems=["schedule", "login"],
                                  by=org.coordinator_here)
    db.session.commit()
    assert org.pedagogue.has_role("superuser", org.ekbacka.id)
    assert appointment.systems == ["login", "schedule"]  # in the vocabulary's order
    service.remove(appointment, by=org.admin)
    db.session.commit()
    assert not org.pedagogue.has_role("superuser")
    [kept] = service.history(org.ekbacka)
    assert kept.appointed_by_id == org.coordinator_here.id and kept.removed_by_id == org.admin.id
    kinds = [(e.kind, e.actor_id) for e in db.session.scalars(select(NetworkEvent).order_by(NetworkEvent.id))]
    assert kinds == [("appointed", org.coordinator_here.id), ("removed", org.admin.id)]


@pytest.mark.parametrize("who", ["guardian", "student", "superuser_other"])
def test_only_staff_of_the_school_can_be_appointed(org, who):
    with pytest.raises(service.NetworkError, match="arbetar inte på Ekbackaskolan"):
        service.appoint(org.ekbacka, getattr(org, who), systems=["login"], by=org.admin)


def test_an_appointment_needs_a_known_system(org):
    with pytest.raises(service.NetworkError, match="Välj minst ett system"):
        service.appoint(org.ekbacka, org.pedagogue, systems=[], by=org.admin)
    with pytest.raises(service.NetworkError, match="Okänt system"):
        service.appoint(org.ekbacka, org.pedagogue, systems=["fax"], by=org.admin)


def test_a_superuser_without_training_within_the_refresher_period_is_due(org, app):
    app.config["REFRESHER_MONTHS"] = 12
    day = service.today()
    service.record_training(org.superuser_here, module="refresher", completed_on=day - timedelta(days=30),
                            by=org.admin)
    service.record_training(org.superuser_here_2, module="basic", completed_on=day - timedelta(days=400),
                            by=org.admin)
    service.record_training(org.superuser_here_2, module="network-meeting", completed_on=day, by=org.admin)
    due = service.due_for_refresher(None)
    assert [(user.name, last) for user, _school, last in due] == [
        ("Jonas Ek", None), ("Olle Ström", day - timedelta(days=400))]
    assert [user.name for user, _s, _l in service.due_for_refresher({org.hasselby_admin.id})] == ["Jonas Ek"]


@pytest.mark.parametrize(("last", "today", "due"), [
    (date(2025, 3, 1), date(2026, 3, 1), False),
    (date(2025, 2, 28), date(2026, 3, 1), True),
    (date(2025, 2, 28), date(2026, 2, 28), False),
    (date(2024, 2, 29), date(2025, 2, 28), False),
])
def test_the_refresher_period_counts_calendar_months(app, last, today, due):
    assert service.is_due(last, today) is due


@pytest.mark.parametrize(("fields", "message"), [
    ({"module": "cooking"}, "Välj en utbildning"),
    ({"module": "basic", "completed_on": date(2099, 1, 1)}, "framtiden"),
    ({"module": "basic", "completed_on": date(1999, 1, 1)}, "år 2000"),
    ({"module": "system-deep-dive"}, "Välj vilket system"),
])
def test_an_impossible_training_record_is_refused(org, fields, message):
    values = {"completed_on": service.today(), **fields}
    with pytest.raises(service.NetworkError, match=message):
        service.record_training(org.superuser_here, by=org.admin, **values)
