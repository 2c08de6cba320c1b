"""Short error text for logs, status records and database columns."""

from __future__ import annotations


def short_error(exc: BaseException, limit: int = 500) -> str:
    """`Type: message` on one line, at most `limit` characters ("..." marks a cut).

    A timeout says so even when its message does not ("timed out"); an exception
    without a message is just its type's name.
    """
    text = " ".join(str(exc).split())
    if isinstance(exc, TimeoutError) and "timed out" not in text.lower():
        text = f"timed out ({text})" if text else "timed out"
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= limit else line[: max(limit - 3, 0)] + "..."
