"""Layer rules from DESIGN.md: the headless core never imports Qt, the server imports only
messenger.protocol of the client side, and imports only point down.

Two complementary checks: a runtime one imports every module of a package in a fresh interpreter
where Qt cannot be imported (catching transitive imports through third-party code), and a static
one reads every ``import`` in the source (catching lazy imports inside functions that a plain
import would never execute).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

QT_MODULES = ("PySide6", "shiboken6", "qasync")

# Packages that must import and run with no Qt at all: the CLI, tests, bots and the server use
# them headless.
QT_FREE = (
    "messenger.resources",
    "messenger.protocol",
    "messenger.text",
    "messenger.store",
    "messenger.client",
    "messenger.account",
    "messenger.localserver",
    "messenger.calls",
)
# Headless by design too (a terminal tool); checked when it exists.
HEADLESS_TOOLS = ("messenger.cli",)
MUST_EXIST = ("messenger.protocol", "signaling_server")

# messenger's layers, lowest first: a layer may import itself and the layers before it only.
LAYER_ORDER = (
    "messenger.resources",
    "messenger.protocol",
    "messenger.text",
    "messenger.store",
    "messenger.client",
    "messenger.account",
    "messenger.localserver",
    "messenger.calls",
    "messenger.ui",
    "messenger.app",
)

# Prepended to code run in a fresh interpreter: from then on any Qt import raises ImportError,
# whether or not Qt is installed.
_BLOCK_QT = textwrap.dedent(
    """
    import importlib, importlib.abc, json, pkgutil, sys

    BLOCKED = {blocked!r}

    class _BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in BLOCKED:
                raise ImportError(f"{{fullname}} is blocked: this layer must not import Qt")
            return None

    sys.meta_path.insert(0, _BlockQt())
    """
)
# Imports every module of a package (except entry points and Alembic env scripts, which act on
# import) and reports what was imported and everything that got loaded.
_IMPORT_TREE = textwrap.dedent(
    """
    def import_tree(name):
        module = importlib.import_module(name)
        names = [name]
        for info in pkgutil.iter_modules(getattr(module, "__path__", []), name + "."):
            if info.name.endswith(".__main__") or info.name.endswith(".migrations.env"):
                continue
            names += import_tree(info.name)
        return names

    imported = import_tree({package!r})
    print(json.dumps({{"imported": imported, "modules": sorted(sys.modules)}}))
    """
)


def _exists(package: str) -> bool:
    """A real package or module (an empty directory is only a namespace and does not count)."""
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        return False
    return spec is not None and spec.origin not in (None, "namespace")


def _require(package: str) -> None:
    if _exists(package):
        return
    if package in MUST_EXIST:
        pytest.fail(f"{package} must exist: the layer rules are checked against it")
    pytest.skip(f"{package} does not exist yet; its layer rules apply once it does")


def _run_without_qt(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter, from the repo root, where Qt imports fail."""
    return subprocess.run(
        [sys.executable, "-c", _BLOCK_QT.format(blocked=set(QT_MODULES)) + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _import_without_qt(package: str) -> tuple[list[str], set[str]]:
    """Import every module of ``package`` with Qt unavailable; return (imported, sys.modules)."""
    proc = _run_without_qt(_IMPORT_TREE.format(package=package))
    if proc.returncode != 0:
        pytest.fail(f"importing {package} with Qt unavailable failed:\n{proc.stderr}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return list(report["imported"]), set(report["modules"])


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _source_files(package: str) -> list[Path]:
    path = ROOT.joinpath(*package.split("."))
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    file = path.with_suffix(".py")
    return [file] if file.is_file() else []


def _module_name(file: Path) -> str:
    parts = list(file.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _static_imports(file: Path) -> list[tuple[int, str]]:
    """Every module an ``import`` statement in ``file`` names, anywhere in it, with its line."""
    module = _module_name(file)
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_in(file.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """The modules imported by ``source``, relative imports resolved against ``package``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from pkg import sub`` may name a submodule: record pkg.sub as well.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def _offending_imports(package: str, allowed: tuple[str, ...], scope: str) -> list[str]:
    """Static imports under ``package`` of modules in ``scope`` that are not in ``allowed``."""
    bad = []
    for file in _source_files(package):
        for line, target in _static_imports(file):
            # The package root holds only the version: every layer may read it.
            in_scope = _is_within(target, scope) and target not in (scope, f"{scope}.__version__")
            if in_scope and not any(_is_within(target, ok) for ok in allowed):
                bad.append(f"{file.relative_to(ROOT)}:{line}: imports {target}")
    return bad


# --- runtime: import everything with Qt unavailable ---------------------------------------------


def test_qt_is_unavailable_in_the_isolated_interpreter() -> None:
    """The isolated interpreter refuses Qt imports even where PySide6 is installed."""
    code = "\n".join(
        [
            "import importlib",
            f"for name in {QT_MODULES!r} + ('PySide6.QtCore',):",
            "    try:",
            "        importlib.import_module(name)",
            "    except ImportError as exc:",
            "        assert 'blocked' in str(exc), exc",
            "    else:",
            "        raise SystemExit(f'{name} imported')",
            "print('ok')",
        ]
    )
    proc = _run_without_qt(code)
    assert (proc.returncode, proc.stdout.strip()) == (0, "ok"), proc.stderr


@pytest.mark.parametrize("package", [*QT_FREE, *HEADLESS_TOOLS])
def test_headless_layer_imports_without_qt(package: str) -> None:
    """Every module of a headless layer imports in an interpreter where Qt cannot be imported."""
    _require(package)
    imported, modules = _import_without_qt(package)
    assert package in imported
    assert not {m for m in modules if m.split(".")[0] in QT_MODULES}


def test_protocol_is_pure() -> None:
    """messenger.protocol loads no I/O machinery (asyncio, sockets, HTTP, databases)."""
    _require("messenger.protocol")
    _, modules = _import_without_qt("messenger.protocol")
    io_modules = {"asyncio", "socket", "ssl", "aiohttp", "sqlite3", "sqlalchemy", "alembic"}
    assert not {m for m in modules if m.split(".")[0] in io_modules}


def test_server_imports_only_protocol_of_messenger() -> None:
    """Importing all of signaling_server loads no Qt and nothing of messenger but its protocol."""
    _require("signaling_server")
    imported, modules = _import_without_qt("signaling_server")
    assert "signaling_server" in imported
    assert not {m for m in modules if m.split(".")[0] in QT_MODULES}
    client_side = {
        m
        for m in modules
        if _is_within(m, "messenger")
        and m != "messenger"
        and not _is_within(m, "messenger.protocol")
    }
    assert not client_side, f"signaling_server loaded client-side modules: {sorted(client_side)}"


# --- static: every import statement, including lazy ones ---------------------------------------


@pytest.mark.parametrize("package", [*QT_FREE, *HEADLESS_TOOLS, "signaling_server"])
def test_no_qt_import_statements(package: str) -> None:
    """No source file of a headless package or the server has an import of Qt, even a lazy one."""
    _require(package)
    bad = []
    for file in _source_files(package):
        for line, target in _static_imports(file):
            if target.split(".")[0] in QT_MODULES:
                bad.append(f"{file.relative_to(ROOT)}:{line}: imports {target}")
    assert not bad, "\n".join(bad)


def test_server_import_statements_name_only_protocol() -> None:
    """No source file of signaling_server imports any part of messenger but messenger.protocol."""
    _require("signaling_server")
    bad = _offending_imports("signaling_server", ("messenger.protocol",), scope="messenger")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", LAYER_ORDER)
def test_imports_only_point_down(layer: str) -> None:
    """A messenger layer imports only itself and the layers below it, never one above."""
    _require(layer)
    allowed = LAYER_ORDER[: LAYER_ORDER.index(layer) + 1]
    bad = _offending_imports(layer, allowed, scope="messenger")
    # Lower layers know nothing of the server either.
    bad += _offending_imports(layer, (), scope="signaling_server")
    assert not bad, "\n".join(bad)


def test_static_import_reader_sees_lazy_and_relative_imports() -> None:
    """The static reader finds imports inside functions and resolves relative imports."""
    source = "def f():\n    import PySide6.QtCore\nfrom . import codec\nfrom ..store import x\n"
    found = _imports_in(source, "messenger.protocol")
    assert (2, "PySide6.QtCore") in found
    assert (3, "messenger.protocol.codec") in found
    assert (4, "messenger.store.x") in found
    assert _offending_imports("messenger.protocol", ("messenger.protocol",), "messenger") == []
