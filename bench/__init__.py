"""Benchmarks: each module has a function returning figures and a `python -m bench.<name>` CLI."""
