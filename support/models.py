"""Imports every model so that metadata, migrations and relationships see them all."""

import kb.models  # noqa: F401
import support.channels.email.models  # noqa: F401
import support.channels.models  # noqa: F401
import support.network.announcement_models  # noqa: F401
import support.network.handover  # noqa: F401
import support.network.models  # noqa: F401
import support.network.space_models  # noqa: F401
import support.tickets.models  # noqa: F401
from support.accounts.models import ApiToken, ExternalIdentity, GroupMembership, RoleAssignment, User
from support.orgs.models import Administration, School, SchoolFormLink
from support.outbox.models import OutgoingMail

__all__ = [
    "Administration",
    "ApiToken",
    "ExternalIdentity",
    "GroupMembership",
    "OutgoingMail",
    "RoleAssignment",
    "School",
    "SchoolFormLink",
    "User",
]
