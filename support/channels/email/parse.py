"""Raw mail → what a ticket needs, with the standard library's `email` package (policy `default`).

Real mail breaks every rule, so each step degrades instead of failing: header bytes that are not ASCII are read as
UTF-8, else the message's declared charset, else windows-1252; a text part with an unknown or missing charset is
UTF-8 when valid, else windows-1252 (what "latin-1" senders really mean); ISO-2022-JP without a declared charset is
recognised by its escape sequences; HTML-only mail becomes readable text; a multipart whose boundaries cannot be found
gives the raw text after the headers. The body is every inline text part in document order (one per
multipart/alternative, text/plain preferred). Files are every other leaf part, attached messages once each;
images the HTML shows by `cid:` and signature parts are not counted as files.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from support.tickets.attachments import IncomingFile, clean_filename

MAX_DEPTH = 30  # nested multiparts beyond this are kept as one file, never walked
MAX_PARTS = 500
MAX_ADDRESSES = 200
SIGNATURE_TYPES = frozenset({"application/pgp-signature", "application/pkcs7-signature",
                             "application/x-pkcs7-signature"})
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
ANGLE_ADDRESS = re.compile(r"<([^<>\s@]{1,64}@[^<>\s@]{1,255})>\s*$")


@dataclass
class ParsedMail:
    message_id: str = ""
    from_address: str = ""
    from_name: str = ""
    subject: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""  # the HTML body, sanitised with nh3, for display (remote images are blocked where it is shown)
    files: list[IncomingFile] = field(default_factory=list)  # what a helpdesk lists as attachments
    inline_images: list[IncomingFile] = field(default_factory=list)  # shown by the HTML body through cid:
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names of the headers the rules read
    content_type: str = "text/plain"
    report_type: str = ""
    encrypted: bool = False
    failed_recipients: list[str] = field(default_factory=list)  # from a delivery-status report
    defects: list[str] = field(default_factory=list)


RULE_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress", "precedence",
                "list-id", "list-unsubscribe", "list-post", "return-path", "x-loop", "authentication-results",
                "x-failed-recipients")


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw mail as far as it goes; raises only when the bytes are not a message at all."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    fallback = _declared_charset(message)
    parsed = ParsedMail()
    parsed.message_id = first_message_id(_header(message, "Message-ID", fallback))
    parsed.subject = _subject(message, fallback)
    parsed.from_address, parsed.from_name = _sender(message, fallback)
    parsed.to = _addresses(message, "To", fallback)
    parsed.cc = _addresses(message, "Cc", fallback)
    parsed.in_reply_to = MESSAGE_ID.findall(_header(message, "In-Reply-To", fallback))
    parsed.references = MESSAGE_ID.findall(_header(message, "References", fallback))[-50:]
    parsed.headers = {name: _header(message, name, fallback)[:500] for name in RULE_HEADERS
                      if message.get(name) is not None}
    parsed.content_type = message.get_content_type()
    if parsed.content_type == "multipart/report":
        parsed.report_type = (message.get_param("report-type") or "").lower()
    parsed.encrypted = parsed.content_type == "multipart/encrypted" or (
        message.get_content_type() in ("application/pkcs7-mime", "application/x-pkcs7-mime")
        and (message.get_param("smime-type") or "enveloped-data").lower() != "signed-data")
    _Body(message, parsed).collect()
    if not parsed.text.strip() and message.get_content_maintype() == "multipart" and not parsed.files:
        parsed.text = _decode_bytes(raw.replace(b"\r\n", b"\n").partition(b"\n\n")[2], None)
    parsed.failed_recipients = _failed_recipients(message, parsed.headers.get("x-failed-recipients", ""))
    parsed.defects = sorted({type(defect).__name__ for part in _walk(message) for defect in part.defects})
    return parsed


def first_message_id(value: str) -> str:
    found = MESSAGE_ID.search(value or "")
    return found.group(0) if found else ""


HEADER_END = re.compile(rb"\n\r?\n")  # the first empty line, "\n\n" once CRLF is read as LF


def raw_message_id(raw: bytes) -> str:
    """The Message-ID of raw mail read from its header block only, or `sha256:<hex>` of the bytes: the dedupe key.
    Only the start is read (the SMTP server runs this on its event loop, and a body can be 30 MB): the first
    200,000 characters of the header block lie within the first 400,000 bytes, whatever the line ends."""
    start = raw[:400_000]
    blank = HEADER_END.search(start)
    head = start[:blank.start() if blank else len(start)].replace(b"\r\n", b"\n").removesuffix(b"\r")[:200_000]
    found = re.search(rb"(?im)^message-id:[ \t]*(?:\n[ \t]+)?(<[^<>\s]{1,250}>)", head)
    if found:
        return found.group(1).decode("ascii", "replace")
    return "sha256:" + hashlib.sha256(raw).hexdigest()


# --- headers ---------------------------------------------------------------------------------------------------

def _repair(value: str, fallback: str | None) -> str:
    """Undo the email package's surrogate escapes of raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    for charset in ("utf-8", fallback, "windows-1252"):
        if charset:
            try:
                return data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("latin-1")


