"""No module of `rooms` or `server` imports one that imports it back, directly or through others.

Imports under `if TYPE_CHECKING:` count: a cycle hidden from the interpreter is still two modules
that cannot be read, or changed, one without the other. A package's `__init__` re-exporting its
own modules is not a cycle.
"""

import ast
from pathlib import Path

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
