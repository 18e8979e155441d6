"""Ticket attachments: an allowlist of types judged from name and content, bounded inspection, storage by hash.

A school support desk needs pictures, PDFs, Office documents, plain text and zip archives of those, so nothing
else is taken (docs/decisions.md, "Attachments"). A file passes only when its name (normalised the way Windows
reads it: no trailing dots or spaces, no alternate data stream, no device name) has an allowed extension AND its
bytes are of that kind. Archives are inspected with bounded streaming reads: members, nesting, declared and
actually decompressed bytes and the compression ratio are all capped, nothing is extracted, and a zip hidden
inside another file (after a junk prefix, appended to a PDF or a picture) is found by its signatures wherever it
starts. Office documents with macros or embedded programs are refused.

Files are stored outside the web root under ATTACHMENT_DIR as `<aa>/<bb>/<sha256>`, so the same file sent twice
is stored once and a name can never choose a path.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype
from flask import abort, current_app, send_file
from flask_babel import gettext

from support.extensions import db
from support.tickets.models import Attachment

MAX_FILES_PER_MESSAGE = 10
MAX_ARCHIVE_MEMBERS = 1000
MAX_ARCHIVE_DEPTH = 3
# Everything decompressed while inspecting one uploaded file, nested archives included.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# An archive inside an archive has to be held in memory to be opened.
MAX_NESTED_ARCHIVE_BYTES = 10 * 1024 * 1024
# Office XML compresses about 10:1 and a blank screenshot as BMP about 100:1; a bomb does 1000:1.
MAX_COMPRESSION_RATIO = 200
RATIO_APPLIES_FROM_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
HEAD_BYTES = 8192

IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
               "webp": "image/webp", "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp",
               "tif": "image/tiff", "tiff": "image/tiff"}
OFFICE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
# Extension → the kind of content it must hold.
ALLOWED_EXTENSIONS = {
    **dict.fromkeys(IMAGE_TYPES, "image"), "pdf": "pdf", **dict.fromkeys(OFFICE_TYPES, "office"), "rtf": "rtf",
    "txt": "text", "csv": "text", "log": "text", "zip": "zip",
}
MACRO_OFFICE_EXTENSIONS = frozenset({
    "docm", "dotm", "xlsm", "xltm", "xlsb", "xlam", "xla", "xll", "pptm", "potm", "ppam", "ppsm", "sldm",
})
# Binary Office formats can carry VBA and Excel 4.0 macros and OLE objects where we cannot reliably find them.
LEGACY_OFFICE_EXTENSIONS = frozenset({"doc", "dot", "xls", "xlt", "ppt", "pps", "pot", "wps", "pub"})
MAIL_EXTENSIONS = frozenset({"eml", "msg", "mbox", "emlx"})
# Programs, scripts and active content: refused as parts of Office documents (anything not in ALLOWED_EXTENSIONS
# is refused as a file or a zip member anyway).
DANGEROUS_EXTENSIONS = frozenset({
    "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "mst", "msix", "msixbundle", "appx", "appxbundle",
    "appinstaller", "application", "bat", "cmd", "ps1", "psm1", "psd1", "ps1xml", "vb", "vbs", "vbe", "js", "jse",
    "wsf", "wsh", "ws", "wsc", "sct", "hta", "chm", "hlp", "jar", "jnlp", "sh", "bash", "app", "lnk", "url",
    "website", "reg", "inf", "gadget", "apk", "dmg", "pkg", "deb", "rpm", "run", "bin", "elf", "appimage", "iso",
    "img", "vhd", "vhdx", "scf", "msc", "one", "onepkg", "iqy", "slk", "settingcontent-ms", "library-ms",
    "search-ms", "xbap", "cab", "diagcab", "py", "pyw", "ocx", "sys", "drv", "svg", "html", "htm", "mht", "mhtml",
    "xhtml", "shtml", "swf",
})
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                    b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!", b"dex\n", b"\x00asm")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
APPLE_DOUBLE_MAGIC = b"\x00\x05\x16\x07"
RESERVED_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"})
# Where a zip starts (local file header) or ends (end of central directory), wherever it sits in a file.
ZIP_SIGNATURES = re.compile(rb"PK\x03\x04|PK\x05\x06")
ZIP_LOOKAHEAD_BYTES = 30 + 1024
ZIP_METHODS = frozenset({0, 1, 6, 8, 9, 12, 14, 19, 93, 95, 96, 97, 98, 99})
# Errors the standard library raises on hostile archives; each one means "cannot be inspected".
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                  ValueError, OverflowError, LookupError, struct.error, zlib.error)


class AttachmentError(ValueError):
    """A file we will not take; the message is Swedish and names the file."""


class _Refusal(Exception):
    """Raised deep inside the inspection with the reason (a Swedish clause)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class IncomingFile:
    """A file on its way in: from a form upload, the API, or an e-mail part."""

    filename: str
    data: bytes
    content_id: str = ""  # an e-mail part's Content-ID, by which the HTML body shows it (cid:…)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Inspection:
    content_type: str
    dangerous: bool
    reason: str = ""


@dataclass
class _Budget:
    """Bytes that may still be decompressed while inspecting one file."""

    left: int
    members: int = 0

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise _Refusal(_too_big_unpacked())


def from_upload(storage) -> IncomingFile | None:
    """A werkzeug FileStorage → IncomingFile; None for an empty file input."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return IncomingFile(filename=clean_filename(storage.filename), data=storage.read())


def clean_filename(name: str) -> str:
    """The name Windows would give the file: only the last path component (either separator), no drive, no
    alternate data stream (`x.bat::$DATA` is `x.bat`), no trailing dots or spaces (`run.bat. ` is `run.bat`), no
    control or invisible formatting characters, no device name (`CON.txt`); Swedish letters are kept."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.split(":", 1)[0]
    name = "".join(ch for ch in name if ch not in '"<>|?*').strip(" .")
    if name.split(".", 1)[0].rstrip(" ").upper() in RESERVED_DEVICE_NAMES:
        name = f"_{name}"
    name = name or "bilaga"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 190] + dot + extension[:9]) if dot else name[:200]
    return name


def _extension(name: str) -> str:
    return PurePosixPath(name.lower()).suffix.lstrip(".")


def detect_type(data: bytes) -> str:
    """The MIME type the content shows, from its first bytes."""
    return _kind_of(data[:HEAD_BYTES])[1]


def _kind_of(head: bytes) -> tuple[str, str]:
    """(kind, MIME type) from a file's first bytes; kind is image, pdf, rtf, zip, ole, program, text or other."""
    if any(head.startswith(magic) for magic in EXECUTABLE_MAGIC):
        return "program", "application/x-msdownload"
    if head.startswith(b"PK\x03\x04"):
        return "zip", "application/zip"
    if head.startswith(OLE_MAGIC):
        return "ole", "application/x-ole-storage"
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf", "application/rtf"
    if _text_problem(head, final=False, decoder=_text_decoder(head)) is None:
        # Before filetype: its weaker signatures (BMP is "BM") would make "BMI per klass;…" a picture.
        return "text", "text/plain"
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in IMAGE_TYPES.values():
            return "image", kind.mime
        if kind.mime == "application/x-msdownload":
            return "program", kind.mime
        return "other", kind.mime
    return "other", "application/octet-stream"


_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _text_problem(chunk: bytes, *, final: bool, decoder=None) -> str | None:
    """None when the bytes read as text (UTF-8, Windows-1252 as Excel saves CSV, or UTF-16 with a byte order
    mark as Notepad saves it), else why not."""
    if decoder is not None:
        try:
            text = decoder.decode(chunk, final)
        except UnicodeDecodeError:
            return "not text"
        return "not text" if _CONTROL_CHARACTERS.search(text) else None
    return "not text" if _CONTROL_BYTES.search(chunk) else None


def _text_decoder(head: bytes):
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")()
    return None


def _is_plausible_zip_record(window: bytes, position: int) -> bool:
    """Whether the signature at `position` starts a real local file header or end-of-central-directory record,
    not four bytes that happen to spell PK\\3\\4 inside a photo."""
    if window[position + 2: position + 4] == b"\x05\x06":
        record = window[position: position + 22]
        if len(record) < 22:
            return False
        disk, cd_disk, entries_here, entries, cd_size = struct.unpack("<HHHHI", record[4:16])
        return disk == cd_disk == 0 and entries_here == entries > 0 and cd_size >= 46 * entries
    header = window[position: position + 30]
    if len(header) < 30:
        return False
    version, _flags, method = struct.unpack("<HHH", header[4:10])
    name_length = struct.unpack("<H", header[26:28])[0]
    name = window[position + 30: position + 30 + name_length]
    return ((version & 0xFF) <= 100 and method in ZIP_METHODS and 0 < name_length <= 1024
            and len(name) == name_length and not _CONTROL_BYTES.search(name))


def _stream_through(stream, budget: _Budget, head: bytes, kind: str) -> None:
    """Read the rest of a file or member after its `head` in chunks (never all at once), counting every byte
    against the budget, and refuse a zip hidden anywhere in it, text that is not text and RTF that carries
    embedded objects."""
    decoder = _text_decoder(head) if kind == "text" else None
    carry, chunk = b"", head
    while True:
        final = not chunk
        if kind == "text" and _text_problem(chunk, final=final, decoder=decoder):
            raise _Refusal(_mismatch("text"))
        window = carry + chunk
        end = len(window) if final else max(0, len(window) - ZIP_LOOKAHEAD_BYTES)
        for match in ZIP_SIGNATURES.finditer(window, 0, end + 3):
            if match.start() < end and _is_plausible_zip_record(window, match.start()):
                raise _Refusal(gettext("filen innehåller ett dolt arkiv"))
        if kind == "rtf" and re.search(rb"\\(obj|datastore)", window.replace(b"\r", b"").replace(b"\n", b"")):
            raise _Refusal(gettext("RTF-filen innehåller inbäddade objekt eller program"))
        if final:
            return
        carry = window[end:]
        chunk = stream.read(CHUNK_BYTES)
        budget.take(len(chunk))


def _read_limited(stream, limit: int, budget: _Budget) -> bytes:
    """At most `limit` bytes (a nested archive has to be in memory to be opened); more is refused."""
    parts, total = [], 0
    while chunk := stream.read(CHUNK_BYTES):
        budget.take(len(chunk))
        total += len(chunk)
        if total > limit:
            raise _Refusal(_too_big_unpacked())
        parts.append(chunk)
    return b"".join(parts)


def _too_big_unpacked() -> str:
    return gettext("arkivet blir för stort när det packas upp (högst %(size)s)", size=_megabytes(MAX_UNPACKED_BYTES))


def _mismatch(family: str) -> str:
    expected = {
        "image": gettext("en bild"), "pdf": gettext("en PDF-fil"), "office": gettext("ett Office-dokument"),
        "rtf": gettext("en RTF-fil"), "text": gettext("vanlig text"), "zip": gettext("ett zip-arkiv"),
    }[family]
    return gettext("innehållet är inte %(expected)s som filnamnet säger", expected=expected)


def _name_problem(name: str) -> str | None:
    """Why a file of this (cleaned) name is not taken, whatever it holds; None when the extension is allowed."""
    extension = _extension(name)
    if extension in ALLOWED_EXTENSIONS:
        return None
    if not extension:
        return gettext("filen saknar filändelse. Skicka bilder, PDF, Office-dokument, text eller zip")
    if extension in MACRO_OFFICE_EXTENSIONS:
        return gettext("Office-filer med makron (.%(ext)s) tas inte emot. Spara dokumentet utan makron, till "
                       "exempel som .docx, .xlsx eller .pptx", ext=extension)
    if extension in LEGACY_OFFICE_EXTENSIONS:
        return gettext("det äldre Office-formatet .%(ext)s kan dölja makron som inte går att kontrollera. Spara "
                       "filen som .docx, .xlsx eller .pptx och skicka den igen", ext=extension)
    if extension in MAIL_EXTENSIONS:
        return gettext("sparade e-postmeddelanden (.%(ext)s) kan bära egna bilagor som inte går att kontrollera. "
                       "Klistra in texten eller skicka bilagorna var för sig", ext=extension)
    return gettext("filtypen .%(ext)s tas inte emot. Skicka bilder, PDF, Office-dokument, text eller zip",
                   ext=extension)


def _unsafe_member_name(raw: str) -> bool:
    """A member name an unpacking tool could write outside its folder, over a device or into a stream."""
    parts = raw.replace("\\", "/").split("/")
    return (not raw or raw.startswith(("/", "\\")) or any(part not in ("", ".") and not part.strip(" .") for part in parts)
            or ":" in raw or any(unicodedata.category(ch)[0] == "C" for ch in raw))


def _is_plain_layout(archive: zipfile.ZipFile, data: bytes) -> bool:
    """Whether the archive is exactly its members, back to back from the first byte, then the central directory
    and its end record at the very end: nothing in front (a junk prefix), between or behind, so every tool that
    opens it (from the end or by streaming from the start) sees the members we inspected."""
    members = sorted(archive.infolist(), key=lambda info: info.header_offset)
    if not members or members[0].header_offset != 0:
        return False
    starts = [info.header_offset for info in members[1:]] + [archive.start_dir]
    for info, next_start in zip(members, starts, strict=True):
        header = data[info.header_offset: info.header_offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            return False
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        gap = next_start - (info.header_offset + 30 + name_length + extra_length + info.compress_size)
        if gap != 0 and not (info.flag_bits & 0x08 and gap in (12, 16, 20, 24)):  # a data descriptor
            return False
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 + struct.unpack("<H", data[end + 20: end + 22])[0] != len(data):
        return False
    directory_size, directory_offset = struct.unpack("<II", data[end + 12: end + 20])
    if 0xFFFFFFFF in (directory_size, directory_offset):
        return end > archive.start_dir  # zip64: its own end record and locator sit between
    return archive.start_dir + directory_size == end


def _open_zip(data: bytes, budget: _Budget) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        plain = _is_plain_layout(archive, data)
    except ARCHIVE_ERRORS as error:
        raise _Refusal(gettext("arkivet är trasigt eller kan inte kontrolleras")) from error
    if not plain:
        raise _Refusal(gettext("arkivet innehåller data utanför sina filer och kan inte kontrolleras"))
    members = archive.infolist()
    budget.members += len(members)
    if budget.members > MAX_ARCHIVE_MEMBERS:
        raise _Refusal(gettext("arkivet innehåller för många filer (högst %(count)s)", count=MAX_ARCHIVE_MEMBERS))
    if len({info.filename for info in members}) != len(members):
        raise _Refusal(gettext("arkivet innehåller flera filer med samma namn"))
    if sum(info.file_size for info in members) > budget.left:
        raise _Refusal(_too_big_unpacked())
    for info in members:
        if _unsafe_member_name(info.filename):
            raise _Refusal(gettext("arkivet innehåller ett filnamn som pekar ut ur arkivet (%(name)s)",
                                   name=clean_filename(info.filename)))
        if info.flag_bits & 0x1:
            raise _Refusal(gettext("arkivet är krypterat och kan inte kontrolleras"))
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise _Refusal(gettext("arkivet innehåller en länk (%(name)s)", name=clean_filename(info.filename)))
        if (info.file_size > RATIO_APPLIES_FROM_BYTES
                and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)):
            raise _Refusal(gettext("arkivet är packat på ett misstänkt sätt (en så kallad zip-bomb)"))
    return archive


def _office_structure(archive: zipfile.ZipFile, budget: _Budget) -> str:
    """"ooxml" or "odf" for an Office document's zip, "" for any other zip."""
    names = archive.namelist()
    if "[Content_Types].xml" in names:
        with archive.open("[Content_Types].xml") as stream:
            content_types = _read_limited(stream, 1024 * 1024, budget).lower()
        if b"macroenabled" in content_types or b"vbaproject" in content_types:
            raise _Refusal(_macros())
        return "ooxml"
    if names and names[0] == "mimetype":
        with archive.open("mimetype") as stream:
            if _read_limited(stream, 200, budget).startswith(b"application/vnd.oasis.opendocument"):
                return "odf"
    return ""


def _macros() -> str:
    return gettext("dokumentet innehåller makron eller inbäddade program")


OFFICE_ACTIVE_PARTS = re.compile(r"(^|/)(vbaproject\.bin|vbadata\.xml|activex/|embeddings/oleobject[^/]*\.bin$"
                                 r"|basic/|scripts/)", re.IGNORECASE)


def _inspect_zip(data: bytes, family: str, depth: int, budget: _Budget) -> None:
    """Refuse an archive (a .zip, or the zip inside an Office document) that is malformed, too big, too deep,
    or holds anything a .zip or an Office document of ours may not."""
    if depth > MAX_ARCHIVE_DEPTH:
        raise _Refusal(gettext("arkivet innehåller för många arkiv i varandra (högst %(count)s nivåer)",
                               count=MAX_ARCHIVE_DEPTH))
    archive = _open_zip(data, budget)
    try:
        structure = _office_structure(archive, budget)
    except ARCHIVE_ERRORS as error:
        raise _Refusal(gettext("arkivet är trasigt eller kan inte kontrolleras")) from error
    if family == "office" and not structure:
        raise _Refusal(_mismatch("office"))
    for info in archive.infolist():
        if info.is_dir():
            continue
        member = info.filename
        try:
            if structure:
                _inspect_office_part(archive, info, depth, budget)
            else:
                _inspect_content(clean_filename(member), lambda info=info: archive.open(info), depth, budget,
                                 member=member)
        except ARCHIVE_ERRORS as error:
            raise _Refusal(gettext("arkivet är trasigt eller kan inte kontrolleras")) from error
        except _Refusal as refusal:
            if structure:
                raise
            raise _Refusal(gettext("arkivet innehåller %(name)s: %(reason)s", name=clean_filename(member),
                                   reason=refusal.reason)) from refusal


def _inspect_office_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int, budget: _Budget) -> None:
    """A part of an Office document: XML, pictures, fonts, an embedded workbook… but no macros, no ActiveX, no
    embedded OLE objects or programs."""
    name = clean_filename(info.filename)
    if OFFICE_ACTIVE_PARTS.search(info.filename) or _extension(name) in DANGEROUS_EXTENSIONS | MACRO_OFFICE_EXTENSIONS:
        raise _Refusal(_macros())
    with archive.open(info) as stream:
        head = stream.read(HEAD_BYTES)
        budget.take(len(head))
        kind = _kind_of(head)[0]
        if kind == "program":
            raise _Refusal(_macros())
        if kind in ("zip", "ole"):
            if kind == "ole" or _extension(name) not in OFFICE_TYPES:
                raise _Refusal(_macros())
            nested = head + _read_limited(stream, MAX_NESTED_ARCHIVE_BYTES - len(head), budget)
            _inspect_zip(nested, "office", depth + 1, budget)


def _inspect_content(name: str, open_stream, depth: int, budget: _Budget, *, member: str | None = None) -> str:
    """Refuse (raise _Refusal) unless the name is allowed and the content is what the name says and passes its
    kind's checks; returns the content's MIME type. `open_stream()` gives a fresh binary stream; `member` is the
    raw name when the file is inside an archive at `depth`."""
    problem = _name_problem(name)
    family = ALLOWED_EXTENSIONS.get(_extension(name))
    with open_stream() as stream:
        head = stream.read(HEAD_BYTES)
        budget.take(len(head))
        kind, mime = _kind_of(head)
        if member is not None and _is_harmless_system_file(member, head):
            return mime
        if problem:
            raise _Refusal(problem)
        if kind == "program":
            raise _Refusal(gettext("filen är ett program (körbar fil)"))
        if kind == "zip" and family in ("zip", "office"):
            if member is None:  # the uploaded file itself, already in memory and within the size limit
                data = head + stream.read()
            else:
                data = head + _read_limited(stream, MAX_NESTED_ARCHIVE_BYTES - len(head), budget)
            _inspect_zip(data, family, depth if member is None else depth + 1, budget)
            return OFFICE_TYPES.get(_extension(name), mime)
        if kind != family:
            raise _Refusal(_mismatch(family))
        _stream_through(stream, budget, head, kind)
    return mime


def _is_harmless_system_file(member: str, head: bytes) -> bool:
    """The bookkeeping files macOS and Windows put in zips they make (__MACOSX/._x, .DS_Store, Thumbs.db)."""
    name = PurePosixPath(member).name.lower()
    return ((name.startswith("._") and head.startswith(APPLE_DOUBLE_MAGIC))
            or (name == ".ds_store" and head[4:8] == b"Bud1")
            or (name == "thumbs.db" and head.startswith(OLE_MAGIC)))


def inspect(file: IncomingFile) -> Inspection:
    """Judge a file by its (cleaned) name and its content together; `dangerous` with a Swedish reason when it is
    not taken. Reads at most MAX_UNPACKED_BYTES, in chunks, whatever the file claims to hold."""
    try:
        content_type = _inspect_content(clean_filename(file.filename), lambda: io.BytesIO(file.data), 0,
                                        _Budget(MAX_UNPACKED_BYTES))
    except _Refusal as refusal:
        return Inspection(detect_type(file.data), True, refusal.reason)
    return Inspection(content_type, False)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _refused(name: str, reason: str) -> AttachmentError:
    return AttachmentError(gettext("Filen %(name)s kan inte bifogas: %(reason)s.", name=name, reason=reason))


def validate(files, *, existing_bytes: int = 0) -> list[tuple[IncomingFile, Inspection]]:
    """Check the number, sizes and content of files about to be added to a ticket in one message; raise
    AttachmentError on the first problem. `existing_bytes` is what the ticket already holds."""
    config = current_app.config
    max_file, max_ticket = config["ATTACHMENT_MAX_FILE_BYTES"], config["ATTACHMENT_MAX_TICKET_BYTES"]
    files = [file for file in files if file is not None]
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise AttachmentError(gettext(
            "Du kan bifoga högst %(max)s filer åt gången men valde %(count)s. Skicka resten i ett nytt svar, eller "
            "samla dem i en zip-fil.", max=MAX_FILES_PER_MESSAGE, count=len(files)))
    checked = []
    total = existing_bytes
    for file in files:
        file.filename = clean_filename(file.filename)
        if file.size == 0:
            raise AttachmentError(gettext("Filen %(name)s är tom.", name=file.filename))
        if file.size > max_file:
            raise AttachmentError(gettext(
                "Filen %(name)s är för stor (%(size)s). Största tillåtna storlek är %(max)s per fil.",
                name=file.filename, size=_megabytes(file.size), max=_megabytes(max_file)))
        total += file.size
        if total > max_ticket:
            raise AttachmentError(gettext(
                "Bilagorna blir för stora tillsammans. Ett ärende kan ha högst %(max)s bilagor.",
                max=_megabytes(max_ticket)))
        inspection = inspect(file)
        if inspection.dangerous:
            raise _refused(file.filename, inspection.reason)
        checked.append((file, inspection))
    return checked


def storage_dir() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def path_for(sha256: str) -> Path:
    return storage_dir() / sha256[:2] / sha256[2:4] / sha256


def write_blob(data: bytes) -> str:
    """Store bytes by their SHA-256 (once) and return the hash."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{digest}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    return digest


def store(ticket, file: IncomingFile, inspection: Inspection | None = None, *, message=None, uploaded_by=None,
          quarantine: bool = False) -> Attachment:
    """Write the bytes and add an Attachment row. `quarantine=True` keeps a dangerous file (e.g. from e-mail)
    flagged `dangerous`; it is listed but never served."""
    inspection = inspection or inspect(file)
    if inspection.dangerous and not quarantine:
        raise _refused(clean_filename(file.filename), inspection.reason)
    attachment = Attachment(
        ticket=ticket, message=message, uploaded_by_id=getattr(uploaded_by, "id", None),
        filename=clean_filename(file.filename), content_type=inspection.content_type, size=file.size,
        sha256=write_blob(file.data), flags=["dangerous"] if inspection.dangerous else [],
        content_id=(file.content_id or "")[:255],
    )
    db.session.add(attachment)
    return attachment


def ticket_bytes(ticket) -> int:
    return sum(attachment.size for attachment in ticket.attachments)


def read_bytes(attachment: Attachment) -> bytes:
    return path_for(attachment.sha256).read_bytes()


def download_attachment(attachment: Attachment):
    """A Flask response that downloads the file (never displays it inline). The caller has already asked the
    policy (`can(user, "ticket.view", attachment.ticket)` and, for internal notes' files, "ticket.view_internal")."""
    if attachment.is_dangerous:
        abort(404)
    path = path_for(attachment.sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type or "application/octet-stream", as_attachment=True,
                         download_name=attachment.filename, max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
