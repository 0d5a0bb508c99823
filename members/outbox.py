"""The one way the portal sends email: store first, send later, exactly once as far as SMTP allows.

Services call `enqueue()` inside their transaction: it records an OutboxEmail row (unique by the unit of work's
key, so enqueueing twice is harmless) and, once the transaction commits, queues a Celery task. The task calls
`send_once()`, which claims the row with a lease, asks the row's builder (in each app's `emails.py`) for the
message, sends it with a Message-ID derived from the row, and marks the row.

What can go wrong, and what happens:
- Redis is down when the row is enqueued: the web request still succeeds (queueing the task fails quietly); the
  row waits and the periodic `sweep()` sends it once the beat runs again.
- The worker dies mid-send: the lease runs out and the sweep sends the row again, with the same Message-ID.
- SMTP refuses or is down: the attempt is counted and the error kept; the row is tried again later with
  backoff, and after OUTBOX_MAX_ATTEMPTS it is marked failed, which the chair sees on the dashboard.
"""

import logging
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from email.utils import formatdate
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone

from . import mime, places
from .models import OutboxEmail, User

log = logging.getLogger(__name__)

Builder = Callable[[OutboxEmail], EmailMessage]
_BUILDERS: dict[str, Builder] = {}
# Kinds whose params hold the message itself (with a one-time link in it): wiped once the row is settled.
_FORGET_PARAMS: set[str] = set()
# What each kind is, in words for the chair's dashboard ("Weekly digest to …").
_LABELS: dict[str, str] = {}
# Kinds that read what a batch of their rows needs at once before each is built (the weekly digest).
_BATCH_READERS: dict[str, Callable[[list[OutboxEmail]], None]] = {}
PREPARED = "members.prepared"
_HERE = object()  # enqueue's default place: the one being worked in
_withheld = threading.local()


@contextmanager
def withheld(reason: str):
    """Record the emails enqueued inside this block as not needed (the demo's made-up history emails nobody)."""
    previous = getattr(_withheld, "reason", None)
    _withheld.reason = reason
    try:
        yield
    finally:
        _withheld.reason = previous


def _withheld_fields() -> dict:
    reason = getattr(_withheld, "reason", None)
    return {"status": OutboxEmail.Status.SKIPPED, "note": reason} if reason else {}


class Skip(Exception):  # noqa: N818 – it is an outcome, not an error
    """Raised by a builder when the email is no longer needed (the round closed, the practice voted, …)."""


def builder(kind: str, *, label: str, forget_params: bool = False):
    """Register the function that builds the message for one kind of email, and what the kind is in words."""

    def register(function: Builder) -> Builder:
        if kind in _BUILDERS and _BUILDERS[kind] is not function:
            raise RuntimeError(f"Two builders for outbox emails of kind {kind!r}")
        _BUILDERS[kind] = function
        _LABELS[kind] = label
        if forget_params:
            _FORGET_PARAMS.add(kind)
        return function

    return register


def batch_reader(kind: str):
    """Register the function that reads, in a few queries, what a batch of rows of one kind needs (send_batch calls
    it before building each row; a row it could not read ahead is built on its own)."""

    def register(function):
        _BATCH_READERS[kind] = function
        return function

    return register


def message(*, subject: str, body: str, to: list[str], html: str = "") -> EmailMessage:
    """A message in the portal's voice: the subject prefix and the sender every email shares."""
    full_subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"
    if html:
        email = EmailMultiAlternatives(full_subject, body, None, to)
        email.attach_alternative(html, "text/html")
        return email
    return EmailMessage(full_subject, body, None, to)


def enqueue(*, key: str, kind: str, params: dict | None = None, recipient: User | None = None,
            place=_HERE) -> OutboxEmail:
    """Record an email to send once the caller's transaction commits. Idempotent by key. The email is the business
    of the place being worked in (its links open that place), unless `place` says otherwise (None: no place)."""
    if kind not in _BUILDERS:
        raise RuntimeError(f"No builder for outbox emails of kind {kind!r}")
    if place is _HERE:
        place = places.current_place()
    with places.unscoped():  # keys are unique across places
        email, created = OutboxEmail.objects.get_or_create(key=key, defaults={
            "kind": kind, "params": params or {}, "recipient": recipient, "place": place, **_withheld_fields()
        })
    if created and email.status == OutboxEmail.Status.PENDING:
        email_id = email.pk
        transaction.on_commit(lambda: dispatch(email_id))
    return email


