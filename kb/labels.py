"""Swedish names of the knowledge base's keys (systems, school forms, audiences) and the group URL segments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SYSTEM_LABELS = {
    "login": _l("Inloggning och konto"),
    "schedule": _l("Schema"),
    "attendance": _l("Frånvaro och närvaro"),
    "documentation": _l("Elevdokumentation"),
    "assessment": _l("Planering och bedömning"),
    "teams": _l("Teams och Office"),
    "startpage": _l("Startsidor"),
    "app": _l("Mobilappen"),
    "messages": _l("Meddelanden och notiser"),
    "general": _l("Allmänt om plattformen"),
}

SCHOOL_FORM_LABELS = {
    "preschool": _l("Förskola"),
    "compulsory": _l("Grundskola"),
    "compulsory-adapted": _l("Anpassad grundskola"),
    "upper-secondary": _l("Gymnasieskola"),
    "upper-secondary-adapted": _l("Anpassad gymnasieskola"),
    "adult": _l("Komvux"),
    "adult-adapted": _l("Komvux som anpassad utbildning"),
    "sfi": _l("Sfi"),
    "vocational": _l("Yrkeshögskola"),
}

AUDIENCE_LABELS = {
    "guardian": _l("Vårdnadshavare"),
    "student": _l("Elev"),
    "pedagogue": _l("Pedagog"),
    "administrator": _l("Administratör"),
    "superuser": _l("Superanvändare"),
    "support": _l("Servicedesk"),
}

LANGUAGE_LABELS = {"sv": _l("Svenska"), "en": _l("Engelska")}
# Each language in its own words, for tagging text in another language than the page's (with a lang attribute).
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}

STATUS_LABELS = {"draft": _l("Utkast"), "published": _l("Publicerad"), "archived": _l("Arkiverad")}

# /kb/<slug> for each user group (the same slugs as the start page's "Jag är …" cards)
GROUP_SLUGS = {"vardnadshavare": "guardian", "elev": "student", "pedagog": "pedagogue",
               "administrator": "administrator"}
# Ways in for staff: internal articles for superusers and the support desk (the policy decides who sees them).
STAFF_SLUGS = {"superanvandare": "superuser", "servicedesk": "support"}
AUDIENCE_SLUGS = {**GROUP_SLUGS, **STAFF_SLUGS}
SLUG_OF_GROUP = {group: slug for slug, group in AUDIENCE_SLUGS.items()}
GROUP_HEADINGS = {
    "guardian": _l("Hjälp för vårdnadshavare"),
    "student": _l("Hjälp för elever"),
    "pedagogue": _l("Hjälp för pedagoger"),
    "administrator": _l("Hjälp för administratörer"),
    "superuser": _l("Stöd för superanvändare"),
    "support": _l("Servicedeskens artiklar"),
}
