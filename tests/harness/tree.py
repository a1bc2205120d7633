"""The repository's root: where every child process of the rig runs, so `-m server…` and
`-m bench…` resolve to this tree."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