def _raw_header(message, name: str) -> str:
    return next((str(value) for key, value in message.raw_items() if key.lower() == name.lower()), "")


# The email package's structured header parser takes seconds on a megabyte-long header (a hostile subject or a
# list of 10,000 recipients); no real header is this long, so such a header is read from its raw start instead.
MAX_HEADER_CHARS = 8_000


def _header(message, name: str, fallback: str | None) -> str:
    raw = _raw_header(message, name)
    if len(raw) > MAX_HEADER_CHARS:
        return _repair(_decoded_words(raw[:MAX_HEADER_CHARS]), fallback)
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header the parser chokes on is read raw instead
        value = raw
    return _repair(str(value or ""), fallback)


def _decoded_words(text: str) -> str:
    """RFC 2047 words of a raw header decoded with the legacy (linear) parser; the text as it is if they break."""
    try:
        return str(email.header.make_header(email.header.decode_header(" ".join(text.split()))))
    except (LookupError, ValueError, UnicodeError, email.errors.HeaderParseError):
        return text


def _clean_text(value: str) -> str:
    return "".join(ch for ch in value if ch in "\t\n" or (ord(ch) >= 32 and ch != "\x7f"))


def _subject(message, fallback: str | None) -> str:
    value = _header(message, "Subject", fallback)
    if "\ufffd" in value:
        raw = _raw_header(message, "Subject")
        if not re.search(r"=\?[^?]+\?[bqBQ]\?", raw):
            value = _repair(raw, fallback)
    return " ".join(_clean_text(value).split())


def _sender(message, fallback: str | None) -> tuple[str, str]:
    try:
        header = message["From"]
        addresses = header.addresses if header is not None else ()
    except Exception:  # noqa: BLE001 - an unparsable From is read with the old parser below
        addresses = ()
    raw = _repair(_raw_header(message, "From"), fallback)
    if not addresses:
        bracketed = ANGLE_ADDRESS.search(raw)
        if bracketed:  # e.g. an encoded name with a line break in it: the address is what the brackets hold
            name = _decoded_words(raw[:bracketed.start()].strip().strip('"'))
            return _clean_text(bracketed.group(1)).lower(), " ".join(_clean_text(name).split())
        name, address = email.utils.parseaddr(" ".join(raw.split()))
        return _clean_text(address).lower(), _clean_text(name)
    address = _repair(addresses[0].addr_spec, fallback).lower()
    name = _repair(addresses[0].display_name, fallback)
    if "=?" in raw:
        # RFC 2047: whitespace between adjacent encoded-words is not part of the text.
        legacy_name, _address = email.utils.parseaddr(" ".join(raw.split()))
        try:
            joined = str(email.header.make_header(email.header.decode_header(legacy_name))) if legacy_name else ""
        except (LookupError, ValueError, UnicodeError):
            joined = ""
        if joined and joined.replace(" ", "") == name.replace(" ", ""):
            name = joined
    if not name:
        comment = re.search(r"\(([^()]*)\)\s*$", raw)
        if comment and "@" not in comment.group(1):
            name = comment.group(1).strip()
    return _clean_text(address), _clean_text(name)


def _decoded_words(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value))) if value else ""
    except (LookupError, ValueError, UnicodeError):
        return value


def _addresses(message, name: str, fallback: str | None) -> list[str]:
    try:
        if sum(len(value) for key, value in message.raw_items() if key.lower() == name.lower()) > MAX_HEADER_CHARS:
            values = [_header(message, name, fallback)]
        else:
            values = message.get_all(name) or []
        pairs = email.utils.getaddresses([_repair(str(value), fallback) for value in values][:10])
    except Exception:  # noqa: BLE001 - a broken address list yields no addresses, not a lost mail
        return []
    found = []
    for _name, address in pairs[:MAX_ADDRESSES]:
        address = _clean_text(address).strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


