"""The order mailbox: new messages in an IMAP folder become drafts (or change requests,
or communications on the order they quote) through `intake_email`, each exactly once.

One round (`poll_once`): log in, SELECT the folder, ask for the UNSEEN messages, and take
each in its own transaction:

1. The key is "folder:uidvalidity:uid" (`InboundEmail.mailbox_uid`, unique). A key already
   in the database was taken before (by this poller before a crash, or by another one):
   the message is only flagged \\Seen.
2. The message is fetched with BODY.PEEK[] (fetching does not mark it read) and handed to
   `intake_email`, which inserts the InboundEmail row first. Two pollers racing for the
   same message both insert the same key; the database lets one commit and the other gets
   IntegrityError, rolls back and skips it. So the unique key, not the flag, decides.
3. After the commit the message is flagged \\Seen. A crash between commit and flag leaves
   it unseen; the next round finds its key taken and only flags it (step 1).

We flag \\Seen rather than move messages to a "Processed" folder: it works on every IMAP
server with no folder to create, and the messages stay where people look for them. A
consequence to know: the mailbox belongs to the poller; a message someone marks read in a
mail client before the poller sees it is not taken (mark it unread again to have it taken).

A message larger than MAX_EMAIL_BYTES is kept with its headers only, and one that breaks
the intake is kept as it came; both wait for a rep with the problem said, and are flagged
like any other: never retried forever. Database trouble (locked, gone) ends the round
without flagging, so the message is tried again next round.

imaplib from the standard library is enough for the five commands used here (LOGIN,
SELECT, UID SEARCH, UID FETCH, UID STORE): no dependency added.
"""

