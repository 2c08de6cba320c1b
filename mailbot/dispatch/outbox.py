"""Send the queued notices (outbox rows) and keep their retry state.

Rows are inserted by the register transaction together with the entry
(docs/DESIGN.md §2); this module only moves them along:

    pending ──send ok──► sent
       │  └─temporary failure─► pending (attempts+1, next_attempt_at later)
       └────permanent failure, or max_attempts used up──► failed

Without an SMTP relay (`rules.smtp` unset: the embedded default of
`mailbot demo`) each notice is written to the outbox folder as an .eml file
and counts as sent.

Crash safety — at-least-once, never lost. Before a row is handed to the relay
it is *claimed*: one UPDATE adds the attempt and pushes next_attempt_at past
the retry delay. If the process dies after the relay's 250 but before the row
is marked sent, the row is still pending and is sent again once that delay
has passed — with the same bytes and the same deterministic Message-ID, so
the recipient's client can recognise the duplicate. The alternative (mark
first, send second) would lose a notice on a crash, which the sender of an
official document is entitled to receive. The claim is a compare-and-set on
`attempts`, so two dispatchers on one database never send a row together.

All timestamps written here are UTC ISO 8601 with offset; rows written by
others may carry any offset and are compared as datetimes, not as text.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlite_utils

from mailbot.config import Rules
from mailbot.dispatch.smtp import PermanentFailure, Session, TemporaryFailure
from mailbot.store import outbox as outbox_rows
from mailbot.store.schema import utc_iso
from mailbot.util.durable import write_durably

log = logging.getLogger("mailbot.dispatch")

_MAX_ERROR_CHARS = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Dispatcher:
    def __init__(self, rules: Rules, db: sqlite_utils.Database, *,
                 clock: Callable[[], datetime] = datetime.now, keep_connection: bool = False):
        """`keep_connection`: leave the relay connection open after `send_due()` for the next
        notices (the daemon, which then calls `close_idle()`); else each call closes it."""
        self.rules = rules
        self.keep_connection = keep_connection
        self.db = db
        self._clock = clock
        self._random = random.Random()
        self._session: Session | None = None   # one relay connection, kept while notices flow

    # -- public ----------------------------------------------------------------
    def send_due(self) -> int:
        """Send every pending notice that is due now; return how many were sent."""
        now = self._now()
        due = self._due_rows(now)
        if not due:
            return 0
        if self.rules.smtp is None:
            return sum(self._write_eml(row, now) for row in due)
        try:
            return self._send_relay(due, now)
        finally:
            if not self.keep_connection:
                self.close()

    def close_idle(self, after_seconds: float) -> float | None:
        """Close the relay connection once unused for `after_seconds`; return the seconds until
        it should be checked again, or None when no connection is open."""
        idle = self._session.idle_seconds if self._session is not None else None
        if idle is None:
            return None
        if idle >= after_seconds:
            self.close()
            return None
        return after_seconds - idle

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def next_due(self) -> datetime | None:
        """When the earliest pending notice is due (UTC), or None when nothing is pending."""
        times = [when for _, when in self._pending()]
        return min(times) if times else None

    # -- selection ---------------------------------------------------------------
    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:      # datetime.now() gives local wall time
            now = now.astimezone()
        return now.astimezone(timezone.utc)

    def _pending(self) -> list[tuple[int, datetime]]:
        # An unreadable timestamp counts as due: better sent than stuck.
        return [(row_id, _parse_time(value, row_id) or _EPOCH)
                for row_id, value in outbox_rows.pending_times(self.db)]

    def _due_rows(self, now: datetime) -> list[dict]:
        ids = [row_id for row_id, when in sorted(self._pending(), key=lambda p: (p[1], p[0])) if when <= now]
        rows = [outbox_rows.load_pending(self.db, row_id) for row_id in ids]
        return [row for row in rows if row is not None]

    # -- relay -----------------------------------------------------------------
    def _send_relay(self, rows: list[dict], now: datetime) -> int:
        relay = self.rules.smtp
        assert relay is not None
        if relay.cafile:
            relay = relay.model_copy(update={"cafile": str(self.rules.path(relay.cafile))})
        where = f"{relay.host}:{relay.port}"
        try:
            password = relay.password()
        except Exception as exc:   # unreadable file, unset variable: try again later
            password_error = f"cannot read the relay password: {exc}"
        else:
            password_error = None

        sent = 0
        for index, row in enumerate(rows):
            if not self._claim(row, now):
                continue
            attempt = row["attempts"] + 1
            envelope_sender = row["envelope_sender"] or relay.envelope_sender
            try:
                if password_error:
                    raise TemporaryFailure(password_error, unreachable=True)
                self._relay_session(relay, password).send(_raw(row), envelope_sender=envelope_sender,
                                                          recipient=row["recipient"])
            except PermanentFailure as exc:
                self._fail(row, str(exc))
                log.error("notice %d (%s to %s) refused for good: %s", row["id"], row["kind"], row["recipient"], exc)
            except TemporaryFailure as exc:
                retry_at = self._retry(row, attempt, str(exc), now)
                if exc.unreachable:
                    # Nothing else can go through now either: do not spend a
                    # connection timeout per row. The others keep their
                    # attempts and follow this row's schedule.
                    self._postpone(rows[index + 1:], str(exc), retry_at or now + timedelta(seconds=self._delay(1)))
                    break
            except Exception as exc:   # a bug must not stop the queue; the row keeps its schedule
                log.exception("notice %d (%s to %s): unexpected error while sending", row["id"], row["kind"],
                              row["recipient"])
                self._retry(row, attempt, f"unexpected error: {type(exc).__name__}: {exc}", now)
            else:
                self._mark_sent(row)
                sent += 1
                log.info("sent notice %d (%s, %s) to %s via %s", row["id"], row["kind"],
                         row["message_id"], row["recipient"], where)
        return sent

    def _relay_session(self, relay, password: str | None) -> Session:
        session = self._session
        if session is None or session.relay != relay or session.password != password:
            self.close()             # first use, or the password file changed
            session = self._session = Session(relay, password)
        return session

    def _claim(self, row: dict, now: datetime) -> bool:
        lease = now + timedelta(seconds=self._delay(row["attempts"] + 1))
        return outbox_rows.claim(self.db, row["id"], row["attempts"], utc_iso(lease))

    def _retry(self, row: dict, attempt: int, error: str, now: datetime) -> datetime | None:
        """Schedule the next attempt and return its time; None when the row has failed for good."""
        if attempt >= self.rules.notices.max_attempts:
            self._fail(row, f"gave up after {attempt} attempts: {error}")
            log.error("notice %d (%s to %s) failed after %d attempts: %s",
                      row["id"], row["kind"], row["recipient"], attempt, error)
            return None
        later = now + timedelta(seconds=self._delay(attempt))
        outbox_rows.reschedule(self.db, row["id"], utc_iso(later), error[:_MAX_ERROR_CHARS])
        log.warning("notice %d (%s to %s) not sent (attempt %d of %d), retry at %s: %s",
                    row["id"], row["kind"], row["recipient"], attempt, self.rules.notices.max_attempts,
                    utc_iso(later), error)
        return later

    def _postpone(self, rows: list[dict], error: str, later: datetime) -> None:
        if not rows:
            return
        for row in rows:
            outbox_rows.reschedule(self.db, row["id"], utc_iso(later), f"not tried: {error}"[:_MAX_ERROR_CHARS])
        log.warning("%d more notice(s) postponed to %s: relay unavailable", len(rows), utc_iso(later))

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random ("equal jitter")."""
        notices = self.rules.notices
        ceiling = min(notices.retry_max_seconds, notices.retry_base_seconds * 2 ** max(attempt - 1, 0))
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def _fail(self, row: dict, error: str) -> None:
        outbox_rows.fail(self.db, row["id"], error[:_MAX_ERROR_CHARS])

    def _mark_sent(self, row: dict) -> None:
        outbox_rows.mark_sent(self.db, row["id"], utc_iso(self._now()))

    # -- no relay: .eml files ----------------------------------------------------
    def _write_eml(self, row: dict, now: datetime) -> int:
        if not self._claim(row, now):
            return 0
        folder = self.rules.outbox_dir
        created = (_parse_time(row["created_at"], row["id"]) or now).astimezone(ZoneInfo(self.rules.office.timezone))
        path = folder / f"{created:%Y-%m-%d}-{row['id']}-{row['kind']}.eml"
        try:
            write_durably(path, _raw(row))
        except OSError as exc:
            self._retry(row, row["attempts"] + 1, f"cannot write {path}: {exc}", now)
            return 0
        self._mark_sent(row)
        log.info("wrote notice %d (%s to %s) to %s", row["id"], row["kind"], row["recipient"], path)
        return 1


# -- helpers -----------------------------------------------------------------------


def _raw(row: dict) -> bytes:
    raw = row["raw"]
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)


def _parse_time(value: str | None, row_id: int) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        log.warning("outbox row %d has an unreadable timestamp %r", row_id, value)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
