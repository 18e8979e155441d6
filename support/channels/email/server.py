"""The inbound SMTP server (`support smtp`): aiosmtpd with a handler that answers 250 only after the raw message is
committed, so a sending server keeps and retries whatever we could not store (Request Tracker's mailgate contract).

- RCPT: only `support@<MAIL_DOMAIN>` and `support+<school-slug>@<MAIL_DOMAIN>` of an existing school (else 550).
- Size: aiosmtpd's `data_size_limit` refuses larger messages with 552 before they are stored.
- Rate: per envelope sender and per client address (the `limits` library in the shared rate-limit store); too many
  answers 451 so good senders come back later.
- DATA: the bytes are committed in batches (`GroupCommitter`: on the event loop for PostgreSQL, on one thread for
  SQLite) that group what every connection sent meanwhile into one INSERT and one commit; a database that cannot
  commit answers 451 to every sender of that batch. A message whose Message-ID we already hold answers 250
  without a second row. Filing is the worker's (SUPPORT_INBOUND_PROCESS_IN_SMTP turns on filing here, on a
  background thread, right after the commit; see docs/decisions.md for why it is off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
from aiosmtpd.controller import Controller
from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from support.accounts.throttle import address_key
from support.channels.email.addresses import support_recipient
from support.channels.email.service import Received, store_received_postgres
from support.extensions import db

log = logging.getLogger(__name__)

ACCEPTED = "250 2.0.0 Message accepted"
DUPLICATE = "250 2.0.0 Message already received"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"
RATE_LIMITED = "451 4.7.1 Too many messages, please try again later"
UNKNOWN_RECIPIENT = "550 5.1.1 No such recipient here"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"


class InboundHandler:
    """aiosmtpd hooks; every database call runs in a thread inside the Flask app's context."""

    def __init__(self, app: Flask, *, process_after_commit: bool):
        self.app = app
        self.process_after_commit = process_after_commit
        config = app.config
        self.rate_limits_enabled = bool(config.get("RATELIMIT_ENABLED", True))
        self.limiter = MovingWindowRateLimiter(storage_from_string(config["RATELIMIT_STORAGE_URI"]))
        self.per_sender = parse(config["INBOUND_RATE_PER_SENDER"])
        self.per_client = parse(config["INBOUND_RATE_PER_CLIENT"])
        self.namespace = config.get("RATELIMIT_KEY_PREFIX") or "support"
        self.max_recipients = int(config["INBOUND_MAX_RECIPIENTS"])
        self.committer = GroupCommitter(app)
        # One processing thread: mail is turned into tickets in the order it arrived, off the SMTP loop.
        self.processor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbound-processing")
        self._pending: set[Future] = set()
        self._pending_lock = threading.Lock()

    # --- SMTP hooks -------------------------------------------------------------------------------------------

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802 - aiosmtpd's name
        if self.rate_limits_enabled:
            client = _client_address(session)
            if not self.limiter.hit(self.per_client, self.namespace, "inbound-client", client):
                log.info("smtp: client %s over its rate limit", client)
                return RATE_LIMITED
            if address and not self.limiter.hit(self.per_sender, self.namespace, "inbound-sender",
                                                address_key(address)):
                log.info("smtp: sender over its rate limit (client %s)", client)
                return RATE_LIMITED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return TOO_MANY_RECIPIENTS
        try:
            known = _is_support_address(address, self.app.config)
            if known is None:  # a school alias: is there such a school?
                known = await asyncio.get_running_loop().run_in_executor(
                    None, self._in_app, _school_alias_exists, address)
        except SQLAlchemyError:
            log.exception("smtp: could not check recipient")
            return TRY_LATER
        if not known:
            return UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            inbound_id, created = await self.committer.commit(
                Received(raw, envelope.mail_from or "", list(envelope.rcpt_tos), _client_address(session)), session)
        except Exception:  # the database is down or locked: the sender keeps the mail and retries
            log.exception("smtp: could not commit an inbound message; answering 451")
            return TRY_LATER
        if created and self.process_after_commit:
            self._process_later(inbound_id)
        return ACCEPTED if created else DUPLICATE

    # --- helpers ------------------------------------------------------------------------------------------------

    def _in_app(self, function, *args):
        with self.app.app_context():
            return function(*args)

    def _process_later(self, inbound_id: int) -> None:
        from support.channels.email.service import process_one_committed

        future = self.processor.submit(self._in_app, process_one_committed, inbound_id)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._pending_lock:
            self._pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("smtp: processing after commit failed (the worker will retry)", exc_info=future.exception())

    def wait_until_processed(self, timeout: float = 30) -> None:
        """Block until every message accepted so far has been processed (tests, the benchmark)."""
        with self._pending_lock:
            futures = list(self._pending)
        for future in futures:
            future.exception(timeout=timeout)

    def close(self) -> None:
        self.processor.shutdown(wait=True)


