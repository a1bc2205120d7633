"""Reading the collector pauses that `gcprobe/sitecustomize.py` logged, over one window."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GcPauses:
    full_collections: int
    max_full_ms: float
    total_ms: float
    max_any_ms: float

    def as_dict(self) -> dict[str, float]:
        return {
            "full_collections": self.full_collections,
            "max_full_pause_ms": round(self.max_full_ms, 2),
            "total_pause_ms": round(self.total_ms, 2),
            "max_pause_ms": round(self.max_any_ms, 2),
        }


def pauses_between(logs: tuple[Path, ...], start: float, end: float) -> GcPauses:
    full: list[float] = []
    every: list[float] = []
    for path in logs:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            at, generation, ms = line.split()
            if start <= float(at) <= end:
                every.append(float(ms))
                if generation == "2":
                    full.append(float(ms))
    return GcPauses(len(full), max(full, default=0.0), sum(every), max(every, default=0.0))