def enqueue_many(rows: list[dict]) -> list[int]:
    """Record many emails at once (a digest, a round's seats). Rows whose key exists already are left alone.
    Returns the ids of the rows this call created, which are queued once the caller's transaction commits."""
    for row in rows:
        if row["kind"] not in _BUILDERS:
            raise RuntimeError(f"No builder for outbox emails of kind {row['kind']!r}")
    keys = [row["key"] for row in rows]
    place = places.current_place()
    with places.unscoped():  # keys are unique across places
        existing = set(OutboxEmail.objects.filter(key__in=keys).values_list("key", flat=True))
        new = [OutboxEmail(**{"place": place, **row}, **_withheld_fields()) for row in rows
               if row["key"] not in existing]
        # ignore_conflicts: a writer racing this one may have created some of the same keys in between.
        OutboxEmail.objects.bulk_create(new, ignore_conflicts=True)
        created = list(
            OutboxEmail.objects.filter(key__in=[email.key for email in new], status=OutboxEmail.Status.PENDING)
            .order_by("pk").values_list("pk", flat=True)
        )
    transaction.on_commit(lambda: dispatch_batches(created))
    return created


def enqueue_prepared(email: EmailMessage) -> OutboxEmail:
    """An email built elsewhere (allauth's password reset and address confirmation): stored as it is, sent by the
    outbox like every other, and its text forgotten once sent, since it carries a one-time link."""
    return enqueue(
        key=f"{PREPARED}:{uuid.uuid4().hex}", kind=PREPARED, place=None,
        params={"subject": email.subject, "body": email.body, "html": html_part(email), "to": list(email.to)},
    )


def html_part(email: EmailMessage) -> str:
    """A message's HTML alternative, or "" when it has none."""
    return next((content for content, mimetype in getattr(email, "alternatives", []) if mimetype == "text/html"), "")


def describe(kind: str) -> str:
    return _LABELS.get(kind, kind)


@builder(PREPARED, label="Account email", forget_params=True)
def _prepared(email: OutboxEmail) -> EmailMessage:
    if not email.params.get("to"):
        raise Skip("the message was forgotten")
    params = email.params
    built = EmailMultiAlternatives(params["subject"], params["body"], None, params["to"])
    if params.get("html"):
        built.attach_alternative(params["html"], "text/html")
    return built


def dispatch(email_id: int) -> bool:
    """Queue the task that sends one row. If the broker cannot be reached, the row simply waits for the sweep:
    the person's action has been stored, and that is what matters now."""
    from .tasks import send_outbox_email

    try:
        send_outbox_email.apply_async((email_id,), retry=False)
    except Exception as error:  # noqa: BLE001 – any broker failure; the sweep is the safety net
        log.warning("Could not queue outbox email %s (%s); the sweep will send it.", email_id, error)
        return False
    return True


def dispatch_batches(email_ids: list[int]) -> None:
    """Queue many rows as tasks of OUTBOX_BATCH rows each: a worker sends a batch over one SMTP connection, and
    kinds with a batch reader read the batch's content at once."""
    from .tasks import send_outbox_batch

    size = settings.OUTBOX_BATCH
    for start in range(0, len(email_ids), size):
        try:
            send_outbox_batch.apply_async((email_ids[start:start + size],), retry=False)
        except Exception as error:  # noqa: BLE001 – any broker failure; the sweep is the safety net
            log.warning("Could not queue %s outbox emails (%s); the sweep will send them.", len(email_ids), error)
            return


def _claim(email_id: int, now) -> bool:
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    return bool(
        OutboxEmail._base_manager.filter(pk=email_id).filter(
            status=OutboxEmail.Status.PENDING, available_at__lte=now
        ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
            claimed_until=now + lease, attempts=F("attempts") + 1
        )
    )


def _settling(kind: str, **fields) -> dict:
    """The columns a row is settled with: `fields`, its claim released, and a kind that forgets its params (once it
    is no longer pending) forgetting them."""
    if kind in _FORGET_PARAMS and fields.get("status", OutboxEmail.Status.PENDING) != OutboxEmail.Status.PENDING:
        fields["params"] = {}
    return {"claimed_until": None, **fields}


def _finish(email_id: int, *, kind: str = "", **fields) -> None:
    OutboxEmail._base_manager.filter(pk=email_id).update(**_settling(kind, **fields))


def _sent(email: OutboxEmail, *, sent_at, addressed_to: str) -> dict:
    """What a row is settled with once its email is sent."""
    return _settling(email.kind, status=OutboxEmail.Status.SENT, sent_at=sent_at, last_error="",
                     addressed_to=addressed_to)


