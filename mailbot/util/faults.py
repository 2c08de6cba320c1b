"""Named crash points for restart tests.

`MAILBOT_CRASH_AT=after-register` makes the process die (os._exit, like
kill -9: no cleanup, no flush) the first time it reaches that point. Tests
use it to prove that a restart ends in the same state as no crash. Unset in
production, it costs one dictionary lookup.
"""

import os


def crash_point(name: str) -> None:
    if os.environ.get("MAILBOT_CRASH_AT") == name:
        os._exit(86)
