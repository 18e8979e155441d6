"""Attachments: limits, an allowlist judged from name and content, bounded archive inspection, stored by hash."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import tarfile
import tracemalloc
import zipfile
import zlib

import pytest

from support.extensions import db
from support.tickets import attachments, service
from support.tickets.attachments import AttachmentError, IncomingFile
from support.tickets.commands import Filing

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200
MB = 1024 * 1024


def zip_of(*pairs, **members: bytes) -> bytes:
    """A zip of (name, data) pairs and name=data members; names are written exactly as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*pairs, *members.items()]:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def docx(*extra_parts, content_types: bytes = b"") -> bytes:
    types = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             b'wordprocessingml.document.main+xml"/>' + content_types + b"</Types>")
    return zip_of(("[Content_Types].xml", types), ("word/document.xml", b"<w:document>Hej</w:document>"),
                  ("word/media/image1.png", PNG), *extra_parts)


def odt(*extra_parts) -> bytes:
    return zip_of(("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>"),
                  *extra_parts)


def text_bomb(unpacked_bytes: int, *, declared_bytes: int | None = None) -> bytes:
    """A zip with one text member of `unpacked_bytes` spaces, built from one compressed megabyte repeated (a full
    flush makes every block identical), so a 500 MB member costs the test a fraction of a second. The central
    directory may declare another size (a lying header)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b" " * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * (unpacked_bytes // MB) + compressor.flush()
    crc = 0
    for _ in range(unpacked_bytes // MB):
        crc = zlib.crc32(b" " * MB, crc)
    declared = unpacked_bytes if declared_bytes is None else declared_bytes
    name = b"lektionsplanering.txt"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), declared, len(name), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(stream), declared,
                          len(name), 0, 0, 0, 0, 0, 0)
    directory_offset = len(local) + len(name) + len(stream)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), directory_offset, 0)
    return local + name + stream + central + name + end


@pytest.fixture
def unpacked_bytes_read(monkeypatch):
    """Counts every byte handed out by zipfile's member streams while inspecting."""
    counter = {"bytes": 0}
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original(self, n)
        counter["bytes"] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counter


def readable(value) -> str:
    """Test ids: names as they are, file contents as "-"."""
    return value if isinstance(value, str) else "-"


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(AttachmentError) as caught:
        attachments.validate([IncomingFile(name, data)])
    return str(caught.value)


# --- types: an allowlist, judged from name and content together ------------------------------------------------

def test_type_is_detected_from_content_within_the_family_the_name_says(app):
    inspection = attachments.inspect(IncomingFile("skarmbild.jpg", PNG))
    assert inspection.content_type == "image/png" and not inspection.dangerous


@pytest.mark.parametrize("name, data", ids=readable, argvalues=[
    ("bild.png", PNG), ("foto.JPG", JPEG), ("animation.gif", GIF), ("schema.pdf", PDF),
    ("brev.docx", docx()), ("protokoll.odt", odt()), ("brev.rtf", b"{\\rtf1\\ansi Hej {\\b v\\'e4rlden}}"),
    ("logg.txt", "Fel vid inloggning: användaren saknas\r\n".encode()),
    ("elever.csv", "Namn;Klass\r\nÅsa Öberg;7B\r\n".encode("cp1252")),
    ("bmi.csv", b"BMI per klass;7B;8A\r\n"), ("id3.txt", b"ID3-taggar saknas\n"),
    ("anteckning.txt", "Skärmläsaren läser fel".encode("utf-16")),
    ("bilder.zip", zip_of(**{"a.png": PNG, "mapp/b.pdf": PDF, "c.docx": docx(), "d.txt": b"hej"})),
    ("fran-mac.zip", zip_of(**{"a.png": PNG, "__MACOSX/._a.png": b"\x00\x05\x16\x07\x00\x02\x00\x00"})),
])
def test_files_a_school_sends_are_accepted(app, name, data):
    assert attachments.validate([IncomingFile(name, data)])[0][1].dangerous is False


