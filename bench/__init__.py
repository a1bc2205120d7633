"""Benchmarks of Plenum against what a Python developer would otherwise pick: `python -m bench`.

Everything runs on loopback, in processes the benchmark starts and stops itself: the servers,
Redis and the load generators. Results are written under `bench/results/` (git-ignored).
"""
