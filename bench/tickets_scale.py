"""Tickets at scale: 1,000,000 tickets with two messages each in PostgreSQL; p95 of the main queue queries and search.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/tickets_scale.py \
        [--tickets 1000000] [--runs 60] [--keep]

The data goes into a schema of its own (`bench_tickets`, dropped at the end unless --keep; an existing one with the
right number of tickets is reused, so a second run only measures). Tables come from the real migrations, rows
from COPY; the queries are the ones the workspace runs (support.tickets.queues / search), as an agent and as a
superuser, each page continuing from the previous page's keyset cursor. Goal: p95 under 100 ms each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCHEMA = "bench_tickets"
SCHOOLS = 750
REQUESTERS = 100_000
AGENTS = 40
WORDS = ["schema", "lösenord", "inloggning", "frånvaro", "närvaro", "bedömning", "betyg", "appen", "mobilt", "bankid", "teams", "startsidan", "meddelande", "vårdnadshavare", "elev", "lärare", "klass", "omdöme", "prov", "läxa", "kalender", "notis", "felmeddelande", "sidan", "laddar", "inte", "fungerar", "hjälp", "problem", "dokument", "uppgift", "inlämning", "vikarie", "sjukanmälan", "ledighet"]
SYSTEMS = ("login", "schedule", "attendance", "documentation", "assessment", "teams", "startpage", "app",
           "messages", "general")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _vocabulary() -> tuple[list[str], list[float]]:
    """5,000 made-up words plus the real ones, Zipf-distributed, so a search term matches a realistic share of
    tickets (the common real words a few percent, the rare ones well under one)."""
    rng = random.Random(7)
    syllables = ["ka", "lo", "mi", "ne", "sa", "tu", "vi", "ra", "be", "do", "fe", "gu", "hå", "jä", "kö", "ly"]
    made_up = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(9000)})[:5000]
    rng.shuffle(made_up)
    words = made_up
    for index, word in enumerate(WORDS):
        words.insert(15 + index * 40, word)
    weights = [1.0 / (rank + 8) for rank in range(len(words))]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return words, cumulative


VOCABULARY, CUMULATIVE = _vocabulary()


def sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=length))


def build_app(url: str):
    from support import create_app

    separator = "&" if "?" in url else "?"
    # jit=off: PostgreSQL's JIT compiles for expensive-looking plans and costs 100–300 ms per query, which never
    # pays off for short OLTP queries; docs/decisions.md recommends it off for production too.
    return create_app({"DATABASE_URL": f"{url}{separator}options=-csearch_path%3D{SCHEMA}%20-cjit%3Doff",
                       "INSTANCE_DIR": str(Path(tempfile.gettempdir()) / "bench-tickets-instance"), "TESTING": True})


def load(connection: psycopg.Connection, total: int) -> None:
    rng = random.Random(42)
    now = datetime.now(UTC)
    log("organisation and people")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO administrations (id, name, slug, kind) VALUES (1, 'Bench', 'bench', 'district')")
        with cursor.copy("COPY schools (id, name, slug, administration_id, address, is_active) FROM STDIN") as copy:
            for school in range(1, SCHOOLS + 1):
                copy.write_row((school, f"Skola {school}", f"skola-{school}", 1, "", True))
        columns = "(id, email, name, active, locale, phone, failed_logins, created_at)"
        with cursor.copy(f"COPY users {columns} FROM STDIN") as copy:
            for user in range(1, REQUESTERS + AGENTS + SCHOOLS + 1):
                copy.write_row((user, f"person{user}@example.com", f"Person {user}", True, "sv", "", 0, now))
        with cursor.copy("COPY role_assignments (user_id, role, school_id, active) FROM STDIN") as copy:
            for agent in range(REQUESTERS + 1, REQUESTERS + AGENTS + 1):
                copy.write_row((agent, "agent", None, True))
            for school in range(1, SCHOOLS + 1):
                copy.write_row((REQUESTERS + AGENTS + school, "superuser", school, True))
        with cursor.copy("COPY group_memberships (user_id, \"group\", school_id) FROM STDIN") as copy:
            for user in range(1, REQUESTERS + 1):
                copy.write_row((user, rng.choice(("guardian", "student", "pedagogue")), rng.randint(1, SCHOOLS)))
    connection.commit()

    log(f"{total:,} tickets")
    ticket_columns = ("id, number, subject, requester_id, channel, school_id, user_group, system, priority, "
                      "priority_rank, state, tier, assignee_id, created_at, updated_at, first_response_at, "
                      "resolved_at, closed_at, first_response_due, resolution_due, sla_due_at, sla_paused_seconds, "
                      "first_response_breached, resolution_breached, rating_comment, flags, thread_message_id, "
                      "search_text, public_search_text")
    message_columns = "ticket_id, author_id, kind, channel, body, body_format, created_at"
    priorities = (("low", 1), ("normal", 2), ("normal", 2), ("normal", 2), ("high", 3), ("urgent", 4))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY tickets ({ticket_columns}) FROM STDIN") as copy:
            for ticket_id in range(1, total + 1):
                created = now - timedelta(minutes=(total - ticket_id) * 0.7 + rng.random())
                roll = rng.random()
                state = ("new" if roll < 0.04 else "open" if roll < 0.10 else "pending" if roll < 0.14
                         else "resolved" if roll < 0.20 else "closed")
                tier_roll = rng.random()
                tier = 1 if tier_roll < 0.4 else 2 if tier_roll < 0.9 else 3
                school = rng.randint(1, SCHOOLS)
                assignee = None
                if rng.random() < 0.6:
                    assignee = (REQUESTERS + AGENTS + school) if tier == 1 else rng.randint(REQUESTERS + 1,
                                                                                            REQUESTERS + AGENTS)
                priority, rank = rng.choice(priorities)
                first_due = created + timedelta(hours=rng.randint(1, 30))
                resolution_due = first_due + timedelta(hours=rng.randint(4, 80))
                answered = state not in ("new",) and rng.random() < 0.9
                subject = sentence(rng, 6).capitalize()
                body_1, body_2 = sentence(rng, 25), sentence(rng, 18)
                copy.write_row((
                    ticket_id, 1000 + ticket_id, subject, rng.randint(1, REQUESTERS),
                    rng.choice(("web", "web", "email", "phone", "api")), school,
                    rng.choice(("guardian", "student", "pedagogue")), rng.choice(SYSTEMS), priority, rank, state,
                    tier, assignee, created, created + timedelta(hours=2),
                    created + timedelta(hours=1) if answered else None,
                    created + timedelta(days=1) if state in ("resolved", "closed") else None,
                    created + timedelta(days=8) if state == "closed" else None,
                    first_due, resolution_due, resolution_due if answered else first_due, 0, False, False, "",
                    "[]", f"<bench-{ticket_id}@example.com>", f"{subject}\n{body_1}\n{body_2}".lower(),
                    f"{subject}\n{body_1}".lower(),  # the second message may be an internal note
                ))
                if ticket_id % 200_000 == 0:
                    log(f"  {ticket_id:,} tickets ({time.perf_counter() - started:.0f} s)")
        connection.commit()
        log(f"{2 * total:,} messages")
        rng = random.Random(43)
        with cursor.copy(f"COPY ticket_messages ({message_columns}) FROM STDIN") as copy:
            for ticket_id in range(1, total + 1):
                created = now - timedelta(minutes=(total - ticket_id) * 0.7)
                copy.write_row((ticket_id, rng.randint(1, REQUESTERS), "public", "web", sentence(rng, 25),
                                "markdown", created))
                copy.write_row((ticket_id, rng.randint(REQUESTERS + 1, REQUESTERS + AGENTS),
                                rng.choice(("public", "internal")), "web", sentence(rng, 18), "markdown",
                                created + timedelta(hours=1)))
        cursor.execute("INSERT INTO ticket_counters (name, value) VALUES ('ticket', %s)", (1000 + total,))
        for table in ("administrations", "schools", "users", "role_assignments", "group_memberships", "tickets",
                      "ticket_messages"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    connection.commit()
    log(f"loaded in {time.perf_counter() - started:.0f} s; VACUUM ANALYZE")
    connection.autocommit = True
    connection.execute("VACUUM ANALYZE")
    connection.autocommit = False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def database_ms(statement) -> float:
    """The server's own execution time of `statement` (EXPLAIN ANALYZE), without Python and network time."""
    from support.extensions import db

    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    connection = db.session.connection()
    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", compiled.params).scalar()
    return plan[0]["Execution Time"]


