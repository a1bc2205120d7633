"""The layout the README describes holds.

No module of `rooms` or `server` imports one that imports it back, directly or through others;
each package of `server` imports only the layers below it (the table `LAYERS`); and each package
imports alone, in a fresh interpreter. Imports under `if TYPE_CHECKING:` and inside functions
count: a cycle hidden from the interpreter is still two modules that cannot be read, or changed,
one without the other. A package's `__init__` re-exporting its own modules is not a cycle.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rooms", "server")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that the module at `path` imports, wherever in it."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                named.add(submodule if submodule in known else node.module)
        elif isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
    return {name for name in named if name in known}


def cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path of imports from `start` back to it, if there is one."""
    seen: set[str] = set()
    stack = [(start, [start])]
    while stack:
        module, path = stack.pop()
        for imported in sorted(graph[module]):
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    known = modules()
    graph = {
        name: {m for m in imports(path, known) if not m.startswith(f"{name}.") and m != name}
        for name, path in known.items()
    }
    cycles = [c for name in sorted(graph) if (c := cycle_through(graph, name)) is not None]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


# What each part of the tree may import, besides itself: the README's Layout, as a table. `server`
# is the modules directly in server/ that every layer shares (settings, clock, tokens, client
# addresses and rate limits); `server.app` and `server.cli` assemble everything.
LAYERS: dict[str, set[str]] = {
    "rooms": set(),
    "server.sfu": {"rooms"},
    "server.protocol": {"rooms"},
    "server": {"rooms", "server.sfu"},
    "server.meetings": {"rooms", "server", "server.protocol"},
    "server.cluster": {"rooms", "server", "server.protocol", "server.meetings"},
    "server.rtc": {
        *("rooms", "server", "server.protocol", "server.meetings", "server.cluster"),
        "server.sfu",
    },
    # The embedded store: what the one-process hub and ballot box keep, in SQLite.
    "server.sqlite": {"rooms", "server", "server.meetings"},
    "server.implementations": {
        *("server", "server.meetings", "server.cluster", "server.rtc", "server.sqlite"),
    },
    "server.services": {
        *("rooms", "server", "server.meetings", "server.rtc", "server.implementations"),
    },
    "server.signalling": {
        *("rooms", "server", "server.protocol", "server.meetings", "server.rtc", "server.sfu"),
        "server.services",
    },
    # The API submits the organiser's commands to a meeting (`MeetingHandle`, `Unavailable`).
    "server.web": {
        *("rooms", "server", "server.protocol", "server.meetings", "server.services"),
        "server.record",
    },
    # The meeting's record written out: pure, from `rooms.record`.
    "server.record": {"rooms"},
}
ASSEMBLY = {"server.app", "server.cli"}


def part_of(module: str) -> str:
    """The part of the tree a module belongs to: `rooms`, a package of server/, or `server`."""
    parts = module.split(".")
    if parts[0] == "rooms":
        return "rooms"
    if len(parts) > 1 and (ROOT / "server" / parts[1]).is_dir():
        return f"server.{parts[1]}"
    if module in LAYERS or module in ASSEMBLY:
        return module
    return "server"


def test_each_part_imports_only_the_layers_below_it() -> None:
    known = modules()
    crossings = []
    for name, path in sorted(known.items()):
        part = part_of(name)
        if part in ASSEMBLY:
            continue
        assert part in LAYERS, f"{name} belongs to no layer: add its package to LAYERS"
        for imported in sorted(imports(path, known)):
            other = part_of(imported)
            if other != part and other not in LAYERS[part]:
                crossings.append(f"{name} imports {imported} ({part} may not use {other})")
    assert not crossings, "imports against the layers:\n" + "\n".join(crossings)


@pytest.mark.parametrize("part", sorted({part_of(name) for name in modules()} - {"server"}))
def test_each_part_imports_alone(part: str) -> None:
    # A fresh interpreter per part: nothing imported before it can hide a missing import.
    done = subprocess.run(
        [sys.executable, "-c", f"import {part}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