def _declared_charset(message) -> str | None:
    for part in _walk(message):
        charset = part.get_content_charset()
        if charset and charset not in ("us-ascii", "ascii"):
            return charset
    return None


def _walk(message, depth: int = 0):
    """message.walk() with a depth and count bound (hostile mail nests multiparts hundreds deep)."""
    stack = [(message, 0)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, level = stack.pop()
        seen += 1
        yield part
        if part.is_multipart() and level < MAX_DEPTH:
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((child, level + 1) for child in reversed(payload))


def _failed_recipients(message, x_failed_recipients: str) -> list[str]:
    """The addresses a delivery-status report says failed (Action: failed), or Exim's X-Failed-Recipients."""
    found: list[str] = []

    def add(value: str) -> None:
        address = _clean_text(value.rpartition(";")[2]).strip().strip("<>").lower()
        if "@" in address and len(address) <= 254 and address not in found and len(found) < MAX_ADDRESSES:
            found.append(address)

    for part in _walk(message):
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[:MAX_ADDRESSES] if isinstance(blocks, list) else []:
            if _header(block, "Action", None).strip().lower().startswith("failed"):
                add(_header(block, "Final-Recipient", None) or _header(block, "Original-Recipient", None))
    for value in x_failed_recipients.split(","):
        add(value)
    return found


# --- body ------------------------------------------------------------------------------------------------------

def _decode_bytes(data: bytes, charset: str | None) -> str:
    if b"\x1b$B" in data and charset in (None, "us-ascii", "ascii"):
        charset = "iso-2022-jp"
    for candidate in (charset, "utf-8", "windows-1252"):
        if candidate:
            try:
                return _clean_text(data.decode(candidate))
            except (LookupError, UnicodeDecodeError):
                continue
    return _clean_text(data.decode("latin-1"))


def _part_text(part) -> str:
    charset = part.get_content_charset()
    if charset in ("iso-8859-1", "latin-1", "latin1"):
        charset = "windows-1252"  # mislabelled cp1252 is the norm; the two agree on every printable latin-1 byte
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - broken transfer encoding: take the payload as it stands
        data = str(part.get_payload()).encode("utf-8", "surrogateescape")
    return _decode_bytes(data, charset)


def _is_file(part) -> bool:
    try:
        return part.get_content_disposition() == "attachment" or bool(part.get_filename())
    except Exception:  # noqa: BLE001
        return True


class _Body:
    """Walks the MIME tree once, collecting the body text and the files (see the module docstring)."""

    def __init__(self, message, parsed: ParsedMail):
        self.message = message
        self.parsed = parsed
        self.pieces: list[str] = []
        self.html_pieces: list[str] = []
        self.count = 0
        self.cid_refs = self._cid_refs()

    def collect(self) -> None:
        self.visit(self.message, 0)
        self.parsed.text = "\n".join(piece.strip("\n") for piece in self.pieces if piece.strip())
        if self.html_pieces:
            self.parsed.html = sanitize_html("\n".join(self.html_pieces))

    def _cid_refs(self) -> set[str]:
        refs: set[str] = set()
        for part in _walk(self.message):
            if part.get_content_type() == "text/html":
                refs |= {ref.strip("<>").lower()
                         for ref in re.findall(r"cid:([^\"'\s>)]+)", _part_text(part), re.IGNORECASE)}
        return refs

    def visit(self, part, depth: int) -> None:
        self.count += 1
        if self.count > MAX_PARTS:
            return
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/delivery-status") and part is not self.message:
            self.add_file(part, embedded=True)
            return
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list) or not children:
                return
            if depth >= MAX_DEPTH:
                return  # deeper nesting is hostile; the raw message keeps it
            if content_type == "multipart/alternative":
                self.visit_alternative(children, depth)
                return
            for child in children:
                self.visit(child, depth + 1)
            return
        self.leaf(part)

    def visit_alternative(self, children, depth: int) -> None:
        choice = None
        for wanted in ("text/plain", "text/html"):
            choice = next((child for child in children if child.get_content_type() == wanted), None)
            if choice is not None:
                break
        choice = choice or next((child for child in children if child.is_multipart()), None)
        for child in children:
            if child is choice:
                self.visit(child, depth + 1)
            elif child.get_content_type() == "text/html":
                self.html_pieces.append(_part_text(child))
            elif child.is_multipart():
                for leaf in _walk(child):
                    if leaf.get_content_type() == "text/html":
                        self.html_pieces.append(_part_text(leaf))
                    elif not leaf.is_multipart() and leaf.get_content_maintype() != "text":
                        self.leaf(leaf, files_only=True)

    def leaf(self, part, files_only: bool = False) -> None:
        content_type = part.get_content_type()
        if content_type in SIGNATURE_TYPES or part.get_content_maintype() == "multipart":
            return  # signatures; a multipart whose boundary never came (the raw text stands in for it)
        content_id = str(part.get("Content-ID") or "").strip().strip("<>").lower()
        if content_id and content_id in self.cid_refs:
            self.add_file(part, inline=True, content_id=content_id)
            return
        if content_type == "message/delivery-status" or (content_type == "text/rfc822-headers"):
            self.add_file(part)
            return
        if not files_only and content_type in ("text/plain", "text/html") and not _is_file(part):
            text = _part_text(part)
            if content_type == "text/html":
                self.html_pieces.append(text)
                text = html_to_text(text)
            self.pieces.append(text)
            return
        if part is self.message and part.get_content_maintype() == "text" and not _is_file(part):
            self.pieces.append(_part_text(part))
            return
        self.add_file(part)

    def add_file(self, part, *, inline: bool = False, embedded: bool = False, content_id: str = "") -> None:
        content_type = part.get_content_type()
        if embedded:
            inner = part.get_payload(0) if content_type == "message/rfc822" and part.is_multipart() else None
            try:
                # compat32 writes the headers as they came; the default policy would refold (and choke on) them
                data = (inner or part).as_bytes(policy=email.policy.compat32)
            except Exception:  # noqa: BLE001 - an attached message too broken to serialise is kept as it came
                data = str((inner or part).get_payload()).encode("utf-8", "surrogateescape")
            subject = " ".join(str(inner.get("Subject") or "").split())[:80] if inner is not None else ""
            name = _filename(part) or (subject or "vidarebefordrat") + ".eml"
        else:
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:  # noqa: BLE001 - broken base64: keep what the part says
                data = str(part.get_payload()).encode("utf-8", "surrogateescape")
            name = _filename(part) or _default_name(content_type, len(self.parsed.files) + 1)
        file = IncomingFile(filename=clean_filename(name), data=data, content_id=content_id)
        (self.parsed.inline_images if inline else self.parsed.files).append(file)


