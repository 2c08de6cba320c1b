"""Named crash and hang points for restart and watchdog tests.

`MAILBOT_CRASH_AT=after-register` makes the process die (os._exit, like
kill -9: no cleanup, no flush) the first time it reaches that point. Tests
use it to prove that a restart ends in the same state as no crash. Unset in
production, it costs one dictionary lookup.
"""

import os


def crash_point(name: str) -> None:
    if os.environ.get("MAILBOT_CRASH_AT") == name:
        os._exit(86)


def hang_point(name: str) -> None:
    """`MAILBOT_HANG_AT=main-loop` makes the thread that reaches that point block for ever
    (a deadlock, as the watchdog must see it)."""
    if os.environ.get("MAILBOT_HANG_AT") == name:
        import threading

        threading.Event().wait()
