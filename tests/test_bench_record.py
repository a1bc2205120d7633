"""`python -m bench record` runs at a small size: the record from the fold equals the replay's,
every export is written, and the figures go to JSON."""

import json
from pathlib import Path

from bench.__main__ import main


def test_the_record_benchmark_measures_each_step(tmp_path: Path) -> None:
    written = tmp_path / "record.json"
    argv = ["record", "--people", "30", "--rooms", "3", "--chat", "200", "--repeat", "1"]

    assert main([*argv, "--json", str(written)]) == 0

    results = json.loads(written.read_text())
    steps = {row["step"]: row for row in results["steps"]}
    for export in ("JSON export", "CSV export", "minutes export (HTML)"):
        assert steps[export]["bytes"] > 0
    assert steps["record (fold)"]["median_ms"] >= 0
    assert results["summary"]["records_equal"] is True
    assert results["summary"]["public_chat_lines"] == 200
