"""Attachments: limits, types from content, executables and archives with executables refused, stored by hash."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import pytest

from support.extensions import db
from support.tickets import attachments, service
from support.tickets.attachments import AttachmentError, IncomingFile

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00" + b"\x00" * 200


def zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_type_is_detected_from_content_not_name(app):
    inspection = attachments.inspect(IncomingFile("skarmbild.pdf", PNG))
    assert inspection.content_type == "image/png" and not inspection.dangerous


def test_executable_is_refused_even_with_an_innocent_name(app):
    with pytest.raises(AttachmentError, match="program"):
        attachments.validate([IncomingFile("schema.pdf", EXE)])


def test_script_by_name_is_refused(app):
    with pytest.raises(AttachmentError, match="kan inte bifogas"):
        attachments.validate([IncomingFile("fixa.bat", b"del C:\\*")])


def test_zip_containing_an_executable_is_refused(app):
    with pytest.raises(AttachmentError, match="körbar fil"):
        attachments.validate([IncomingFile("bilder.zip", zip_of(**{"bild.png": PNG, "setup.txt": EXE}))])
    with pytest.raises(AttachmentError, match="körbar fil"):
        attachments.validate([IncomingFile("bilder.zip", zip_of(**{"mapp/start.exe": b"x"}))])


def test_zip_inside_a_zip_is_inspected(app):
    inner = zip_of(**{"virus.scr": b"x"})
    with pytest.raises(AttachmentError, match="körbar fil"):
        attachments.validate([IncomingFile("paket.zip", zip_of(**{"inner.zip": inner}))])


def test_tar_gz_with_an_executable_is_refused(app):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("run.sh")
        data = b"#!/bin/sh\necho hej\n"
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(AttachmentError, match="körbar fil"):
        attachments.validate([IncomingFile("logs.tar.gz", buffer.getvalue())])


def test_harmless_zip_and_office_files_are_accepted(app):
    checked = attachments.validate([IncomingFile("bilder.zip", zip_of(**{"a.png": PNG, "b.txt": b"hej"}))])
    assert checked[0][1].content_type == "application/zip"


def test_file_over_the_per_file_limit_is_refused_with_the_limit_in_the_message(app):
    app.config["ATTACHMENT_MAX_FILE_BYTES"] = 1024 * 1024
    with pytest.raises(AttachmentError, match="1 MB per fil"):
        attachments.validate([IncomingFile("stor.txt", b"a" * (1024 * 1024 + 1))])


def test_ticket_total_limit_counts_existing_attachments(app, org, new_ticket):
    app.config["ATTACHMENT_MAX_TICKET_BYTES"] = 3000
    ticket = new_ticket(attachments=[IncomingFile("a.txt", b"a" * 2000)])
    with pytest.raises(AttachmentError, match="högst"):
        service.reply(ticket, author=org.guardian_a, body="En till", attachments=[IncomingFile("b.txt", b"b" * 1500)])


def test_refused_attachment_creates_no_ticket(app, org):
    from sqlalchemy import func, select

    from support.tickets.models import Ticket

    with pytest.raises(AttachmentError):
        service.create_ticket(subject="Fil", body="Se bifogad", channel="web", requester=org.guardian_a,
                              attachments=[IncomingFile("x.exe", EXE)])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_files_are_stored_once_by_content_hash_outside_the_web_root(app, org, new_ticket):
    first = new_ticket(attachments=[IncomingFile("bild.png", PNG)])
    second = new_ticket(attachments=[IncomingFile("samma.png", PNG)])
    digest = hashlib.sha256(PNG).hexdigest()
    assert first.attachments[0].sha256 == second.attachments[0].sha256 == digest
    path = attachments.path_for(digest)
    assert path.read_bytes() == PNG and str(path).startswith(app.config["ATTACHMENT_DIR"])
    assert "static" not in path.parts


def test_file_names_cannot_choose_a_path(app):
    assert attachments.clean_filename("../../etc/passwd") == "passwd"
    assert attachments.clean_filename("C:\\Users\\x\\skärmbild åäö.png") == "skärmbild åäö.png"
    assert attachments.clean_filename("") == "bilaga"


def test_download_is_an_attachment_with_nosniff(app, org, new_ticket):
    ticket = new_ticket(attachments=[IncomingFile("sida.html", b"<script>alert(1)</script>")])
    with app.test_request_context():
        response = attachments.download_attachment(ticket.attachments[0])
        response.direct_passthrough = False
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.get_data() == b"<script>alert(1)</script>"


def test_quarantined_file_from_email_is_flagged_and_never_served(app, org, new_ticket):
    from werkzeug.exceptions import NotFound

    ticket = new_ticket()
    stored = attachments.store(ticket, IncomingFile("faktura.exe", EXE), quarantine=True)
    db.session.commit()
    assert stored.flags == ["dangerous"]
    with app.test_request_context(), pytest.raises(NotFound):
        attachments.download_attachment(stored)
