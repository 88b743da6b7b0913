"""The seams between packages (issue 14): the server does not load the client's store, the
crypto core imports light, every face resolves, and no module imports another part's private
modules."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

#: The parts with a face; a module whose name starts with ``_`` is private to its part.
PARTS = ("store.crypto", "store.team", "store.inspection", "store", "sync.client",
         "sync.server", "sync", "tui")
#: Packages whose private modules also serve their sub-packages: sync's wire format is both the
#: client's and the server's.
SHARED_WITH_CHILDREN = ("sync",)
FACES = ("store", "store.crypto", "store.team", "store.inspection", "sync", "sync.client")


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       timeout=120, check=True)
    return set(r.stdout.split())


def test_the_server_does_not_import_the_local_store() -> None:
    loaded = _loaded_after("import sync.server.app")
    heavy = {m for m in loaded if m.split(".")[0] in ("sqlite_utils", "merge3")
             or m in ("store._session", "store._replica", "store._db", "store._profile",
                      "store.inspection._minimise", "store.inspection._names")}
    assert heavy == set()
    assert "store.crypto._envelope" in loaded  # it does check envelopes, with the core


def test_the_crypto_core_imports_light() -> None:
    loaded = _loaded_after("import store.crypto")
    ours = {m for m in loaded if m.split(".")[0] in ("store", "sync", "tui")}
    assert ours == {"store", "store.errors"} | {m for m in ours if m.startswith("store.crypto")}
    assert not {m for m in loaded if m.split(".")[0] in ("sqlite_utils", "merge3", "httpx",
                                                         "textual", "docx", "pydantic")}


@pytest.mark.parametrize("face", FACES)
def test_every_name_a_face_exports_resolves(face: str) -> None:
    module = importlib.import_module(face)
    missing = [n for n in module.__all__ if getattr(module, n, None) is None]
    assert missing == []
    assert len(set(module.__all__)) == len(module.__all__)


def _part(module: str) -> str:
    return next(p for p in PARTS if module == p or module.startswith(p + "."))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_module(here: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from ... import`` in module ``here`` reads."""
    if not node.level:
        return node.module or ""
    base = here.split(".") if is_pkg else here.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def private_imports_across_parts(roots: tuple[str, ...] = ("store", "sync", "tui")) -> list[str]:
    """Every ``import`` of a private module (a name part starting with ``_``) of our code from
    outside the part that holds it, as ``file:line imports module``."""
    found = []
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py*")):
            if path.suffix not in (".py", ".pyi"):
                continue
            here = _module_name(path)
            is_pkg = path.stem == "__init__"
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom):
                    target = _imported_module(here, is_pkg, node)
                    targets = [target] + [f"{target}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                else:
                    continue
                for t in targets:
                    if t.split(".")[0] not in ("store", "sync", "tui"):
                        continue
                    private = [i for i, n in enumerate(t.split(".")) if n.startswith("_")
                               and not n.startswith("__")]
                    if not private:
                        continue
                    owner = ".".join(t.split(".")[: private[0]])
                    inside = here == owner or here.startswith(owner + ".")
                    if not inside or (_part(here) != _part(owner)
                                      and owner not in SHARED_WITH_CHILDREN):
                        module = ".".join(t.split(".")[: private[0] + 1])
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}")
    return sorted(set(found))


def test_no_module_imports_another_parts_private_modules() -> None:
    assert private_imports_across_parts() == []


def _import_graph() -> dict[str, set[str]]:
    """Every import between our modules, wherever it is written (at the top, in a function, or
    for type checkers only): each one is an arrow a reader has to follow."""
    modules = {_module_name(p): p for root in ("store", "sync", "tui")
               for p in (ROOT / root).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for here, path in modules.items():
        is_pkg = path.stem == "__init__"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                target = _imported_module(here, is_pkg, node)
                names = [f"{target}.{a.name}" for a in node.names]
                targets = [n if n in modules else target for n in names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != here:
                    graph[here].add(t)
    return graph


def import_cycles() -> list[list[str]]:
    """The groups of modules that import each other in a circle (strongly connected, Tarjan)."""
    graph, index, low, stack, on, cycles = _import_graph(), {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycles() -> None:
    """No module imports, through any chain, a module that imports it back: the screens reach
    the app through its face (``tui._host.Host``), and the joining end of an invitation builds
    on the trust checks without being called back from them."""
    assert import_cycles() == []


@pytest.mark.parametrize("stub", ["store/__init__.pyi", "store/inspection/__init__.pyi"])
def test_a_lazy_face_lists_in_all_exactly_what_it_imports(stub: str) -> None:
    """Type checkers read ``__all__`` of the stub; the lazy loader reads its imports."""
    tree = ast.parse((ROOT / stub).read_text())
    imported = [a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names]
    listed = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                  and getattr(n.targets[0], "id", "") == "__all__")
    assert isinstance(listed, ast.List)
    assert sorted(ast.literal_eval(listed)) == sorted(imported)
