"""Mail written by machines: it never creates a ticket and never gets an automatic answer (no mail loops)."""

from __future__ import annotations

from support.channels.email.parse import ParsedMail

BOUNCE_WORDS = ("undeliver", "returned mail", "delivery status notification", "delivery notification",
                "delivery has failed", "mail delivery failed", "failure notice", "could not send message",
                "returned to sender", "mail system error", "banned file", "olevererbart", "kunde inte levereras")
DAEMON_NAMES = ("mailer-daemon", "postmaster")


def is_bounce(mail: ParsedMail) -> bool:
    """A delivery failure report: a DSN, or a mailer daemon's failure notice."""
    if mail.content_type == "multipart/report" and mail.report_type == "delivery-status":
        return True
    local_part = mail.from_address.split("@")[0]
    daemon = local_part in DAEMON_NAMES or not mail.from_address
    return daemon and any(word in mail.subject.lower() for word in BOUNCE_WORDS)


def auto_reply_reason(mail: ParsedMail) -> str:
    """Why this is machine-generated mail that must not be answered ("" for mail a person wrote)."""
    headers = mail.headers
    if is_bounce(mail):
        return "bounce"
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted[:60]}"
    if headers.get("x-autoreply", "").strip().lower() == "yes":
        return "X-Autoreply"
    if "x-autorespond" in headers:
        return "X-Autorespond"
    if headers.get("precedence", "").strip().lower() == "auto_reply":
        return "Precedence: auto_reply"
    if mail.content_type == "multipart/report":
        return f"report ({mail.report_type or 'okänd typ'})"
    return ""


def ignore_reason(mail: ParsedMail, own_domain: str, own_mailbox: str, return_path_empty: bool) -> str:
    """Why this mail is logged instead of filed: auto-replies, bounces, bulk and list mail, our own mail."""
    reason = auto_reply_reason(mail)
    if reason:
        return reason
    headers = mail.headers
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    if "list-id" in headers or "list-unsubscribe" in headers or "list-post" in headers:
        return "mailing list"
    if return_path_empty:
        return "Return-Path: <>"
    if mail.from_address.split("@")[0] in DAEMON_NAMES:
        return "mailer daemon"
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if "oof" in suppress or "autoreply" in suppress or suppress.strip() == "all":
        return f"X-Auto-Response-Suppress: {suppress[:60]}"
    local_part, _, domain = mail.from_address.partition("@")
    if domain == own_domain.lower() and (local_part == own_mailbox or local_part.startswith(own_mailbox + "+")):
        return "our own address"
    return ""
