"""The test tree imports the real packages by itself, installed or not: `tests/server` is
`tests.server`, never a stand-in for `server`."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.processes import inherited_env
from tests.harness.tree import ROOT

COLLECT_TIMEOUT_S = 180.0
# pytest collects the whole suite in a process where no installed copy of the project can be
# found (setuptools' editable finder removed), with the tree on PYTHONPATH only; then says where
# `server` came from.
COLLECT = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
import pytest
code = pytest.main(sys.argv[1:])
import server
print("server from", server.__file__)
sys.exit(code)
"""


@pytest.mark.slow
def test_the_suite_collects_against_the_real_server_package_without_an_install(
    tmp_path: Path,
) -> None:
    env = {**inherited_env(), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable, "-c", COLLECT,
            "--collect-only", "-q", "-p", "no:cacheprovider",
            "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(ROOT / "tests"),
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=COLLECT_TIMEOUT_S,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"server from {ROOT / 'server' / '__init__.py'}" in done.stdout
