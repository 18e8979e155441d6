"""Which tier and queue a new ticket goes to (DESIGN.md "Routing and tiers").

Administrators keep an ordered list of RoutingRule rows (user group × system × school × channel → tier); the first
active matching rule decides. When none matches, the defaults apply: a web or API ticket from a pedagogue or an
administrator goes to tier 1 (the school's superusers); everything else to tier 2. Tier 1 needs a school with at
least one active superuser, otherwise the ticket goes straight to tier 2.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from support import vocabulary
from support.accounts.models import User
from support.extensions import db
from support.network.models import away_user_ids
from support.tickets.models import RoutingRule

STAFF_GROUPS_FOR_TIER_1 = ("pedagogue", "administrator")


@dataclass(frozen=True)
class Route:
    tier: int
    rule: RoutingRule | None = None  # None: the built-in defaults decided
    priority: str | None = None
    fell_back: bool = False  # tier 1 was chosen but the school has no active superuser


def school_superusers(school_id: int | None) -> list[User]:
    """The available superusers of a school, the members of its tier-1 queue: active, and not marked away today
    (support.network), so an away superuser's school falls back to tier 2 when nobody else is there."""
    from support.policy.tickets import queue_members_filter

    if school_id is None:
        return []
    return list(db.session.scalars(
        select(User).where(queue_members_filter(1, school_id), User.id.not_in(away_user_ids())).order_by(User.name)))


def has_active_superuser(school_id: int | None) -> bool:
    return bool(school_superusers(school_id))


def active_rules() -> list[RoutingRule]:
    return list(db.session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.position, RoutingRule.id)
    ))


def rule_matches(rule: RoutingRule, *, user_group, system, school_id, channel) -> bool:
    return all((
        rule.user_group in (None, "", user_group),
        rule.system in (None, "", system),
        rule.school_id in (None, school_id),
        rule.channel in (None, "", channel),
    ))


def default_tier(*, user_group: str | None, channel: str, school_id: int | None) -> int:
    # Staff questions tied to one school go to its superusers whatever the channel (DESIGN.md "Routing").
    if user_group in STAFF_GROUPS_FOR_TIER_1 and school_id is not None:
        return 1
    return 2


def route(*, user_group: str | None, system: str, school_id: int | None, channel: str) -> Route:
    """Decide the tier of a new ticket; see the module docstring for the rules."""
    chosen = None
    for rule in active_rules():
        if rule_matches(rule, user_group=user_group, system=system, school_id=school_id, channel=channel):
            chosen = rule
            break
    tier = chosen.tier if chosen else default_tier(user_group=user_group, channel=channel, school_id=school_id)
    priority = chosen.priority if chosen and chosen.priority else None
    if tier == 1 and not has_active_superuser(school_id):
        return Route(tier=2, rule=chosen, priority=priority, fell_back=True)
    return Route(tier=tier, rule=chosen, priority=priority)


def queue_key(ticket) -> str:
    """A stable name of the queue a ticket sits in: `school:<id>`, `servicedesk` or `system:<system>`."""
    if ticket.tier == 1:
        return f"school:{ticket.school_id}"
    if ticket.tier == 3:
        return f"system:{ticket.system}"
    return "servicedesk"


def queue_label(ticket):
    """The queue's name for screens (in the reader's language) and mail (`vocabulary.swedish(queue_label(t))`)."""
    if ticket.tier == 1:
        if ticket.school is None:
            return _l("Skolans superanvändare")
        return _l("Superanvändare, %(school)s", school=ticket.school.name)
    if ticket.tier == 3:
        return _l("Systemförvaltning: %(system)s", system=SYSTEM_LABELS.get(ticket.system, ticket.system))
    return vocabulary.AUDIENCE_LABELS["support"]


SYSTEM_LABELS = vocabulary.SYSTEM_LABELS
TIER_LABELS = vocabulary.TIER_LABELS


def create_rule(*, tier: int, position: int = 100, user_group: str | None = None, system: str | None = None,
                school_id: int | None = None, channel: str | None = None, priority: str | None = None,
                description: str = "", active: bool = True) -> RoutingRule:
    """Add an admin routing rule (validated: known group, system, channel, tier)."""
    from support.accounts.models import USER_GROUPS
    from support.tickets.models import CHANNELS, PRIORITIES, SYSTEMS

    if tier not in (1, 2, 3):
        raise ValueError("Nivån måste vara 1, 2 eller 3.")
    if user_group and user_group not in USER_GROUPS:
        raise ValueError("Okänd användargrupp.")
    if system and system not in SYSTEMS:
        raise ValueError("Okänt system.")
    if channel and channel not in CHANNELS:
        raise ValueError("Okänd kanal.")
    if priority and priority not in PRIORITIES:
        raise ValueError("Okänd prioritet.")
    rule = RoutingRule(tier=tier, position=position, user_group=user_group or None, system=system or None,
                       school_id=school_id, channel=channel or None, priority=priority or None,
                       description=description.strip()[:200], active=active)
    db.session.add(rule)
    return rule
