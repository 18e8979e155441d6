"""Names of the knowledge base's own keys (languages, article states) and the group URL segments; systems, school
forms and audiences come from support/vocabulary.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from support import vocabulary

# Systems, school forms and audiences are named once for the whole portal (support/vocabulary.py).
SYSTEM_LABELS = vocabulary.SYSTEM_LABELS
SCHOOL_FORM_LABELS = vocabulary.SCHOOL_FORM_LABELS
AUDIENCE_LABELS = vocabulary.AUDIENCE_LABELS

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