@contextmanager
def _settling_without_flush():
    """Settling rows need not wait for the disk (a flush costs more than building a digest): if Postgres itself
    crashed in the next moment a mark could be lost, and the row would be sent again after its lease with the same
    Message-ID, as after a worker's crash. A worker's crash loses nothing more. Only this connection, only while
    sending."""
    postgres = db_connection.vendor == "postgresql"
    if postgres:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if postgres:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def send_once(email_id: int) -> str:
    """Send one outbox row if it is due and nobody holds it. Returns what happened: sent, skipped, busy (someone
    else holds it, or it is done), retry (failed this time) or failed (gave up)."""
    now = timezone.now()
    if not _claim(email_id, now):
        return "busy"
    email = OutboxEmail._base_manager.select_related("place__ics").get(pk=email_id)
    with _settling_without_flush():
        return _deliver(email)


def send_batch(email_ids) -> dict[str, int]:
    """Send many rows as send_once sends each, over one SMTP connection: the rows due and not held are claimed in
    one statement (rows another worker holds are skipped, and counted busy), each place's rows are built inside it,
    a batch reader reads its kind's rows at once, and each row is settled on its own. Returns the outcomes."""
    email_ids = list(email_ids)
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        claimed = list(
            OutboxEmail._base_manager.select_for_update(skip_locked=True)
            .filter(pk__in=email_ids, status=OutboxEmail.Status.PENDING, available_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).values_list("pk", flat=True)
        )
        OutboxEmail._base_manager.filter(pk__in=claimed).update(claimed_until=now + lease,
                                                                attempts=F("attempts") + 1)
    outcomes: dict[str, int] = {}
    if len(claimed) < len(email_ids):
        outcomes["busy"] = len(email_ids) - len(claimed)
    rows = list(OutboxEmail._base_manager.select_related("place__ics").filter(pk__in=claimed).order_by("pk"))
    with _settling_without_flush():
        return _send_rows(rows, connection=get_connection(), outcomes=outcomes)


def _send_rows(rows: list[OutboxEmail], *, connection, outcomes: dict[str, int]) -> dict[str, int]:
    """Build each row here and hand it to one thread of its own that holds the SMTP conversation, so the next email
    is read and drawn while the mail server answers for the last one (most of a send is waiting for its replies).
    Emails go out one at a time, in order, over the one connection, and the SMTP thread marks each row sent before
    it sends the next: a worker killed mid-batch has at most the one in flight sent twice, as before."""
    by_place: dict[int | None, list[OutboxEmail]] = {}
    for email in rows:
        by_place.setdefault(email.place_id, []).append(email)
    try:
        # Opened here, the connection serves every row (a backend opened by send() closes again after each).
        # If SMTP is down each row's send fails on its own, is counted and waits for a retry.
        connection.open()
    except Exception as error:  # noqa: BLE001 – see above
        log.warning("Could not reach the mail server for a batch of %s: %s", len(rows), error)
        _reset(connection)

    def count(outcome: str) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    mark_sent = _marker()
    sending: deque = deque()  # (row, addressed to, the send's future), oldest first
    smtp = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-smtp")
    switching = sys.getswitchinterval()
    # The SMTP thread needs the interpreter only for a moment after each reply; by default it would wait up to 5 ms
    # for the building thread to let go, four replies an email. Only while this batch sends.
    sys.setswitchinterval(SWITCH_SECONDS)
    try:
        for place_rows in by_place.values():
            place = place_rows[0].place
            with places.using(place) if place is not None else places.unscoped(script_prefix="/"):
                _read_ahead(place_rows)
                for email in place_rows:
                    built = _build(email)
                    if isinstance(built, str):  # skipped or failed: settled already
                        count(built)
                        continue
                    _draw_ahead(built)
                    addressed_to = ", ".join(built.to)
                    envelope = _envelope(built) if isinstance(connection, SMTPBackend) else None
                    sending.append((email, addressed_to, smtp.submit(_send_over, built, connection, email,
                                                                     addressed_to, mark_sent, envelope)))
                    while sending and (len(sending) > SENDING_AHEAD or sending[0][2].done()):
                        count(_settled(*sending.popleft()))
    finally:
        try:
            while sending:
                count(_settled(*sending.popleft()))
        finally:
            smtp.shutdown()
            sys.setswitchinterval(switching)
            connection.close()
    return outcomes


SWITCH_SECONDS = 0.0002
# How many built emails may wait for the SMTP thread: enough to keep it busy, few enough to hold little.
SENDING_AHEAD = 4


