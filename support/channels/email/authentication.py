"""What our receiving relay's `Authentication-Results` (RFC 8601) says about a mail's sender.

Only the topmost header is read: the relay adds it above everything the sender wrote, so any lower one may be
forged. With SUPPORT_INBOUND_AUTHSERV_ID set, that header must carry the relay's authserv-id, and mail without it
counts as unverified; without the setting the topmost header is trusted whoever wrote it (set it in production). Comments in parentheses are dropped before the
results are read, so "(spf=pass)" in a comment counts for nothing.
"""

from __future__ import annotations

import re

from support.channels.email.parse import ParsedMail

COMMENT = re.compile(r"\([^()]*\)")
RESULT = re.compile(r"(?:^|[;\s])(dmarc|spf|dkim)\s*=\s*([a-z]+)", re.IGNORECASE)


def failed_authentication(mail: ParsedMail, authserv_id: str = "") -> str:
    """"dmarc=fail, spf=fail" when the relay says the sender's domain did not authorise this mail (DMARC or SPF
    failed and no DKIM signature passed), or that our relay's result is missing; else ""."""
    header = mail.headers.get("authentication-results", "")
    while COMMENT.search(header):
        header = COMMENT.sub(" ", header)
    server, _, results = header.partition(";")
    if authserv_id and server.strip().lower() != authserv_id.strip().lower():
        return f"inget resultat från {authserv_id}"
    if not results:
        return ""
    found = [(method.lower(), outcome.lower()) for method, outcome in RESULT.findall(results)]
    if ("dkim", "pass") in found:
        return ""
    failed = [f"{method}={outcome}" for method, outcome in found if method in ("dmarc", "spf") and outcome == "fail"]
    return ", ".join(dict.fromkeys(failed))
