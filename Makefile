# The two commands a newcomer needs (README): `make demo` and `make test`.
# Both install what they need first (Debian packages when run as root, and .venv).
.PHONY: setup demo test clean

setup:
	@./scripts/setup.sh

demo: setup
	.venv/bin/mailbot demo

test: setup
	.venv/bin/python -m pytest -q

clean:
	rm -rf .venv .pytest_cache build *.egg-info
