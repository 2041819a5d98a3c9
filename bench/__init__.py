"""Benchmarks for BigLedger. Run `python -m bench [startup|companies|events|subscribers|profile]`.

Numbers, method and machine go to `bench/RESULTS.md`.
"""
