"""Intake: bring raw messages in (IMAP, SMTP/LMTP, .eml files) and nothing else."""
