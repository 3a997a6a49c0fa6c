"""Benchmarks (not run by CI): `python -m bench [NAME...]` or `make bench`."""
