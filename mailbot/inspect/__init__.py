"""Inspection: bytes in, a report out. Pure: no database writes, no mail sent (docs/DESIGN.md §2)."""
