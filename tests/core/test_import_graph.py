"""The shell's modules import each other without a cycle (issue 16, point 5).

The graph is read from the source (``import``/``from … import`` anywhere in a
module, ``if TYPE_CHECKING:`` blocks left out), so an import deferred into a
function still counts: a cycle hidden that way is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import propdesk

SRC = Path(propdesk.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    # a module imports the known modules it names, and (importing them) their packages
    out: set[str] = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    paths = sorted(SRC.rglob("*.py"))
    known = {_module_name(p) for p in paths}
    return {
        _module_name(p): _imports(ast.parse(p.read_text(encoding="utf-8")), _module_name(p),
                                  p.name == "__init__.py", known)
        for p in paths
    }


def _shell(name: str) -> bool:
    return not name.startswith(("propdesk.domain", "propdesk.sim")) and name != "propdesk"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_graph_sees_imports() -> None:
    graph = _graph()
    assert "propdesk.adapters.keys" in graph["propdesk.adapters.sqlite"]
    assert "propdesk.adapters" in graph["propdesk.plugins"]  # the built-ins, loaded in a function
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_adapters_do_not_import_the_plugin_manager() -> None:
    graph = _graph()
    offenders = {m: sorted(graph[m] & {"propdesk.plugins"}) for m in graph
                 if m.startswith("propdesk.adapters") and "propdesk.plugins" in graph[m]}
    assert offenders == {}


def test_no_import_cycle_between_the_shell_modules() -> None:
    graph = _graph()
    shell = {m: {t for t in targets if _shell(t)} for m, targets in graph.items() if _shell(m)}
    assert _cycle(shell) is None