@pytest.mark.parametrize("extension", [
    "chm", "one", "hta", "msix", "appx", "exe", "scr", "bat", "ps1", "vbs", "js", "lnk", "iso", "img", "vhd",
    "html", "svg", "xml", "jar", "7z", "rar", "gz", "tar", "cab", "mp4", "py", "iqy", "slk", "url", "reg",
])
def test_types_outside_the_allowlist_are_refused_with_a_swedish_message(app, extension):
    message = refusal(f"fil.{extension}", b"hej")
    assert f"Filen fil.{extension} kan inte bifogas: filtypen .{extension} tas inte emot." in message
    assert "Skicka bilder, PDF, Office-dokument, text eller zip" in message


@pytest.mark.parametrize("extension", ["docm", "dotm", "xlsm", "xltm", "xlam", "xll", "pptm", "ppsm", "xlsb"])
def test_macro_enabled_office_files_are_refused(app, extension):
    assert "Office-filer med makron" in refusal(f"budget.{extension}", docx())


@pytest.mark.parametrize("extension", ["doc", "xls", "ppt"])
def test_legacy_office_files_are_refused_with_advice_to_save_them_again(app, extension):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert "Spara filen som .docx, .xlsx eller .pptx" in refusal(f"blankett.{extension}", ole)


@pytest.mark.parametrize("extension", ["eml", "msg"])
def test_saved_mails_are_refused_because_their_own_attachments_cannot_be_checked(app, extension):
    assert "egna bilagor" in refusal(f"vidarebefordrat.{extension}", b"From: a@example.com\r\n\r\nHej")


@pytest.mark.parametrize("name, data, expected", ids=readable, argvalues=[
    ("bild.png", PDF, "innehållet är inte en bild"),
    ("schema.pdf", PNG, "innehållet är inte en PDF-fil"),
    ("brev.docx", zip_of(**{"a.txt": b"hej"}), "innehållet är inte ett Office-dokument"),
    ("brev.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "innehållet är inte ett Office-dokument"),
    ("logg.txt", b"\x00\x01\x02binary", "innehållet är inte vanlig text"),
    ("bilder.zip", PNG, "innehållet är inte ett zip-arkiv"),
])
def test_a_name_that_says_one_type_over_other_content_is_refused(app, name, data, expected):
    assert expected in refusal(name, data)


def test_executable_is_refused_even_with_an_innocent_name(app):
    with pytest.raises(AttachmentError, match="program"):
        attachments.validate([IncomingFile("schema.pdf", EXE)])


def test_script_by_name_is_refused(app):
    with pytest.raises(AttachmentError, match="kan inte bifogas"):
        attachments.validate([IncomingFile("fixa.bat", b"del C:\\*")])


@pytest.mark.parametrize("name, data", ids=readable, argvalues=[
    ("budget.docx", docx(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504))),
    ("budget.docx", docx(content_types=b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                                       b'vbaProject"/>')),
    ("budget.docx", docx(content_types=b'<Override PartName="/word/document.xml" ContentType="application/'
                                       b'vnd.ms-word.document.macroEnabled.main+xml"/>')),
    ("budget.docx", docx(("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504))),
    ("budget.docx", docx(("word/activeX/activeX1.xml", b"<ax/>"))),
    ("budget.docx", docx(("word/media/image2.png", EXE))),
    ("budget.docx", docx(("word/embeddings/paket.zip", zip_of(**{"a.txt": b"x"})))),
    ("budget.docx", docx(("word/embeddings/Blad.xlsx", docx(("xl/vbaProject.bin", b"x"))))),
    ("protokoll.odt", odt(("Basic/Standard/Module1.xml", b"<script:module/>"))),
])
def test_office_documents_with_macros_or_embedded_programs_are_refused_whatever_their_name(app, name, data):
    assert "dokumentet innehåller makron eller inbäddade program" in refusal(name, data)


def test_rtf_with_an_embedded_object_is_refused(app):
    rtf = b"{\\rtf1{\\object\\objemb{\\*\\ob\r\njdata 0105000002000000}}}"
    assert "RTF-filen innehåller inbäddade objekt" in refusal("brev.rtf", rtf)


# --- names: judged the way Windows reads them ------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\skärmbild åäö.png", "skärmbild åäö.png"),
    ("", "bilaga"),
    ("run.bat.", "run.bat"),
    ("run.bat ", "run.bat"),
    ("run.bat. . .", "run.bat"),
    ("run.bat::$DATA", "run.bat"),
    ("bild.png:gömd.exe", "bild.png"),
    ("x::$DATA", "x"),
    ("C:run.bat", "C"),
    ("CON.txt", "_CON.txt"),
    ("lpt1", "_lpt1"),
    ("com¹.png", "_com¹.png"),
    ("fakt\u202eexe.pdf", "faktexe.pdf"),
    ("rapp\x00ort.pdf", "rapport.pdf"),
])
def test_file_names_are_normalised_the_way_windows_reads_them(app, raw, cleaned):
    assert attachments.clean_filename(raw) == cleaned


@pytest.mark.parametrize("name", ["run.bat.", "run.bat ", "run.bat::$DATA", "x::$DATA", "setup.exe. ", "a.hta:z"])
def test_names_windows_would_shorten_are_refused_by_the_shortened_name(app, name):
    message = refusal(name, b"@echo off\r\n")
    assert "kan inte bifogas" in message and ("tas inte emot" in message or "saknar filändelse" in message)


@pytest.mark.parametrize("member", [
    "../evil.png", "..\\evil.png", "bilder/../../evil.png", "/etc/evil.png", "\\\\server\\share\\evil.png",
    "C:/Users/evil.png", "evil.png::$DATA", "bilder/.. /evil.png", "e\x01vil.png", "fakt\u202egnp.exe",
])
def test_zip_members_that_point_out_of_the_folder_are_refused(app, member):
    assert "pekar ut ur arkivet" in refusal("bilder.zip", zip_of((member, PNG)))


def test_zip_members_are_judged_by_the_same_allowlist(app):
    assert "arkivet innehåller start.exe: filtypen .exe tas inte emot" in refusal(
        "bilder.zip", zip_of(**{"bild.png": PNG, "mapp/start.exe": b"x"}))
    assert "arkivet innehåller setup.txt: filen är ett program" in refusal(
        "bilder.zip", zip_of(**{"bild.png": PNG, "setup.txt": EXE}))
    assert "arkivet innehåller run.bat: filtypen .bat" in refusal("bilder.zip", zip_of(("run.bat. ", b"@echo")))
    assert "arkivet innehåller hjalp.chm" in refusal("bilder.zip", zip_of(**{"hjalp.chm": b"ITSF"}))
    assert "innehållet är inte en bild" in refusal("bilder.zip", zip_of(**{"bild.png": PDF}))


def test_zip_inside_a_zip_is_inspected(app):
    inner = zip_of(**{"virus.scr": b"x"})
    assert "arkivet innehåller inner.zip: arkivet innehåller virus.scr" in refusal(
        "paket.zip", zip_of(**{"inner.zip": inner}))


def test_nested_zips_past_the_depth_limit_are_refused(app):
    archive = zip_of(**{"bild.png": PNG})
    for level in range(attachments.MAX_ARCHIVE_DEPTH):
        archive = zip_of(**{f"niva{level}.zip": archive})
    assert attachments.validate([IncomingFile("paket.zip", archive)])
    assert "för många arkiv i varandra" in refusal("paket.zip", zip_of(**{"en-till.zip": archive}))


def test_tar_gz_is_refused_even_when_it_holds_an_executable(app):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("run.sh")
        data = b"#!/bin/sh\necho hej\n"
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    assert "filtypen .gz tas inte emot" in refusal("logs.tar.gz", buffer.getvalue())


def test_archive_with_too_many_members_is_refused(app):
    members = [(f"{index}.txt", b"x") for index in range(attachments.MAX_ARCHIVE_MEMBERS + 1)]
    assert "för många filer" in refusal("loggar.zip", zip_of(*members))


def test_encrypted_zip_is_refused(app):
    archive = bytearray(zip_of(**{"a.txt": b"hej"}))
    archive[6] |= 0x1  # the local header's flag
    archive[archive.find(b"PK\x01\x02") + 8] |= 0x1  # and the central directory's
    assert "krypterat" in refusal("hemligt.zip", bytes(archive))


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_zip_with_two_members_of_the_same_name_is_refused(app):
    assert "samma namn" in refusal("bilder.zip", zip_of(("a.png", PNG), ("a.png", EXE)))


# --- archives hidden where they do not belong ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["paket.zip", "schema.pdf", "bild.png", "logg.txt", "brev.docx", "brev.rtf"])
def test_zip_with_a_junk_prefix_carrying_an_exe_is_refused_whatever_its_name(app, name):
    prefix = {"schema.pdf": PDF, "bild.png": PNG, "brev.rtf": b"{\\rtf1 hej}"}.get(name, b"junk " * 100)
    message = refusal(name, prefix + zip_of(**{"setup.exe": EXE}))
    assert "kan inte bifogas" in message


def test_pdf_with_an_appended_zip_is_refused(app):
    polyglot = PDF + zip_of(**{"faktura.exe": EXE})
    assert "filen innehåller ett dolt arkiv" in refusal("faktura.pdf", polyglot)


def test_png_with_a_zip_in_the_middle_is_refused(app):
    polyglot = PNG[:-12] + zip_of(**{"a.txt": b"hej"}) + PNG[-12:]
    assert "filen innehåller ett dolt arkiv" in refusal("bild.png", polyglot)


def test_zip_hidden_past_the_first_chunk_is_found_across_chunk_boundaries(app):
    hidden = zip_of(**{"setup.exe": EXE})
    for filler in range(attachments.CHUNK_BYTES - 40, attachments.CHUNK_BYTES + 4, 7):
        assert "dolt arkiv" in refusal("schema.pdf", PDF + b"%" * filler + hidden)


def test_zip_with_a_second_zip_appended_is_refused(app):
    first = zip_of(**{"a.png": PNG})
    assert "data utanför sina filer" in refusal("bilder.zip", first + zip_of(**{"setup.exe": EXE}))
    assert "data utanför sina filer" in refusal("bilder.zip", first + b"junk")


@pytest.mark.parametrize("seed", range(4))
def test_damaged_archives_are_refused_or_accepted_but_never_crash(app, seed):
    rng = random.Random(seed)
    originals = [docx(), odt(), zip_of(**{"a.png": PNG, "b.zip": zip_of(**{"c.txt": b"hej"})}), PDF + b"PK\x03\x04"]
    for _ in range(300):
        data = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(data))
            if rng.random() < 0.7:
                data[position] = rng.randrange(256)
            else:
                del data[position: position + rng.randint(1, 20)]
        inspection = attachments.inspect(IncomingFile(rng.choice(["a.docx", "a.odt", "a.zip", "a.pdf"]), bytes(data)))
        assert inspection.dangerous is False or inspection.reason


# --- bounds: archive bombs cost a bounded amount of work and memory --------------------------------------------

def test_zip_bomb_is_refused_before_anything_is_unpacked(app, unpacked_bytes_read):
    bomb = text_bomb(500 * MB)
    assert len(bomb) < 600 * 1024
    tracemalloc.start()
    try:
        message = refusal("lektioner.zip", bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "för stort när det packas upp" in message
    assert unpacked_bytes_read["bytes"] == 0
    assert peak < 10 * len(bomb)


def test_zip_bomb_with_a_lying_size_is_read_no_further_than_the_size_it_declares(app, unpacked_bytes_read):
    message = refusal("lektioner.zip", text_bomb(500 * MB, declared_bytes=2 * MB))
    assert "arkivet är trasigt" in message
    assert MB < unpacked_bytes_read["bytes"] <= 2 * MB


def test_highly_compressed_member_is_refused_as_a_bomb(app):
    assert "zip-bomb" in refusal("lektioner.zip", text_bomb(20 * MB))


def test_inspection_stops_at_the_unpacked_byte_budget_across_nested_archives(app, monkeypatch,
                                                                             unpacked_bytes_read):
    monkeypatch.setattr(attachments, "MAX_UNPACKED_BYTES", 3 * MB)
    inner = zip_of(**{"sida.txt": b" " * (900 * 1024)})
    message = refusal("sidor.zip", zip_of(*[(f"del{n}.zip", inner) for n in range(5)]))
    assert "för stort när det packas upp (högst 3 MB)" in message
    assert 2 * MB < unpacked_bytes_read["bytes"] <= 3 * MB


# --- limits ----------------------------------------------------------------------------------------------------

def test_more_than_ten_files_in_one_message_are_refused(app):
    files = [IncomingFile(f"bild{index}.png", PNG) for index in range(attachments.MAX_FILES_PER_MESSAGE + 1)]
    with pytest.raises(AttachmentError, match="högst 10 filer åt gången men valde 11"):
        attachments.validate(files)
    assert len(attachments.validate(files[:-1])) == attachments.MAX_FILES_PER_MESSAGE


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
        service.file_ticket(Filing(subject="Fil", body="Se bifogad", channel="web", requester=org.guardian_a,
                              attachments=[IncomingFile("x.exe", EXE)]))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


# --- the web form ----------------------------------------------------------------------------------------------

def _reply(client, ticket, *files):
    return client.post(f"/arenden/{ticket.number}/svar", content_type="multipart/form-data",
                       data={"body": "Se bifogade filer", "attachments": [(io.BytesIO(d), n) for n, d in files]})


def _refused_reply_page(org, new_ticket, login_as, *files) -> str:
    """Sends files with a reply; asserts the form came back (400) with the text kept and nothing stored."""
    ticket = new_ticket(org.guardian_a)
    response = _reply(login_as(org.guardian_a), ticket, *files)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Se bifogade filer" in page
    db.session.expire_all()
    assert db.session.get(type(ticket), ticket.id).attachments == []
    return page


@pytest.mark.parametrize("name, data, expected", ids=readable, argvalues=[
    ("lektioner.zip", text_bomb(500 * MB), "arkivet blir för stort när det packas upp"),
    ("hjalp.chm", b"ITSF\x03\x00\x00\x00", "filtypen .chm tas inte emot"),
    ("faktura.pdf", PDF + zip_of(**{"faktura.exe": EXE}), "filen innehåller ett dolt arkiv"),
    ("run.bat. ", b"@echo off", "Filen run.bat kan inte bifogas"),
    ("bilder.zip", zip_of(("../../start.png", PNG)), "pekar ut ur arkivet"),
    ("budget.docm", docx(), "Office-filer med makron"),
])
def test_reply_form_refuses_hostile_files_with_a_swedish_message_and_keeps_the_text(
        org, new_ticket, login_as, name, data, expected):
    assert expected in _refused_reply_page(org, new_ticket, login_as, (name, data))


def test_reply_form_refuses_more_than_ten_files_and_keeps_the_text(org, new_ticket, login_as):
    page = _refused_reply_page(org, new_ticket, login_as, *[(f"bild{n}.png", PNG) for n in range(500)])
    assert "högst 10 filer åt gången men valde 500" in page


def test_reply_form_takes_ten_files(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = _reply(login_as(org.guardian_a), ticket, *[(f"bild{n}.png", PNG) for n in range(10)])
    assert response.status_code == 302
    db.session.expire_all()
    assert len(db.session.get(type(ticket), ticket.id).attachments) == 10


# --- storage and download --------------------------------------------------------------------------------------

def test_files_are_stored_once_by_content_hash_outside_the_web_root(app, org, new_ticket):
    first = new_ticket(attachments=[IncomingFile("bild.png", PNG)])
    second = new_ticket(attachments=[IncomingFile("samma.png", PNG)])
    digest = hashlib.sha256(PNG).hexdigest()
    assert first.attachments[0].sha256 == second.attachments[0].sha256 == digest
    path = attachments.path_for(digest)
    assert path.read_bytes() == PNG and str(path).startswith(app.config["ATTACHMENT_DIR"])
    assert "static" not in path.parts


def test_download_is_an_attachment_with_nosniff(app, org, new_ticket):
    ticket = new_ticket(attachments=[IncomingFile("sida.txt", b"<script>alert(1)</script>")])
    with app.test_request_context():
        response = attachments.download_attachment(ticket.attachments[0])
        response.direct_passthrough = False
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.get_data() == b"<script>alert(1)</script>"


@pytest.mark.parametrize("name, data", ids=readable, argvalues=[
    ("faktura.exe", EXE), ("hjalp.chm", b"ITSF"), ("lektioner.zip", text_bomb(500 * MB)),
    ("faktura.pdf", PDF + zip_of(**{"faktura.exe": EXE})),
])
def test_quarantined_file_from_email_is_flagged_and_never_served(app, org, new_ticket, name, data):
    from werkzeug.exceptions import NotFound

    ticket = new_ticket()
    stored = attachments.store(ticket, IncomingFile(name, data), quarantine=True)
    db.session.commit()
    assert stored.flags == ["dangerous"]
    with app.test_request_context(), pytest.raises(NotFound):
        attachments.download_attachment(stored)