def _client_address(session) -> str:
    peer = getattr(session, "peer", None)
    if isinstance(peer, tuple) and peer:
        return str(peer[0])[:64]
    return str(peer or "unknown")[:64]


def _is_support_address(address: str, config) -> bool | None:
    """True for support@, False for what is not ours, None for a school alias (the database decides)."""
    recipient = support_recipient(address, config)
    return None if recipient else recipient == ""


def _school_alias_exists(address: str) -> bool:
    from support.channels.email.service import school_for_recipient

    return school_for_recipient(address) is not None


class GroupCommitter:
    """Commits the raw messages in groups, on the server's event loop: whatever every connection sent while the
    previous commit ran goes into the next batch, one INSERT and one commit (one fsync) for all of them. Each
    sender gets `(id, created)` only once its row is committed, or the exception (every sender of a batch).

    Before the next batch it waits, for at most as long as a commit takes, for the connections it has just
    answered to send again: senders answered together come back together, and without the wait they split into
    two groups that take turns, each paying a commit of its own (four connections: 1.5–1.7 messages per commit
    instead of 3.8–4). A connection that sends one message at a time is never waited for (it is the one sending).

    The store keeps one connection of its own (a checkout from the pool would cost a ping per batch). On
    PostgreSQL it is an asynchronous psycopg connection in autocommit mode on the event loop itself: a batch is one
    prepared statement, committed and flushed to the write-ahead log when it returns (synchronous_commit), and no
    thread hands the message over and back (with a thread, each hand-over waited for the interpreter lock while
    the loop served the other connections). SQLite's driver blocks, so there one thread runs the batch in a
    `BEGIN IMMEDIATE` transaction through SQLAlchemy."""

    MAX_BATCH = 100
    MAX_WAIT_FOR_SENDERS = 0.005  # seconds

    def __init__(self, app: Flask):
        with app.app_context():
            postgresql = db.engine.dialect.name == "postgresql"
        self.store = PostgresStore(app) if postgresql else ThreadStore(app)
        self.waiting: list[tuple[Received, asyncio.Future, object]] = []
        self.flushing: asyncio.Task | None = None
        self.answered: weakref.WeakSet = weakref.WeakSet()  # sessions of the last batch not yet back
        self.arrived = asyncio.Event()
        self.commit_seconds = 0.0  # how long the last batch took

    async def commit(self, message: Received, session) -> tuple[int, bool]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((message, future, session))
        self.answered.discard(session)
        self.arrived.set()
        if self.flushing is None:
            self.flushing = loop.create_task(self._flush())
        return await future

    async def _wait_for_answered_senders(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(self.commit_seconds, self.MAX_WAIT_FOR_SENDERS)
        while self.answered and len(self.waiting) < self.MAX_BATCH and (remaining := deadline - loop.time()) > 0:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.waiting:
                await self._wait_for_answered_senders()
                batch, self.waiting = self.waiting[:self.MAX_BATCH], self.waiting[self.MAX_BATCH:]
                began = loop.time()
                try:
                    results = await self.store.store([message for message, _future, _session in batch])
                except Exception as error:  # noqa: BLE001 - every sender in the batch gets 451 and retries
                    results = [error] * len(batch)
                self.commit_seconds = loop.time() - began
                self.answered = weakref.WeakSet(session for _message, _future, session in batch)
                for (_message, future, _session), result in zip(batch, results, strict=True):
                    if future.done():  # the sender hung up
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self.flushing = None

    async def aclose(self) -> None:
        """Let the batch being committed finish, then close the store's connection."""
        if self.flushing is not None:
            await asyncio.wait({self.flushing}, timeout=30)
        await self.store.close()


class PostgresStore:
    """Batches committed on the event loop through an asynchronous psycopg connection of the store's own."""

    def __init__(self, app: Flask):
        self.app = app
        self.connection: psycopg.AsyncConnection | None = None

    async def store(self, messages: list[Received]) -> list[tuple[int, bool]]:
        try:
            if self.connection is None:
                self.connection = await self._connect()
            return await store_received_postgres(self.connection, messages)
        except Exception:
            await self.close()  # the next batch connects afresh
            raise

    async def _connect(self) -> psycopg.AsyncConnection:
        with self.app.app_context():
            engine = db.engine
        _args, options = engine.dialect.create_connect_args(engine.url)
        options.pop("context", None)  # SQLAlchemy's adapters; the store uses psycopg's own
        connection = await psycopg.AsyncConnection.connect(**options, autocommit=True)
        # 250 means flushed to disk: a database or role set to synchronous_commit=off would break that promise.
        cursor = await connection.execute("SHOW synchronous_commit")
        if (await cursor.fetchone())[0] == "off":
            await connection.execute("SET synchronous_commit = on")
        # The raw bytes are compressed before the commit returns; lz4 does that several times faster than the
        # default pglz (a 55 kB mail: 0.3 ms instead of 2.6 ms). A server built without lz4 keeps pglz.
        with contextlib.suppress(psycopg.Error):
            await connection.execute("SET default_toast_compression = lz4")
        return connection

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # noqa: BLE001 - a broken connection is dropped all the same
                log.warning("smtp: closing the commit connection failed", exc_info=True)


class ThreadStore:
    """Batches committed through SQLAlchemy on one thread of their own (SQLite: its driver blocks the caller)."""

    def __init__(self, app: Flask):
        self.app = app
        self.connection: Connection | None = None
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbound-commit")

    async def store(self, messages: list[Received]) -> list[tuple[int, bool]]:
        return await asyncio.get_running_loop().run_in_executor(self.thread, self._store, messages)

    def _store(self, messages: list[Received]) -> list[tuple[int, bool]]:
        from support.channels.email import service

        try:
            connection = self._connect()
            results = service.store_received(connection, messages)
            connection.commit()
        except Exception:
            self._disconnect(broken=True)
            raise
        return results

    def _connect(self) -> Connection:
        if self.connection is None:
            with self.app.app_context():
                self.connection = db.engine.connect()
        return self.connection

    def _disconnect(self, *, broken: bool = False) -> None:
        """Close the connection; after a failure it is discarded, not returned to the pool."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if broken:
                connection.invalidate()
            connection.close()
        except Exception:  # noqa: BLE001 - the next batch connects afresh
            log.warning("smtp: closing the commit connection failed", exc_info=True)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.thread, self._disconnect)
        self.thread.shutdown(wait=False)


class InboundServer:
    """The server on its own thread and event loop (aiosmtpd's Controller): `start()`, `stop()`."""

    def __init__(self, app: Flask, host: str, port: int, *, process_after_commit: bool | None = None):
        if process_after_commit is None:
            process_after_commit = bool(app.config["INBOUND_PROCESS_IN_SMTP"])
        self.handler = InboundHandler(app, process_after_commit=process_after_commit)
        self.host, self.port = host, port
        self.controller = Controller(
            self.handler, hostname=host, port=port, ready_timeout=10,
            data_size_limit=int(app.config["INBOUND_MAX_MESSAGE_BYTES"]), decode_data=False,
            enable_SMTPUTF8=True, ident="Skolsupport")

    def start(self) -> InboundServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        # The committer's connection lives on the server's loop, which stopping the controller closes.
        asyncio.run_coroutine_threadsafe(self.handler.committer.aclose(), self.controller.loop).result(timeout=60)
        self.controller.stop()
        self.handler.close()


def serve_forever(app: Flask, host: str, port: int) -> None:
    """`support smtp`: run until SIGTERM or Ctrl-C, then finish the messages being processed."""
    server = InboundServer(app, host, port).start()
    stop = threading.Event()

    def request_stop(signum, _frame):
        log.info("smtp: stopping after signal %s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        stop.wait()
    finally:
        server.stop()
