"""Register: a decision applied in one transaction (số đến, entry, attachments, audit, outbox); reading the register back."""
