"""One name per thing: every vocabulary is complete in Swedish and English, and a system reads the same on the
ticket form, in the queue, in routing administration and in the knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from support import vocabulary
from support.accounts.models import STAFF_ROLES, USER_GROUPS
from support.extensions import db
from support.orgs.models import SCHOOL_FORMS
from support.tickets.models import CHANNELS, PRIORITIES, STATES, SYSTEMS
from tests.kb.articles import make_article

PO_FILE = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"

KEYS = {
    "systems": SYSTEMS,
    "groups": USER_GROUPS,
    "roles": STAFF_ROLES,
    "audiences": (*USER_GROUPS, "superuser", "support"),
    # "merged" is shown instead of the state of a ticket merged into another
    "states": (*STATES, "merged"),
    "staff_states": (*STATES, "merged"),
    "priorities": PRIORITIES,
    "channels": CHANNELS,
    "tiers": (1, 2, 3),
    "school_forms": SCHOOL_FORMS,
}


@pytest.fixture(scope="module")
def english_catalog():
    with PO_FILE.open("rb") as po:
        return read_po(po)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_key_of_the_vocabulary_has_a_label(name):
    assert set(vocabulary.VOCABULARIES[name]) == set(KEYS[name])


@pytest.mark.parametrize("name", sorted(vocabulary.VOCABULARIES))
def test_every_label_reads_in_swedish_and_in_english(app, english_catalog, name):
    for key, label in vocabulary.VOCABULARIES[name].items():
        with app.test_request_context():
            with force_locale("sv"):
                swedish = str(label)
            with force_locale("en"):
                english = str(label)
        assert swedish.strip(), (name, key)
        message = english_catalog.get(swedish)
        assert message is not None and message.string, f"{name}.{key} ({swedish}) has no English label"
        assert english == message.string


def test_the_requester_has_one_name(english_catalog):
    """"Frågeställare" everywhere; no page says "anmälaren" about the same person."""
    assert not [message.id for message in english_catalog if message.id and "anmälare" in str(message.id)]


def test_swedish_labels_stay_swedish_in_an_english_request(app):
    with app.test_request_context(), force_locale("en"):
        assert str(vocabulary.PRIORITY_LABELS["high"]) == "High"
        assert vocabulary.SwedishLabels(vocabulary.PRIORITY_LABELS)["high"] == "Hög"


@pytest.mark.parametrize(("language", "app_label"), [("sv", "Skolplattformen-appen"), ("en", "Skolplattformen app")])
def test_a_system_reads_the_same_on_the_form_the_queue_routing_and_the_knowledge_base(
        app, client, login_as, factory, language, app_label):
    from support.tickets import routing, service

    school = factory.school("Ekbackaskolan", slug="ekbackaskolan")
    guardian = factory.user(groups=["guardian:ekbackaskolan"])
    routing.create_rule(tier=3, system="app", description="Appen till systemförvaltningen")
    make_article("appen-loggar-ut", title="Appen loggar ut mig", system="app", audiences=("guardian",))
    service.file_ticket(service.Filing(subject="Appen kraschar", body="Den stängs direkt.", channel="web", requester=guardian,
                          system="app", school=school))
    db.session.commit()

    def page(test_client, path):
        with test_client.session_transaction() as session:
            session["locale"] = language
        response = test_client.get(path)
        assert response.status_code == 200, path
        return response.get_data(as_text=True)

    pages = {
        "ticket form": page(login_as(guardian), "/arenden/nytt"),
        "queue": page(login_as("agent"), "/arbetsyta?ko=system&system=app"),
        "routing admin": page(login_as("admin"), "/admin/routning"),
        "knowledge base": page(client, "/kb/vardnadshavare/system/app"),
    }
    for name, html in pages.items():
        assert app_label in html, name
    for old_name in ("Mobilappen", ">Appen<", "Mobile app"):
        assert not [name for name, html in pages.items() if old_name in html], old_name


def test_the_user_filter_offers_every_group_and_role_by_its_one_name(login_as):
    html = login_as("admin").get("/admin/anvandare").get_data(as_text=True)
    for key, label in [*vocabulary.GROUP_LABELS.items(), *vocabulary.ROLE_LABELS.items()]:
        assert f'<option value="{key}" >{vocabulary.swedish(label)}</option>' in html, key
