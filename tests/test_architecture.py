"""The direction between apps (docs/decisions.md, "Layers"): an app imports only apps below
it, never a sibling's pages, and no module imports itself back through others. Read from the
source with `ast`, every import counted, including the ones inside functions."""

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: each app may import the apps before it in this list, and itself.
LAYERS = [
    "core",
    "accounts",
    "notifications",
    "awards",
    "nominations",
    "stories",
    "cycles",
    "home",
    "config",
]
# The wiring at the top (settings, root URLs, the API router) and the benchmark harness see
# everything.
TOP = {"config", "bench"}
# Pages belong to their own app: another app composes from selectors, never from these.
PAGE_MODULES = ("views", "urls")


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in [*LAYERS, "bench"]:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = project_modules()


def imports_of(path: Path) -> set[str]:
    """The project modules `path` imports (`from a import b` is a.b when b is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in MODULES)
    return found


GRAPH = {module: imports_of(path) - {module} for module, path in MODULES.items()}


def app(module: str) -> str:
    return module.split(".")[0]


def is_page_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in PAGE_MODULES or last.endswith("_views")


def test_the_layers_name_every_app():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= set(LAYERS), f"add {apps - set(LAYERS)} to LAYERS and docs/decisions.md"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_app_and_the_apps_below(module):
    if app(module) in TOP:
        return
    rank = LAYERS.index(app(module))
    upward = sorted(
        imported
        for imported in GRAPH[module]
        if app(imported) in TOP or LAYERS.index(app(imported)) > rank
    )
    assert not upward, f"{module} imports a higher layer: {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_another_apps_pages(module):
    if app(module) in TOP:
        return
    pages = sorted(
        imported
        for imported in GRAPH[module]
        if app(imported) != app(module) and is_page_module(imported)
    )
    assert not pages, f"{module} imports another app's pages: {pages}"


def test_no_import_cycle_between_modules():
    # A package imports its own modules when they are named in `from package import module`;
    # that edge is the package's namespace, not a dependency of its code, so it is left out.
    graph = {
        module: {imported for imported in imported_ if not module.startswith(imported + ".")}
        for module, imported_ in GRAPH.items()
    }
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")
