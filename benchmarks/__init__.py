"""The mailbot benchmark (not shipped): `python benchmarks/run.py`; run.py's docstring lists the modules."""