def measure(app, runs: int) -> list[tuple[str, float, float, int, float]]:
    from sqlalchemy import func, select

    from support.accounts.models import User
    from support.extensions import db
    from support.tickets import queues, search
    from support.tickets.models import Ticket

    results = []
    with app.app_context():
        agent = db.session.get(User, REQUESTERS + 1)
        superuser = db.session.get(User, REQUESTERS + AGENTS + 7)
        cases = [
            ("mine (agent, due)", agent, "mine", {}),
            ("unassigned (agent, due)", agent, "unassigned", {}),
            ("tier 2 (agent, due)", agent, "tier2", {}),
            ("my schools (superuser, due)", superuser, "my_schools", {}),
            ("per system: schedule (agent, due)", agent, "system", {"system": "schedule"}),
            ("breaching soon (agent)", agent, "breaching", {}),
            ("waiting for requester (agent)", agent, "waiting", {}),
            ("tier 2, priority high, newest (agent)", agent, "tier2", {"sort": "newest",
                                                                      "filters": queues.QueueFilters(priority="high")}),
        ]
        for label, user, key, options in cases:
            timings, server, rows = [], [], 0
            cursor = None
            for _ in range(runs):
                server.append(database_ms(queues.paged_statement(
                    queues.queue_query(user, key, options.get("filters"), system=options.get("system")),
                    options.get("sort", "due"), cursor)))
                started = time.perf_counter()
                page = queues.list_queue(user, key, sort=options.get("sort", "due"), cursor=cursor,
                                         filters=options.get("filters"), system=options.get("system"))
                timings.append((time.perf_counter() - started) * 1000)
                rows = len(page.tickets)
                cursor = page.next_cursor  # walk forward page by page, like someone scrolling the queue
                db.session.expunge_all()
            results.append((label, statistics.median(timings), percentile(timings, 0.95), rows,
                            percentile(server, 0.95)))
        for label, user, key in (("count tier 2 (agent)", agent, "tier2"),
                                 ("count my schools (superuser)", superuser, "my_schools")):
            timings, server = [], []
            for _ in range(runs):
                server.append(database_ms(select(func.count()).select_from(
                    queues.queue_query(user, key).with_only_columns(Ticket.id).limit(queues.COUNT_CAP + 1)
                    .subquery())))
                started = time.perf_counter()
                count = queues.count_queue(user, key)
                timings.append((time.perf_counter() - started) * 1000)
            results.append((label, statistics.median(timings), percentile(timings, 0.95), count,
                            percentile(server, 0.95)))
        terms = ["bankid", "sjukanmälan vikarie", "lösenord inloggning", "\"felmeddelande sidan\"", "betyg prov",
                 "kalender notis"]
        timings, server, rows = [], [], 0
        for index in range(runs):
            server.append(database_ms(queues.paged_statement(
                search.search_statement(agent, terms[index % len(terms)]), "newest", None)))
            started = time.perf_counter()
            found, _ = search.search_tickets(agent, terms[index % len(terms)])
            timings.append((time.perf_counter() - started) * 1000)
            rows = max(rows, len(found))
            db.session.expunge_all()
        results.append(("search (agent, full text)", statistics.median(timings), percentile(timings, 0.95), rows,
                        percentile(server, 0.95)))
        timings, server, rows = [], [], 0
        for index in range(runs):
            server.append(database_ms(queues.paged_statement(
                search.search_statement(superuser, terms[index % len(terms)]), "newest", None)))
            started = time.perf_counter()
            found, _ = search.search_tickets(superuser, terms[index % len(terms)])
            timings.append((time.perf_counter() - started) * 1000)
            rows = max(rows, len(found))
            db.session.expunge_all()
        results.append(("search (superuser, full text)", statistics.median(timings), percentile(timings, 0.95),
                        rows, percentile(server, 0.95)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema for another run")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    plain_url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain_url) as connection:
        exists = connection.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                                    (SCHEMA,)).fetchone()
        count = None
        if exists:
            try:
                count = connection.execute(f"SELECT count(*) FROM {SCHEMA}.tickets").fetchone()[0]  # noqa: S608
            except psycopg.Error:
                connection.rollback()
        if count != args.tickets:
            connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            connection.execute(f"CREATE SCHEMA {SCHEMA}")
            connection.commit()
            app = build_app(url)
            from flask_migrate import upgrade

            log("migrating")
            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory, revision="heads")
            connection.execute(f"SET search_path TO {SCHEMA}")
            load(connection, args.tickets)
        else:
            log(f"reusing {count:,} tickets in schema {SCHEMA}")
    app = build_app(url)
    results = measure(app, args.runs)
    print()
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'query (page of 50)':42} {'median ms':>10} {'p95 ms':>9} {'db p95 ms':>10} {'rows':>6}")
    for label, median, p95, rows, server_p95 in results:
        flag = "" if p95 < 100 else "  (over 100 ms)"
        print(f"{label:42} {median:10.1f} {p95:9.1f} {server_p95:10.2f} {rows:6}{flag}")
    print("p95/median: whole call through the service (ORM, Python, network); db p95: PostgreSQL's own execution "
          "time (EXPLAIN ANALYZE)")
    if not args.keep:
        with psycopg.connect(plain_url) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            connection.commit()


if __name__ == "__main__":
    main()
