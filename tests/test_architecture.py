"""The layering DESIGN.md asks for, read from the source: no import cycles among the modules of support/ and kb/,
and the knowledge base never imports the ticket code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("support", "kb")

# Cycles through imports inside functions that another part of issue 12 removes (the requester pages move out of
# support/channels/web_form.py). Delete an entry once its cycle is gone; the test says when.
CYCLES_BEING_REMOVED: set[frozenset[str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_statements(tree: ast.Module, *, inside_functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is imported (and, if asked, those inside functions and methods)."""
    found, pending = [], list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif _is_type_checking(node):
            continue
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            if inside_functions:
                pending.extend(ast.iter_child_nodes(node))
        else:
            pending.extend(ast.iter_child_nodes(node))
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        wanted = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        # `from support.tickets import service` imports the module support.tickets.service
        wanted = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
    targets = set()
    for target in wanted:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            targets.add(target)
    return targets


def import_graph(*, inside_functions: bool) -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = set().union(*(_targets(name, path, node, modules)
                                    for node in _import_statements(tree, inside_functions=inside_functions)))
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The groups of modules that import each other, directly or around a loop (Tarjan's strongly connected
    components of more than one module)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                lowest[module] = min(lowest[module], lowest[target])
            elif target in on_stack:
                lowest[module] = min(lowest[module], index[target])
        if lowest[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _described(groups) -> list[list[str]]:
    return sorted(sorted(group) for group in groups)


def test_a_loop_of_imports_is_reported_as_one_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {frozenset({"a", "b", "c"})}


def test_no_modules_import_each_other_at_import_time():
    assert _described(cycles(import_graph(inside_functions=False))) == []


def test_imports_inside_functions_do_not_hide_a_cycle():
    found = cycles(import_graph(inside_functions=True))
    assert _described(found - CYCLES_BEING_REMOVED) == []
    assert _described(CYCLES_BEING_REMOVED - found) == [], "this cycle is gone: remove it from CYCLES_BEING_REMOVED"


def test_the_knowledge_base_never_imports_the_ticket_code():
    graph = import_graph(inside_functions=True)

    def is_ticket_code(module: str) -> bool:
        return module == "support.tickets" or module.startswith("support.tickets.")

    direct = {module: sorted(filter(is_ticket_code, targets)) for module, targets in graph.items()
              if module.split(".")[0] == "kb" and any(map(is_ticket_code, targets))}
    assert direct == {}
    # Nor through another module when a kb module is imported.
    at_import = import_graph(inside_functions=False)
    reached, pending = set(), [module for module in at_import if module.split(".")[0] == "kb"]
    while pending:
        module = pending.pop()
        if module not in reached:
            reached.add(module)
            pending.extend(at_import[module])
    assert sorted(filter(is_ticket_code, reached)) == []
