"""Where a benchmark's results go (`bench/results/`, git-ignored) and how they are written."""

import json
import math
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


def percentile_ms(ordered: list[float], q: float, digits: int) -> float:
    """The `q` quantile (nearest rank) of sorted seconds, in milliseconds; NaN if there are none."""
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(q * len(ordered)) - 1)
    return round(ordered[rank] * 1000, digits)


def write_json(results: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
