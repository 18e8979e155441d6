"""Where a `next` parameter may send the browser: only to a path on this site, judged as a browser reads it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# WHATWG URL parsing removes ASCII tab and newlines anywhere and trims C0 controls and spaces at both ends,
# and for http(s) a backslash is a slash: "/\t/evil.example" and "/\\evil.example" both mean "//evil.example".
_REMOVED_ANYWHERE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def same_site_path(target: object) -> str | None:
    """The target as a browser would follow it, if that is a path on this site; otherwise None."""
    if not isinstance(target, str) or not target:
        return None
    cleaned = _REMOVED_ANYWHERE.sub("", target).strip(_C0_AND_SPACE).replace("\\", "/")
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in cleaned):
        return None
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned
