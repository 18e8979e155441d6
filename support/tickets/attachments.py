"""Ticket attachments: validation (size, type from content, no executables), storage by hash, safe download.

Files are stored outside the web root under ATTACHMENT_DIR as `<aa>/<bb>/<sha256>`, so the same file sent twice
is stored once and a name can never choose a path. The type is detected from the bytes (`filetype`), never from
the name; executables, scripts and archives that contain them (zip and tar are opened and every member's name
and first bytes checked) are refused with a Swedish message. Archives that cannot be inspected (encrypted zip,
rar, 7z, cab) are refused too.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype
from flask import abort, current_app, send_file

from support.extensions import db
from support.tickets.models import Attachment

DANGEROUS_EXTENSIONS = frozenset({
    "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "mst", "bat", "cmd", "ps1", "psm1", "vbs", "vbe",
    "js", "jse", "wsf", "wsh", "hta", "jar", "sh", "bash", "app", "lnk", "reg", "inf", "gadget", "apk", "dmg",
    "pkg", "deb", "rpm", "run", "bin", "elf", "appimage", "iso", "img", "vhd", "vhdx", "scf", "url", "msc",
})
EXECUTABLE_MIME_TYPES = frozenset({
    "application/x-msdownload", "application/x-executable", "application/x-mach-binary",
    "application/x-sharedlib", "application/x-rpm", "application/x-deb", "application/x-google-chrome-extension",
    "application/x-shockwave-flash",
})
UNINSPECTABLE_ARCHIVES = frozenset({
    "application/x-rar-compressed", "application/x-7z-compressed", "application/vnd.ms-cab-compressed",
    "application/x-xz", "application/x-lzip", "application/x-lz4", "application/x-lzop", "application/x-compress",
    "application/x-unix-archive", "application/x-brotli",
})
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                    b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
MAX_ARCHIVE_MEMBERS = 2000
MAX_ARCHIVE_DEPTH = 3


class AttachmentError(ValueError):
    """A file we will not take; the message is Swedish and names the file."""


@dataclass
class IncomingFile:
    """A file on its way in: from a form upload, the API, or an e-mail part."""

    filename: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Inspection:
    content_type: str
    dangerous: bool
    reason: str = ""


def from_upload(storage) -> IncomingFile | None:
    """A werkzeug FileStorage → IncomingFile; None for an empty file input."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return IncomingFile(filename=clean_filename(storage.filename), data=storage.read())


def clean_filename(name: str) -> str:
    """Only the last path component, without control characters or quotes; Swedish letters are kept."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*')
    name = name.strip().strip(".") or "bilaga"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 190] + dot + extension[:9]) if dot else name[:200]
    return name


def _extension(name: str) -> str:
    return PurePosixPath(name.lower()).suffix.lstrip(".")


def detect_type(data: bytes) -> str:
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime
    if data[:5] == b"%PDF-":
        return "application/pdf"
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def _looks_executable(head: bytes) -> bool:
    if any(head.startswith(magic) for magic in EXECUTABLE_MAGIC):
        return True
    kind = filetype.guess(head)
    return kind is not None and kind.mime in EXECUTABLE_MIME_TYPES


def _archive_problem(data: bytes, depth: int = 0) -> str:
    """Why an archive is refused ("" when it is fine). Opens zip and tar archives, nested ones too."""
    if depth > MAX_ARCHIVE_DEPTH:
        return "arkivet innehåller för många arkiv i varandra"
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            return "arkivet är trasigt"
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            return "arkivet innehåller för många filer"
        for member in members:
            if member.is_dir():
                continue
            if _extension(member.filename) in DANGEROUS_EXTENSIONS:
                return f"arkivet innehåller en körbar fil ({clean_filename(member.filename)})"
            if member.flag_bits & 0x1:
                return "arkivet är krypterat och kan inte kontrolleras"
            with archive.open(member) as handle:
                head = handle.read(8192)
            if _looks_executable(head):
                return f"arkivet innehåller en körbar fil ({clean_filename(member.filename)})"
            if head[:4] == b"PK\x03\x04" or _is_tar_like(head):
                with archive.open(member) as handle:
                    problem = _archive_problem(handle.read(), depth + 1)
                if problem:
                    return problem
        return ""
    if _is_tar_like(data[:8192]):
        try:
            archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed by `with` below
        except (tarfile.TarError, EOFError, OSError):
            return ""  # a gzip of a single non-tar file: checked by its content below
        with archive:
            for count, member in enumerate(archive):
                if count > MAX_ARCHIVE_MEMBERS:
                    return "arkivet innehåller för många filer"
                if not member.isfile():
                    continue
                if _extension(member.name) in DANGEROUS_EXTENSIONS or member.mode & 0o111:
                    return f"arkivet innehåller en körbar fil ({clean_filename(member.name)})"
                handle = archive.extractfile(member)
                head = handle.read(8192) if handle else b""
                if _looks_executable(head):
                    return f"arkivet innehåller en körbar fil ({clean_filename(member.name)})"
                if head[:4] == b"PK\x03\x04" or _is_tar_like(head):
                    problem = _archive_problem(head + (handle.read() if handle else b""), depth + 1)
                    if problem:
                        return problem
    return ""


def _is_tar_like(head: bytes) -> bool:
    kind = filetype.guess(head)
    return kind is not None and kind.mime in ("application/x-tar", "application/gzip", "application/x-bzip2")


def inspect(file: IncomingFile) -> Inspection:
    """Detect the type from the content and decide whether the file is dangerous."""
    content_type = detect_type(file.data)
    if _extension(file.filename) in DANGEROUS_EXTENSIONS:
        return Inspection(content_type, True, "körbara filer och skript tas inte emot")
    if _looks_executable(file.data[:8192]):
        return Inspection(content_type, True, "filen är ett program (körbar fil)")
    if content_type in UNINSPECTABLE_ARCHIVES:
        return Inspection(content_type, True, "arkiv av den här typen kan inte kontrolleras; skicka zip i stället")
    problem = _archive_problem(file.data)
    if problem:
        return Inspection(content_type, True, problem)
    return Inspection(content_type, False)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def validate(files, *, existing_bytes: int = 0) -> list[tuple[IncomingFile, Inspection]]:
    """Check sizes and content of files about to be added to a ticket; raise AttachmentError on the first
    problem. `existing_bytes` is what the ticket already holds."""
    config = current_app.config
    max_file, max_ticket = config["ATTACHMENT_MAX_FILE_BYTES"], config["ATTACHMENT_MAX_TICKET_BYTES"]
    checked = []
    total = existing_bytes
    for file in files:
        if file is None:
            continue
        if file.size == 0:
            raise AttachmentError(f"Filen {file.filename} är tom.")
        if file.size > max_file:
            raise AttachmentError(
                f"Filen {file.filename} är för stor ({_megabytes(file.size)}). Största tillåtna storlek är "
                f"{_megabytes(max_file)} per fil.")
        total += file.size
        if total > max_ticket:
            raise AttachmentError(
                f"Bilagorna blir för stora tillsammans. Ett ärende kan ha högst {_megabytes(max_ticket)} bilagor.")
        inspection = inspect(file)
        if inspection.dangerous:
            raise AttachmentError(
                f"Filen {file.filename} kan inte bifogas: {inspection.reason}. Av säkerhetsskäl tar vi inte emot "
                "program, skript eller arkiv som innehåller sådana.")
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
        raise AttachmentError(f"Filen {file.filename} kan inte bifogas: {inspection.reason}.")
    attachment = Attachment(
        ticket=ticket, message=message, uploaded_by_id=getattr(uploaded_by, "id", None),
        filename=clean_filename(file.filename), content_type=inspection.content_type, size=file.size,
        sha256=write_blob(file.data), flags=["dangerous"] if inspection.dangerous else [],
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