def _filename(part) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    return _repair(str(name), None)


EXTENSIONS = {"application/ms-tnef": "winmail.dat", "message/delivery-status": "leveransrapport.txt",
              "text/rfc822-headers": "huvuden.txt", "application/pgp-encrypted": "pgp-version.txt",
              "application/octet-stream": "bilaga.bin"}


def _default_name(content_type: str, number: int) -> str:
    if content_type in EXTENSIONS:
        return EXTENSIONS[content_type]
    if content_type in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        return "smime.p7m"
    major, _, minor = content_type.partition("/")
    extension = re.sub(r"[^a-z0-9]", "", minor.split("+")[0])[:8] or "bin"
    return f"bilaga-{number}.{extension}" if major != "text" else f"bilaga-{number}.txt"


# --- HTML ------------------------------------------------------------------------------------------------------

BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table",
                        "ul", "ol", "pre", "hr"})
SKIPPED_TAGS = frozenset({"style", "script", "head", "title"})


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body: blocks become lines, styles and scripts disappear."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_MAIL_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}


def _embedded_only_in_images(element: str, attribute: str, value: str) -> str | None:
    if value.lower().lstrip().startswith(("cid:", "data:")) and not (element == "img" and attribute == "src"):
        return None  # a link to data: or cid: is nothing a reader should follow
    return value


def sanitize_html(markup: str) -> str:
    """The HTML body made safe to show: nh3's allow-list (no scripts, styles, forms or event handlers). Remote
    images stay in the markup; the page that shows it blocks them until an agent chooses to load them."""
    return nh3.clean(markup[:2_000_000], url_schemes=_MAIL_URL_SCHEMES, attribute_filter=_embedded_only_in_images,
                     link_rel="noopener noreferrer nofollow")