def _marker():
    """A function that marks one row sent (`_sent`, as `_finish` writes it), safe to call from the SMTP thread: one
    UPDATE on this thread's own database connection (shared, not a second one: the row's claim may be uncommitted in
    it, and a second connection would wait for that claim's lock). Django's connection wrapper is not for sharing
    between threads; the driver's connection is (psycopg2 and sqlite3 as Django opens it both serialise
    statements), and the wrapper's value adapters only convert values."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's wrapper, as `django.db.connection` is here
    wrapper.ensure_connection()
    raw, ops = wrapper.connection, wrapper.ops
    mark = "%s" if wrapper.vendor == "postgresql" else "?"
    table, key = ops.quote_name(OutboxEmail._meta.db_table), ops.quote_name(OutboxEmail._meta.pk.column)

    def mark_sent(email: OutboxEmail, addressed_to: str, sent_at) -> None:
        columns, values = [], []
        for name, value in _sent(email, sent_at=sent_at, addressed_to=addressed_to).items():
            field = OutboxEmail._meta.get_field(name)
            columns.append(f"{ops.quote_name(field.column)} = {mark}")
            values.append(field.get_db_prep_save(value, connection=wrapper))
        cursor = raw.cursor()
        try:
            cursor.execute(f"UPDATE {table} SET {', '.join(columns)} WHERE {key} = {mark}", [*values, email.pk])
        finally:
            cursor.close()

    return mark_sent


class _Drawn:
    """A built email's MIME message with its bytes for SMTP drawn once, on the building thread: the SMTP backend asks
    for exactly those (`as_bytes(linesep="\r\n")`); anything else is the message's own, drawn only if asked."""

    def __init__(self, smtp_bytes: bytes, mime):
        self.smtp_bytes, self._mime = smtp_bytes, mime

    @property
    def mime(self):
        if callable(self._mime):
            self._mime = self._mime()
        return self._mime

    def as_bytes(self, unixfrom=False, linesep="\n"):
        return self.smtp_bytes if linesep == "\r\n" and not unixfrom else self.mime.as_bytes(unixfrom, linesep)

    def __getattr__(self, name):
        return getattr(self.mime, name)


def _draw_ahead(built: EmailMessage) -> None:
    """Draw the email's bytes now, so the SMTP thread only talks to the mail server (drawing costs about as much as
    the conversation). Headers are final by now (the Message-ID is set). A plain email is written directly
    (members.mime: the same bytes, a tenth of the time); any other is drawn by the standard library."""
    # A boundary of 128 random bits: the generator's own is checked against the text with a regular expression
    # compiled for each email.
    boundary = f"=_{uuid.uuid4().hex}"
    draw = built.message

    def standard():
        mime = draw()
        if mime.is_multipart() and mime.get_boundary() is None:
            mime.set_boundary(boundary)
        return mime

    written = mime.smtp_bytes(built, boundary=boundary, date=formatdate(localtime=settings.EMAIL_USE_LOCALTIME))
    if written is None:
        message = standard()
        drawn = _Drawn(message.as_bytes(linesep="\r\n"), message)
    else:
        drawn = _Drawn(written, standard)
    built.message = lambda: drawn  # this one email's own: the backend calls message() once to send it


def _envelope(built: EmailMessage) -> tuple[str, list[str]] | None:
    """The SMTP envelope Django's SMTP backend gives an email (its sender and recipients, each through
    sanitize_address), worked out on the building thread: parsing the addresses was a sixth of the SMTP thread's
    time an email. None for an address the backend refuses: its send then fails as the backend's own would."""
    encoding = built.encoding or settings.DEFAULT_CHARSET
    try:
        return _sender(built.from_email, encoding), [sanitize_address(to, encoding) for to in built.recipients()]
    except ValueError:
        return None


@lru_cache(maxsize=16)
def _sender(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)  # the same for every email


def _send_over(built: EmailMessage, connection, email: OutboxEmail, addressed_to: str, mark_sent,
               envelope: tuple[str, list[str]] | None = None):
    """On the SMTP thread: send one built email over the batch's connection, then mark its row sent before the next
    send. Returns whether the mark was made (if the database failed it, the building thread makes it)."""
    built.connection = connection
    try:
        if envelope and envelope[1] and isinstance(connection, SMTPBackend) and connection.connection is not None:
            # What the backend's own send does on the open connection, with the envelope already worked out.
            connection.connection.sendmail(*envelope, built.message().as_bytes(linesep="\r\n"))
        else:
            built.send()
    except Exception:
        _reset(connection)
        raise
    sent_at = timezone.now()
    try:
        mark_sent(email, addressed_to, sent_at)
    except Exception as error:  # noqa: BLE001 – the email is sent: it must not be counted as a failed send
        log.warning("Could not mark outbox email %s sent from the SMTP thread: %s", email.pk, error)
        return sent_at, False
    return sent_at, True


def _settled(email: OutboxEmail, addressed_to: str, sending) -> str:
    """What became of one row's send: sent (marked by the SMTP thread, or here if it could not) or failed (settled
    here for a retry)."""
    try:
        sent_at, marked = sending.result()
    except Exception as error:  # noqa: BLE001 – SMTP down, refused, timed out: try again later
        return _failed(email, error, addressed_to=addressed_to)
    if not marked:
        OutboxEmail._base_manager.filter(pk=email.pk).update(**_sent(email, sent_at=sent_at, addressed_to=addressed_to))
    return "sent"


def _read_ahead(rows: list[OutboxEmail]) -> None:
    by_kind: dict[str, list[OutboxEmail]] = {}
    for email in rows:
        by_kind.setdefault(email.kind, []).append(email)
    for kind, kind_rows in by_kind.items():
        if kind in _BATCH_READERS:
            try:
                _BATCH_READERS[kind](kind_rows)
            except Exception as error:  # noqa: BLE001 – each row is then built on its own, and fails on its own
                log.warning("Could not read ahead %s outbox emails of kind %s: %s", len(kind_rows), kind, error)


def _reset(connection) -> None:
    """Drop a shared SMTP connection after a failed send, so the batch's next row opens a fresh one."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001 – it is being dropped either way
        connection.connection = None


def _build(email: OutboxEmail) -> EmailMessage | str:
    """Build one claimed row's email, in its place; a row that cannot be built is settled here, and what became of
    it (skipped, retry, failed) is returned instead."""
    try:
        # Built in its place: what it reads is that place's, and its links open that place.
        with places.using(email.place) if email.place_id else places.unscoped(script_prefix="/"):
            built = _BUILDERS[email.kind](email)
    except Skip as reason:
        _finish(email.pk, kind=email.kind, status=OutboxEmail.Status.SKIPPED, note=str(reason)[:200])
        return "skipped"
    except Exception as error:  # noqa: BLE001 – a builder bug must not lose the row: it is counted like a send error
        return _failed(email, error, addressed_to="")
    built.extra_headers["Message-ID"] = email.message_id
    return built


def _deliver(email: OutboxEmail) -> str:
    """Build and send one claimed row, then settle it."""
    built = _build(email)
    if isinstance(built, str):
        return built
    addressed_to = ", ".join(built.to)
    try:
        built.send()
    except Exception as error:  # noqa: BLE001 – SMTP down, refused, timed out: try again later
        return _failed(email, error, addressed_to=addressed_to)
    OutboxEmail._base_manager.filter(pk=email.pk).update(**_sent(email, sent_at=timezone.now(),
                                                                   addressed_to=addressed_to))
    return "sent"


def _failed(email: OutboxEmail, error: Exception, *, addressed_to: str) -> str:
    text = f"{type(error).__name__}: {error}"[:1000]
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        _finish(email.pk, kind=email.kind, status=OutboxEmail.Status.FAILED, last_error=text,
                addressed_to=addressed_to)
        log.error("Outbox email %s (%s) failed for good: %s", email.pk, email.kind, text)
        return "failed"
    # Back off: 1, 2, 4, 8 … minutes, at most an hour.
    delay = timedelta(minutes=min(2 ** (email.attempts - 1), 60))
    _finish(email.pk, last_error=text, available_at=timezone.now() + delay, addressed_to=addressed_to)
    log.warning("Outbox email %s (%s) not sent, will retry: %s", email.pk, email.kind, text)
    return "retry"


def sweep(*, limit: int = 500) -> dict[str, int]:
    """Send what is due and has been waiting longer than its own task should take: rows whose task was never
    queued (broker down), was lost with a dead worker (lease run out), or is due a retry."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    with places.unscoped():  # every place's emails
        ids = list(
            OutboxEmail.objects.due(now).filter(available_at__lte=grace).order_by("available_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
    outcomes: dict[str, int] = {}
    for start in range(0, len(ids), settings.OUTBOX_BATCH):
        for outcome, count in send_batch(ids[start:start + settings.OUTBOX_BATCH]).items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    return outcomes


def retry_failed(email_ids) -> int:
    """Give failed emails a fresh set of attempts (after the address was fixed, say), and queue them."""
    ids = list(OutboxEmail.objects.failed().filter(pk__in=list(email_ids)).values_list("pk", flat=True))
    OutboxEmail.objects.filter(pk__in=ids).update(
        status=OutboxEmail.Status.PENDING, attempts=0, available_at=timezone.now(), claimed_until=None
    )
    transaction.on_commit(lambda: [dispatch(pk) for pk in ids])
    return len(ids)
