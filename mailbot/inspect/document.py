"""Register fields read from the text of a Vietnamese official document (pure, no I/O).

Being split along its seams: the reader moved whole to `document_header`
first, so that its history follows the largest part (the header block).
"""

from mailbot.inspect.document_header import FIELD_NAMES, DocumentFields, read_document

__all__ = ["DocumentFields", "FIELD_NAMES", "read_document"]
