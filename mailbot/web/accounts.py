"""The web view's accounts: a text file of `name:role:scrypt$n$r$p$salt$hash` lines.

Passwords are hashed with scrypt (Python's hashlib, no extra package) and never stored or
logged in clear; the file lives outside rules.yaml (`web.users_file`). It is read again at
each login, so adding or removing someone takes effect without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mailbot.util.durable import write_durably

ROLES = ("leader", "clerk")
# scrypt cost: 2^14 × 8 × 128 bytes = 16 MiB and ~0.1 s per check here — slow for guessing.
_N, _R, _P = 2 ** 14, 8, 1


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    hashed: str


def hash_password(password: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def password_matches(password: str, hashed: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = hashed.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(bytes.fromhex(digest)), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def _valid_name(name: str) -> bool:
    return bool(name) and ":" not in name and not any(ch.isspace() for ch in name)


def read_accounts(path: Path) -> dict[str, Account]:
    """The accounts in the file (an unreadable or missing file: none). Malformed lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    accounts = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.strip().split(":", 2)
        if len(parts) == 3 and _valid_name(parts[0]) and parts[1] in ROLES:
            accounts[parts[0]] = Account(*parts)
    return accounts


def check_login(path: Path, name: str, password: str) -> Account | None:
    """The account when the name and password match; None otherwise (same work either way)."""
    account = read_accounts(path).get(name)
    if account is None:
        password_matches(password, _DUMMY)      # do not tell unknown names by their speed
        return None
    return account if password_matches(password, account.hashed) else None


def set_account(path: Path, name: str, role: str, password: str) -> None:
    """Add or replace one account (file mode 0600)."""
    if not _valid_name(name):
        raise ValueError(f"{name!r} is not a usable account name (no ':' or spaces)")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    kept = [a for a in read_accounts(path).values() if a.name != name]
    kept.append(Account(name, role, hash_password(password)))
    body = "".join(f"{a.name}:{a.role}:{a.hashed}\n" for a in kept)
    write_durably(path, body.encode("utf-8"))
    os.chmod(path, 0o600)


_DUMMY = hash_password("not a password")
