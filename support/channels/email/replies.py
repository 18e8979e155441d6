"""Replies: which ticket a mail answers (by its subject's `[#1234]`), and the new text without the quoted history."""

from __future__ import annotations

import re

REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|sv|aw|vb|fw|fwd|vs|antw|odp|tr|wg)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
TICKET_NUMBER = re.compile(r"\[#([0-9]{1,9})\]", re.ASCII)

# Lines that start the quoted history in the common clients; everything from the first one on is cut.
HISTORY_STARTS = (
    re.compile(r"^\s*-{2,}\s*(?:Ursprungligt meddelande|Original Message|Urspr\u00fcngliche Nachricht)\s*-{2,}",
               re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above "Från: … Skickat: …"
    re.compile(r"^\s*(?:Den|On|Am|Le|El|Il|Op)\s.{0,200}(?:skrev|wrote|schrieb|a \u00e9crit|escribi\u00f3|scrisse|"
               r"schreef)\s*.{0,80}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*\*?(?:Fr\u00e5n|From|Von)\s*:\*?\s.+", re.IGNORECASE),
    re.compile(r"^\s*(?:Skickat fr\u00e5n min|Sent from my|Skickat fr\u00e5n Outlook|Get Outlook for)\b",
               re.IGNORECASE),
)
OUTLOOK_HEADER_FOLLOWERS = re.compile(r"^\s*\*?(?:Skickat|Sent|Gesendet|Datum|Date|Till|To|An)\s*:", re.IGNORECASE)


def subject_ticket_number(subject: str) -> int | None:
    """The ticket number in a subject such as "SV: Re: [#1234] Inloggningen fungerar inte"."""
    found = TICKET_NUMBER.search(subject or "")
    return int(found.group(1)) if found else None


def strip_reply_prefixes(subject: str) -> str:
    """"SV: RE: Fwd: Frågan" → "Frågan"."""
    return REPLY_PREFIX.sub("", subject or "").strip()


def strip_quoted_history(text: str) -> str:
    """The new part of a reply: the quoted history (">" lines, Outlook's "Från: … Skickat: …" block, Gmail's
    "Den … skrev …:", Apple Mail's "On … wrote:", mobile signatures) is cut. Returns the whole text when nothing new
    would be left."""
    lines = (text or "").splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _starts_history(lines, index):
            break
        kept.append(line)
    kept = [line for line in kept if not line.lstrip().startswith(">")]
    new = "\n".join(kept).strip()
    return new or (text or "").strip()


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    for pattern in HISTORY_STARTS:
        if pattern.match(line):
            if pattern is HISTORY_STARTS[3]:
                # "Från:" alone may be a sentence; in a header block the next lines say when and to whom.
                following = lines[index + 1:index + 4]
                return any(OUTLOOK_HEADER_FOLLOWERS.match(item) for item in following)
            return True
    # Gmail folds "Den tis 3 dec. 2026 kl 10:00 skrev Anna <anna@…>:" over two lines.
    if index + 1 < len(lines) and re.match(r"^\s*(?:Den|On)\s", line, re.IGNORECASE):
        joined = f"{line} {lines[index + 1]}"
        return bool(HISTORY_STARTS[2].match(joined)) and lines[index + 1].rstrip().endswith(":")
    return False
