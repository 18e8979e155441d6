"""Inbound mail throughput: our `support smtp` beside the same aiosmtpd that only answers 250 (the ceiling).

    .venv/bin/python bench/smtp_ingest.py [--messages 5000] [--connections 1 4]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/smtp_ingest.py

Each server runs as its own process, as in production; the client streams realistic mail (Swedish text, a quarter
replies with In-Reply-To, some HTML, one in ten with an attachment) over 1 and 4 SMTP connections and prints
messages/second for the ceiling and for ours, the ratio, and how long the backlog takes to become tickets after the
last 250. Ours runs as in production: the SMTP process only commits and the worker files (its job is run here in a
loop, as `support worker` does); `--compare-filing-in-smtp` adds runs with `SUPPORT_INBOUND_PROCESS_IN_SMTP=true`
(filing on a background thread of the SMTP process right after each commit). SQLite is a file in a temporary folder; on PostgreSQL the data goes into a schema
of its own (`bench_smtp`), dropped at the end. Rate limits are off (one client sends everything).

Before and after each run of ours it times one tiny durable commit on the same database (the median of 200): the
disk is shared, its flush time swings from 0.2 to 3 ms with what else is running, and with one connection every
mail waits for one flush, so compare ratios within a run and read them beside that figure.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import re
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCHEMA = "bench_smtp"
SUPPORT = "support@skolplattformen.example"
FIRST_NAMES = ["Anna", "Erik", "Maria", "Johan", "Fatima", "Ahmed", "Sara", "Lars", "Elin", "Mohammed", "Karin",
               "Nils", "Zeynep", "Oskar", "Linnea", "Björn", "Åsa", "Göran", "Ida", "Yusuf"]
LAST_NAMES = ["Svensson", "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Öberg",
              "Lindqvist", "Ali", "Hassan", "Berg", "Åkesson", "Ström", "Persson"]
SUBJECTS = ["Kan inte logga in i appen", "Frånvaroanmälan syns inte", "Schemat är tomt för min dotter",
            "Glömt lösenordet", "Fel betyg visas", "Meddelanden kommer inte fram", "BankID fungerar inte",
            "Startsidan laddar inte", "Ledighetsansökan försvann", "Närvaron registreras dubbelt",
            "Frågor om omdömen", "Inlämningen gick inte att skicka"]
SENTENCES = ["Hej! Jag försöker logga in i Skolplattformen men får ett felmeddelande hela tiden.",
             "Min son är sjuk idag och jag har anmält frånvaro, men den syns inte i appen.",
             "Schemat för vecka 12 är helt tomt, är det något fel hos er eller hos oss?",
             "Jag har bytt telefon och nu fungerar inte BankID-inloggningen längre.",
             "Kan ni hjälpa mig att återställa lösenordet? Jag har inte fått något mejl.",
             "När jag öppnar startsidan står det bara att sidan laddar, i över en minut.",
             "Läraren säger att inlämningen inte har kommit fram, men jag fick ett kvitto.",
             "Tack för snabbt svar, men problemet kvarstår tyvärr även efter omstart.",
             "Vänliga hälsningar och tack på förhand för hjälpen med ärendet.",
             "Det gäller klass 4B på Hässelbyskolan, och det började efter sportlovet."]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the mail ---------------------------------------------------------------------------------------------------

def messages(total: int, label: str, rng: random.Random) -> list[tuple[str, bytes]]:
    """(envelope sender, bytes on the wire): Swedish text, replies, HTML and attachments in realistic shares."""
    senders = [(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", f"person{n}@example.se") for n in range(300)]
    attachment = rng.randbytes(40_000)
    sent_by: dict[str, list[str]] = {}
    mail = []
    for number in range(total):
        name, address = rng.choice(senders)
        message = EmailMessage()
        message["From"] = f"{name} <{address}>"
        message["To"] = SUPPORT
        message["Message-ID"] = f"<{label}-{number}@example.se>"
        message["Date"] = "Tue, 10 Mar 2026 09:15:00 +0100"
        earlier = sent_by.get(address)
        subject = rng.choice(SUBJECTS)
        if earlier and rng.random() < 0.5:  # about a quarter of all mail answers the sender's earlier mail
            message["Subject"] = f"SV: {subject}"
            message["In-Reply-To"] = earlier[-1]
            message["References"] = " ".join(earlier[-3:])
        else:
            message["Subject"] = subject
        text = "\n\n".join(rng.sample(SENTENCES, rng.randint(2, 5))) + f"\n\n{name}"
        message.set_content(text)
        if rng.random() < 0.3:
            paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
            message.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
        if rng.random() < 0.1:
            message.add_attachment(b"%PDF-1.4\n" + base64.b64encode(attachment), maintype="application",
                                   subtype="pdf", filename="skärmdump från appen.pdf")
        sent_by.setdefault(address, []).append(message["Message-ID"])
        mail.append((address, re.sub(rb"\r?\n", b"\r\n", message.as_bytes(policy=SMTP))))
    return mail


# --- the servers ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ceiling_server(port: int) -> None:
    """The same aiosmtpd controller and options as `support smtp`, with a handler that only answers 250."""
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            return "250 2.0.0 Message accepted"

    controller = Controller(Accept(), hostname="127.0.0.1", port=port, data_size_limit=30 * 1024 * 1024,
                            decode_data=False, enable_SMTPUTF8=True, ident="Skolsupport")
    controller.start()
    threading.Event().wait()


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{command} did not start listening")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the client -------------------------------------------------------------------------------------------------

def stream(port: int, mail: list[tuple[str, bytes]], connections: int) -> float:
    """Send everything over `connections` SMTP sessions at once; seconds from the first byte to the last 250."""
    shares = [mail[index::connections] for index in range(connections)]
    failures: list[BaseException] = []

    def send(share):
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
                for sender, raw in share:
                    smtp.sendmail(sender, [SUPPORT], raw)
        except (smtplib.SMTPException, OSError) as error:
            failures.append(error)

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"sending failed: {failures[0]!r}")
    return elapsed


# --- the database -----------------------------------------------------------------------------------------------

def database(workdir: Path) -> tuple[str, str | None]:
    """(URL for the app, plain PostgreSQL URL to drop the schema with, or None on SQLite)."""
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{workdir / 'bench.db'}", None
    import psycopg

    plain = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.execute(f"CREATE SCHEMA {SCHEMA}")
    separator = "&" if "?" in plain else "?"
    return f"{plain}{separator}options=-csearch_path%3D{SCHEMA}", plain


def drop_schema(plain: str | None) -> None:
    if plain:
        import psycopg

        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def durable_commit_ms(url: str, workdir: Path, commits: int = 200) -> float:
    """Median milliseconds of one tiny durable commit on this database now (PostgreSQL: an autocommit
    INSERT with synchronous_commit on; SQLite: a WAL commit with synchronous=FULL beside the benchmark's file).
    With one connection every mail waits for one such commit, so it bounds the ratio however fast the server is."""
    import statistics

    timings = []
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(workdir / "probe.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, value BLOB)")
        for _ in range(commits):
            began = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO probe (value) VALUES (?)", (b"x" * 100,))
            connection.execute("COMMIT")
            timings.append(time.perf_counter() - began)
        connection.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:  # a temporary table would write no WAL to flush
            connection.execute("SET synchronous_commit = on")
            connection.execute("CREATE TABLE IF NOT EXISTS commit_probe (id serial PRIMARY KEY, value bytea)")
            for _ in range(commits):
                began = time.perf_counter()
                connection.execute("INSERT INTO commit_probe (value) VALUES (%s)", (b"x" * 100,))
                timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def wait_for_backlog(app, expected: int, file_here: bool) -> float:
    """Seconds until every stored message is a ticket, reply or log entry (running the worker's job if asked)."""
    from sqlalchemy import func, select

    from support.channels.email.models import InboundMail
    from support.channels.email.service import process_pending
    from support.extensions import db

    began = time.perf_counter()
    with app.app_context():
        while True:
            if file_here:
                process_pending()
            done = db.session.scalar(select(func.count()).select_from(InboundMail)
                                     .where(InboundMail.state != "pending"))
            db.session.rollback()
            if done >= expected:
                return time.perf_counter() - began
            if not file_here:
                time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--compare-filing-in-smtp", action="store_true")
    parser.add_argument("--ceiling-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ceiling_server:
        ceiling_server(args.ceiling_server)
        return

    from flask_migrate import upgrade

    from support import create_app

    workdir = Path(tempfile.mkdtemp(prefix="bench-smtp-"))
    url, plain = database(workdir)
    config = {"DATABASE_URL": url, "INSTANCE_DIR": str(workdir / "instance"), "SECRET_KEY": "bench-" * 8}
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
    env = {**os.environ, "SUPPORT_DATABASE_URL": url, "SUPPORT_INSTANCE_DIR": config["INSTANCE_DIR"],
           "SUPPORT_SECRET_KEY": config["SECRET_KEY"], "SUPPORT_RATELIMIT_ENABLED": "false"}
    support = str(Path(sys.executable).parent / "support")
    rng = random.Random(15)
    stored = 0
    rows = []
    try:
        for connections in args.connections:
            port = free_port()
            ceiling = start([sys.executable, __file__, "--ceiling-server", str(port)], env, port)
            try:
                mail = messages(args.messages, f"ceiling-{connections}", rng)
                ceiling_rate = len(mail) / stream(port, mail, connections)
            finally:
                stop(ceiling)
            log(f"{connections} connection(s): ceiling {ceiling_rate:.0f}/s")
            modes = [("commit only, worker files", False)]
            if args.compare_filing_in_smtp:
                modes.append(("filing in the SMTP process", True))
            for mode, in_smtp in modes:
                port = free_port()
                mail = messages(args.messages, f"ours-{connections}-{in_smtp}", rng)
                ours = start([support, "smtp", "--port", str(port)],
                             {**env, "SUPPORT_INBOUND_PROCESS_IN_SMTP": "true" if in_smtp else "false"}, port)
                commit_ms = durable_commit_ms(url, workdir)
                try:
                    rate = len(mail) / stream(port, mail, connections)
                    commit_ms = (commit_ms + durable_commit_ms(url, workdir)) / 2
                    stored += len(mail)
                    backlog = wait_for_backlog(app, stored, file_here=not in_smtp)
                finally:
                    stop(ours)
                log(f"{connections} connection(s), {mode}: {rate:.0f}/s, backlog {backlog:.1f} s, "
                    f"one durable commit {commit_ms:.2f} ms")
                rows.append((connections, mode, ceiling_rate, rate, backlog, commit_ms))
    finally:
        with app.app_context():
            from support.extensions import db

            db.engine.dispose()
        drop_schema(plain)

    print()
    print(f"{args.messages} messages per run on {'PostgreSQL' if plain else 'SQLite'}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'conn':>4}  {'ours':28} {'ceiling msg/s':>13} {'ours msg/s':>10} {'ratio':>6} {'backlog s':>9} "
          f"{'commit ms':>9}")
    for connections, mode, ceiling_rate, rate, backlog, commit_ms in rows:
        print(f"{connections:>4}  {mode:28} {ceiling_rate:13.0f} {rate:10.0f} {rate / ceiling_rate:6.0%} "
              f"{backlog:9.1f} {commit_ms:9.2f}")
    print("backlog: seconds from the last 250 until every message is a ticket, reply or logged auto-mail")
    print("commit ms: median of one tiny durable commit, just before and after the run (the disk is shared); with one")
    print("connection every mail waits for one, so the ratio there is at most ceiling time / (ceiling time + commit)")


if __name__ == "__main__":
    main()
