"""mailbot — email intake, register and dispatch for Vietnamese state agencies' official mailboxes."""

__version__ = "0.1.0"
