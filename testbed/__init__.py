"""Real servers and a test PKI on loopback, for the tests and the benchmark.

- `testbed.dovecot`: a throw-away Dovecot IMAP server (private config, 127.0.0.1, free port).
- `testbed.relay`: an aiosmtpd SMTP relay with STARTTLS and AUTH (the pytest fixtures that
  start one per test live in tests/conftest.py).
- `testbed.pki`: a throw-away PKI (roots, intermediate, signers, CRLs) and signed test PDFs.

Used by tests/ and benchmarks/; not shipped in the wheel (pyproject.toml packages only
`mailbot*`), and nothing in mailbot/ imports it.
"""
