"""Inspection: bytes in, a report out. Pure: no database writes, no mail sent (DESIGN §2)."""
