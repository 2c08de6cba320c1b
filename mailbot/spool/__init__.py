"""Spool: the raw bytes of every message, stored by SHA-256 and recorded before anyone is answered."""
