"""The rig that the tests and the benchmarks share: free ports, Plenum and `redis-server` as real
processes, meetings made over the API, and waiting with a deadline.

Standard library, `redis` and Plenum's own settings only (no pytest, no httpx): `python -m bench`
runs on `.[bench]` alone.
"""
