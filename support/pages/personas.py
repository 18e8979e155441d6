"""The four ways in ("Jag är …") and which of them a signed-in person holds."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from support.policy.actors import groups_of


@dataclass(frozen=True)
class Persona:
    group: str
    slug: str  # the Swedish URL segment of the group's knowledge base: /kb/<slug>
    label: object
    description: object


PERSONAS = (
    Persona("guardian", "vardnadshavare", _l("Jag är vårdnadshavare"),
            _l("Frånvaro, inloggning med BankID, meddelanden och appen.")),
    Persona("student", "elev", _l("Jag är elev"), _l("Inloggning, schema, Teams och uppgifter.")),
    Persona("pedagogue", "pedagog", _l("Jag är pedagog"),
            _l("Närvaro, dokumentation, bedömning och schema.")),
    Persona("administrator", "administrator", _l("Jag är administratör"),
            _l("Konton, klasslistor, behörigheter och skolans inställningar.")),
)

PERSONA_BY_GROUP = {persona.group: persona for persona in PERSONAS}


def personas_for(user) -> list[Persona]:
    groups = groups_of(user)
    return [persona for persona in PERSONAS if persona.group in groups]
