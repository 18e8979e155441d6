"""Who sees coverage figures and rollout (support/policy/network.py), as rules and on every page and CSV: "here"
is Bromma / Ekbackaskolan, "other" Hässelby-Vällingby."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.extensions import db
from support.policy import can
from tests.conftest import login, module_data
from tests.network.conftest import ROLES, build_network_org

org = module_data(build_network_org, name="org")


ALLOWED = {
    "network.coverage": {"coordinator_here", "agent", "admin"},  # with Bromma as the object
    "network.city_coverage": {"agent", "admin"},
    "network.see_rollout": {"coordinator_here", "agent", "admin"},  # with Ekbackaskolan as the object
    "network.edit_rollout": {"coordinator_here", "admin"},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("who", ROLES)
def test_coverage_and_rollout_rules_follow_the_access_table(org, action, who):
    obj = org.bromma if action == "network.coverage" else org.ekbacka
    assert can(getattr(org, who), action, obj) == (who in ALLOWED[action])


# Every page and export: who gets it; everyone else signed in gets 404 (coordinators are sent from the city page to
# their own administration), anonymous visitors are sent to the sign-in page.
PAGES = {
    "/natverket/tackning/bromma": {"coordinator_here", "agent", "admin"},
    "/natverket/tackning/bromma/csv/skolor": {"coordinator_here", "agent", "admin"},
    "/natverket/tackning/bromma/csv/risker": {"coordinator_here", "agent", "admin"},
    "/natverket/tackning": {"agent", "admin"},
    "/natverket/tackning/csv/skolor": {"agent", "admin"},
    "/natverket/tackning/csv/forvaltningar": {"agent", "admin"},
}


def _signed_in(app, who):
    client = app.test_client()
    if who is not None:
        assert login(client, who.email).status_code == 302
    return client


def _get(app, who, path):
    return _signed_in(app, who).get(path)


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("who", ROLES)
def test_coverage_pages_and_exports_answer_only_those_allowed(app, org, path, who):
    response = _get(app, getattr(org, who), path)
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif who in PAGES[path]:
        assert response.status_code == 200
    elif path == "/natverket/tackning" and who.startswith("coordinator"):
        mine = "bromma" if who == "coordinator_here" else "hasselby-vallingby"
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/natverket/tackning/{mine}")
    else:
        assert response.status_code == 404


def test_an_unknown_administration_is_not_found(app, org):
    assert _get(app, org.admin, "/natverket/tackning/finns-inte").status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_only_admins_and_the_schools_coordinator_change_its_rollout(app, org, who):
    from support.network import rollout, service

    row = rollout.set_rollout(org.ekbacka, system="schedule", live_on=service.today(), by=org.admin)
    db.session.commit()
    day = (service.today() + timedelta(days=10)).isoformat()
    saved = _signed_in(app, getattr(org, who)).post("/natverket/skolor/ekbackaskolan/inforande",
                                                     data={"system": "attendance", "live_on": day})
    removed = _signed_in(app, getattr(org, who)).post(f"/natverket/skolor/ekbackaskolan/inforande/{row.id}/ta-bort")
    if who == "anonymous":
        assert saved.status_code == removed.status_code == 302
        assert "/login" in saved.headers["Location"]
    elif who in ALLOWED["network.edit_rollout"]:
        assert saved.status_code == removed.status_code == 302
    else:
        assert saved.status_code == removed.status_code == 404
    systems = {r.system for r in rollout.rollouts_of(org.ekbacka)}
    allowed = who in ALLOWED["network.edit_rollout"]
    assert systems == ({"attendance"} if allowed else {"schedule"})
