"""Intake: bring raw messages in and nothing else — IMAP mailboxes (`imap/`), an SMTP listener
on loopback (`smtp.py`), `.eml` files named on the command line (`files.py`). Each hands the
bytes to a receiver the runtime gives it (spool and record first) before telling its source."""
