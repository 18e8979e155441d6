"""The searches a signed-in person made in this browser session, so a ticket filed next can name them.

Kept in the signed session cookie (a search page writes nothing to the database): at most a few tokens of the
search log (`SearchLog.token`) with the time of the search, never the query itself. The ticket form hands them to
the ticket service, which links them to the new ticket (`kb.service.link_searches_to_ticket`), and then forgets
them, so the next ticket does not claim the same searches.
"""

from __future__ import annotations

import re
import time

from flask import session

SESSION_KEY = "kb_searches"
KEPT = 5  # the last searches before a ticket say what was looked for; older ones add noise
MAX_AGE_SECONDS = 2 * 3600  # a search this long before the ticket is not the one that preceded it
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def remember(token: str | None) -> None:
    """Note a search of this browser session (the newest last; a repeated token moves to the end)."""
    if not token or not TOKEN_RE.match(token):
        return
    kept = [entry for entry in _entries() if entry[0] != token]
    session[SESSION_KEY] = [*kept, [token, int(time.time())]][-KEPT:]


def recent() -> list[str]:
    """The tokens of this session's searches in the last MAX_AGE_SECONDS, oldest first."""
    oldest = time.time() - MAX_AGE_SECONDS
    return [token for token, moment in _entries() if moment >= oldest]


def forget() -> None:
    session.pop(SESSION_KEY, None)


def _entries() -> list[tuple[str, int]]:
    found = []
    for entry in session.get(SESSION_KEY) or ():
        if (isinstance(entry, list | tuple) and len(entry) == 2 and isinstance(entry[0], str)
                and TOKEN_RE.match(entry[0]) and isinstance(entry[1], int)):
            found.append((entry[0], entry[1]))
    return found
