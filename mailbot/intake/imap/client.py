"""The IMAP conversation: open, secure and log in, close; find or create the mailbox's folders;
fetch sizes, bodies in pieces and headers; flag and move.

Stateless helpers around an `IMAPClient`; the watcher owns the connection and
decides what to do.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any, Iterable

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError

from mailbot.util.tlsutil import client_context
from mailbot.intake.imap.plan import Folders, ImapConfigError, ImapOptions, check_transport, chunks, match_folder, nfc, uid_set


class ImapProtocolError(Exception):
    """The server broke the conversation (BYE, dead connection, unexpected answer)."""


def tls_context(cafile: str | None) -> ssl.SSLContext:
    return client_context(cafile)


def _keepalive(sock: socket.socket) -> None:
    """Let the kernel notice a dead peer even while we sit in IDLE."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 15), ("TCP_KEEPCNT", 4)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:
        pass


def open_client(imap: Any, options: ImapOptions) -> IMAPClient:
    """Connect, secure and log in according to the mailbox settings."""
    check_transport(imap)
    timeout = SocketTimeout(connect=options.connect_timeout_seconds, read=options.read_timeout_seconds)
    implicit = imap.tls == "implicit"
    context = tls_context(options.cafile) if imap.tls != "none" else None
    client = IMAPClient(imap.host, port=imap.port, ssl=implicit, ssl_context=context if implicit else None,
                        timeout=timeout)
    try:
        _keepalive(client.socket())
        if imap.tls == "starttls":
            if not client.has_capability("STARTTLS"):
                raise ImapConfigError(f"{imap.host}:{imap.port} does not offer STARTTLS; refusing plaintext")
            client.starttls(context)
            _keepalive(client.socket())
        client.normalise_times = False          # INTERNALDATE with its offset
        _login(client, imap)
    except BaseException:
        close_client(client)
        raise
    return client


def _login(client: IMAPClient, imap: Any) -> None:
    token_file = getattr(imap, "oauth2_token_file", None)
    if token_file:
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
        client.oauth2_login(imap.username, token)
        return
    password = imap.password()
    if password is None:
        raise ImapConfigError("no password_file, password_env or oauth2_token_file for the IMAP login")
    client.login(imap.username, password)


def close_client(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.socket().settimeout(2)
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


# -- folders ----------------------------------------------------------------------

def prepare_folders(client: IMAPClient, wanted: dict[str, str], *, mailbox: str,
                    log: logging.Logger | logging.LoggerAdapter, roles: Any = Folders) -> Any:
    """The server spellings of the inbox, done, refused and review folders (`wanted`: role →
    configured name) of `mailbox`, creating those that do not exist yet. `roles`: what to
    return them in (`dict` for other sets of folders, e.g. the clerk's action folders)."""
    existing = [name for _flags, _delim, name in client.list_folders()]
    prefix = _personal_prefix(client)
    resolved = {}
    for role, name in wanted.items():
        resolved[role] = _ensure_folder(client, name, existing, prefix, mailbox, log)
        existing.append(resolved[role])
    return roles(**resolved)


def _personal_prefix(client: IMAPClient) -> str:
    if not client.has_capability("NAMESPACE"):
        return ""
    try:
        personal = client.namespace().personal or ()
    except Exception:
        return ""
    return personal[0][0] if personal else ""


def _ensure_folder(client: IMAPClient, name: str, existing: list[str], prefix: str, mailbox: str,
                   log: logging.Logger | logging.LoggerAdapter) -> str:
    found = match_folder(name, existing)
    if found is None and prefix and name.upper() != "INBOX" and not nfc(name).startswith(nfc(prefix)):
        found = match_folder(prefix + name, existing)
        name = prefix + name
    if found is not None:
        return found
    name = nfc(name)
    log.info("creating folder %r in mailbox %s", name, mailbox)
    try:
        client.create_folder(name)
    except IMAPClientError as exc:
        # Someone may have created it in the meantime; check before giving up.
        again = [n for _f, _d, n in client.list_folders()]
        found = match_folder(name, again)
        if found is None:
            raise ImapProtocolError(f"cannot create folder {name!r}: {exc}") from exc
        return found
    try:
        client.subscribe_folder(name)   # so the clerks' mail clients show it
    except IMAPClientError:
        pass
    return name


# -- fetching and moving ----------------------------------------------------------

class Vanished(Exception):
    """The message was expunged while it was being fetched."""


def fetch_sizes_and_dates(client: IMAPClient, uids: list[int]) -> dict[int, dict]:
    """RFC822.SIZE and INTERNALDATE of each UID still there, fetched before any body."""
    meta: dict[int, dict] = {}
    for chunk in chunks(uids, 500):
        meta.update(client.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE"]))
    return meta


def fetch_pieces(client: IMAPClient, uid: int, piece_bytes: int) -> Iterable[bytes]:
    """BODY.PEEK[]<offset.length> partial fetches until a short (or empty) piece."""
    offset = 0
    while True:
        data = client.fetch([uid], [f"BODY.PEEK[]<{offset}.{piece_bytes}>"]).get(uid, {})
        piece = next((bytes(v) for k, v in data.items()
                      if isinstance(k, bytes) and k.startswith(b"BODY[]") and v is not None), None)
        if piece is None:
            raise Vanished(uid)
        if piece:
            yield piece
        if len(piece) < piece_bytes:
            return
        offset += len(piece)


def peek_header(client: IMAPClient, uid: int, limit: int) -> bytes:
    """The first `limit` bytes of a message's header (b"" when there is none)."""
    section = f"BODY.PEEK[HEADER]<0.{limit}>"
    data = client.fetch([uid], [section]).get(uid, {})
    headers = b""
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(b"BODY[HEADER]") and value:
            headers = bytes(value)
    return headers


def flag_and_move(client: IMAPClient, uids: list[int], target: str, *, keyword: str | None, mailbox: str,
                  log: logging.Logger | logging.LoggerAdapter) -> None:
    """Flag the sources with `keyword` (None: the server takes no keywords) and move them;
    never a bare EXPUNGE."""
    if keyword:
        client.add_flags(uids, [keyword], silent=True)
    if client.has_capability("MOVE"):
        client.move(uids, target)
        return
    client.copy(uids, target)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        # Without UIDPLUS an EXPUNGE would remove every \Deleted message in the
        # folder, including ones a person marked: leave them flagged instead.
        log.warning("mailbox %s: server lacks MOVE and UIDPLUS; UID(s) %s copied to %r and "
                    "flagged \\Deleted, not expunged", mailbox, uid_set(uids), target)
