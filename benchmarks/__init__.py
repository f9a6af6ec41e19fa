"""Acknowledgement latency and ingest benchmarks: `python benchmarks/run.py --help`."""