import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.orders.intake import intake_email, keep_email
from app.orders.models import InboundEmail, Order

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
UIDVALIDITY_RE = re.compile(rb"UIDVALIDITY (\d+)")
SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """The mailbox could not be reached or read; the message is for the person running it."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    use_ssl: bool = True
    max_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_config(cls, config) -> "MailboxSettings":
        return cls(host=config["IMAP_HOST"], port=int(config["IMAP_PORT"]), user=config["IMAP_USER"],
                   password=config["IMAP_PASSWORD"], folder=config["IMAP_FOLDER"] or "INBOX",
                   use_ssl=bool(config["IMAP_SSL"]), max_bytes=int(config["MAX_EMAIL_BYTES"]))

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass
class PollResult:
    drafts: int = 0
    about_orders: int = 0  # change requests and communications on the order they quote
    waiting: int = 0  # for a rep: unknown sender, or an order number that is not theirs
    with_problems: int = 0  # too big, or broke the intake: kept as they came
    already_taken: int = 0

    @property
    def taken(self) -> int:
        return self.drafts + self.about_orders + self.waiting + self.with_problems

    def __str__(self) -> str:
        return (f"{self.taken} new message(s): {self.drafts} draft(s), {self.about_orders} about an existing order, "
                f"{self.waiting} waiting for a rep, {self.with_problems} kept with a problem; "
                f"{self.already_taken} already taken")


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(settings: MailboxSettings) -> tuple[imaplib.IMAP4, str]:
    """Log in and select the folder; (connection, uidvalidity)."""
    try:
        if settings.use_ssl:
            imap = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=ssl.create_default_context(),
                                     timeout=TIMEOUT_SECONDS)
        else:
            imap = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"The order mailbox {settings.host}:{settings.port} cannot be reached: {exc}") from exc
    try:
        imap.login(settings.user, settings.password)
        status, data = imap.select(_quote(settings.folder))
        if status != "OK":
            raise MailboxError(f"The folder {settings.folder} cannot be opened: {_said(data)}")
        _status, validity = imap.response("UIDVALIDITY")
        uidvalidity = (validity or [b""])[0]
        if not uidvalidity:
            raise MailboxError(f"The folder {settings.folder} gave no UIDVALIDITY.")
    except (OSError, imaplib.IMAP4.error, MailboxError) as exc:
        _logout(imap)
        if isinstance(exc, MailboxError):
            raise
        raise MailboxError(f"The order mailbox {settings.where} refused us: {exc}") from exc
    return imap, uidvalidity.decode()


def _said(data) -> str:
    return " ".join(x.decode(errors="replace") if isinstance(x, bytes) else str(x) for x in data or [])


def _logout(imap) -> None:
    try:
        imap.logout()
    except (OSError, imaplib.IMAP4.error):
        pass


def _command(imap, *args) -> list:
    status, data = imap.uid(*args)
    if status != "OK":
        raise MailboxError(f"The mailbox answered {status} to UID {args[0]}: {_said(data)}")
    return data


def _literal(data) -> bytes | None:
    """The message bytes of a FETCH answer: [(b'1 (UID 5 BODY[] {123}', b'...'), b')']."""
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _message_id(raw: bytes) -> str | None:
    try:
        return str(BytesHeaderParser(policy=default_policy).parsebytes(raw).get("Message-ID", "")).strip() or None
    except Exception:  # noqa: BLE001  a header we cannot read: no Message-ID, the message is still taken
        return None


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{-(-count // 1024)} KB"


def _taken(key: str) -> bool:
    return db.session.execute(select(InboundEmail.id).where(InboundEmail.mailbox_uid == key)).first() is not None


def _count(result: PollResult, inbound: InboundEmail) -> None:
    if inbound.order_id is None:
        result.waiting += 1
    elif db.session.get(Order, inbound.order_id).number is None:
        result.drafts += 1
    else:
        result.about_orders += 1


def take_message(imap, uid: str, key: str, settings: MailboxSettings, commit, result: PollResult) -> None:
    """Take one message in its own transaction; flag it \\Seen once it is committed."""
    if _taken(key):
        db.session.rollback()
        result.already_taken += 1
        _flag_seen(imap, uid)
        return
    db.session.rollback()  # no transaction (or SQLite write lock) held while the message downloads
    size_data = _command(imap, "FETCH", uid, "(RFC822.SIZE)")
    size_match = SIZE_RE.search(b" ".join(x if isinstance(x, bytes) else x[0] for x in size_data if x))
    size = int(size_match.group(1)) if size_match else 0
    if size > settings.max_bytes:
        raw = _literal(_command(imap, "FETCH", uid, "(BODY.PEEK[HEADER])")) or b""
        problem = (f"The message is {_size(size)}, larger than the {_size(settings.max_bytes)} limit "
                   "(MAX_EMAIL_BYTES): only its headers were kept. Open it in the order mailbox.")
    else:
        raw = _literal(_command(imap, "FETCH", uid, "(BODY.PEEK[])"))
        problem = None if raw is not None else "The mailbox gave no content for this message."
        raw = raw or b""
    ids = {"source": "imap", "message_id": _message_id(raw), "mailbox_uid": key}
    if problem is None:
        problem = _intake(raw, ids, key, commit, result)
    if problem is not None and not _keep(raw, problem, ids, key, commit, result):
        return  # left unseen: the next round tries again
    db.session.rollback()  # nothing held while the mailbox answers
    _flag_seen(imap, uid)


def _intake(raw: bytes, ids: dict, key: str, commit, result: PollResult) -> str | None:
    """Run the intake on one message and commit; the problem if it broke the intake."""
    try:
        inbound = intake_email(raw, None, **ids)
        commit()
    except OperationalError:
        db.session.rollback()
        raise  # the database, not the message: the round ends, the message is tried again
    except Exception as exc:  # noqa: BLE001  a message that breaks the intake is kept, not retried forever
        db.session.rollback()
        if isinstance(exc, IntegrityError) and _taken(key):
            db.session.rollback()
            result.already_taken += 1  # another poller took it first
            return None
        log.exception("Message %s could not be taken", key)
        return (f"The message could not be taken automatically ({type(exc).__name__}); "
                "make the draft by hand from the original.")
    _count(result, inbound)
    return None


def _keep(raw: bytes, problem: str, ids: dict, key: str, commit, result: PollResult) -> bool:
    """Keep a message that could not be taken; False if even that failed (tried again next round)."""
    try:
        keep_email(raw, problem, **ids)
        commit()
    except IntegrityError:
        db.session.rollback()
        taken = _taken(key)
        db.session.rollback()
        result.already_taken += taken
        return taken
    result.with_problems += 1
    return True


def _flag_seen(imap, uid: str) -> None:
    _command(imap, "STORE", uid, "+FLAGS", "(\\Seen)")


def poll_once(settings: MailboxSettings, commit, should_stop=lambda: False) -> PollResult:
    """Take every unseen message in the folder; `commit` commits one message's work (the
    command passes db.session.commit). Raises MailboxError when the mailbox fails."""
    result = PollResult()
    imap, uidvalidity = connect(settings)
    try:
        data = _command(imap, "SEARCH", None, "UNSEEN")
        uids = b" ".join(x for x in data if x).decode().split()
        for uid in uids:
            if should_stop():
                break
            take_message(imap, uid, f"{settings.folder}:{uidvalidity}:{uid}"[:200], settings, commit, result)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"The order mailbox {settings.where} failed during the round: {exc}") from exc
    finally:
        db.session.rollback()
        _logout(imap)
    return result


def poll_forever(settings: MailboxSettings, interval: float, commit, should_stop=lambda: False, echo=print) -> None:
    """Poll, wait `interval` seconds, repeat until told to stop; a mailbox or database that
    fails is said and tried again next round."""
    while not should_stop():
        try:
            result = poll_once(settings, commit, should_stop)
            if result.taken or result.already_taken:
                echo(f"mailbox: {result}")
        except MailboxError as exc:
            echo(f"mailbox: {exc}; trying again in {interval:g} s")
        except OperationalError as exc:
            echo(f"mailbox: the database failed ({type(exc).__name__}); trying again in {interval:g} s")
        db.session.remove()
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.2, interval))
