# The two commands a newcomer needs (README): `make demo` and `make test`.
# Both install what they need first (Debian packages when run as root, and .venv).
.PHONY: setup demo test bench bench-full clean

setup:
	@./scripts/setup.sh

demo: setup
	.venv/bin/mailbot demo

test: setup
	.venv/bin/python -m pytest -q

# Real daemon against real Dovecot and an SMTP relay on loopback; see benchmarks/README.md.
bench: setup
	.venv/bin/python benchmarks/run.py --quick

bench-full: setup
	.venv/bin/python benchmarks/run.py --full

clean:
	rm -rf .venv .pytest_cache build *.egg-info
