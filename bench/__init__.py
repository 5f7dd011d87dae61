"""Benchmarks (not tests): `make bench` runs every module here; figures go to stdout."""
