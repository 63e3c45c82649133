"""The house plan holds: packages import only downwards, no module import cycle, no tool edits ``sys.path``, no test
imports another test module, configs name the one registry module.

Truth: the import statements themselves (every ``import`` in the source, function-level ones included), read with
``ast``; the layer order is the documented one (README, "Project layout").
"""
import ast
import glob
import os
import re

from tests.helpers import ROOT

# lowest first; a package may import its own layer and those below
LAYERS = [("errors",), ("fileio",), ("backbone",), ("data", "visualization"), ("classification", "detection"), ("engine",),
          ("cli", "benchmark"), ("registry",)]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path):
    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    return rel[: -len(".__init__")] if rel.endswith(".__init__") else rel


def _imports(path):
    """Absolute names of the tresnet_tasks modules imported by a file."""
    name = _module_name(path)
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tresnet_tasks")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("tresnet_tasks"):
                found.add(mod)
                found |= {f"{mod}.{a.name}" for a in node.names}
    return found


def _graph():
    files = glob.glob(os.path.join(ROOT, "tresnet_tasks", "**", "*.py"), recursive=True)
    modules = {_module_name(f): f for f in files}
    return {m: {i for i in _imports(f) if i in modules and i != m} for m, f in modules.items()}


def _top(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_packages_import_only_downwards():
    upward = []
    for module, deps in _graph().items():
        src = _top(module)
        if src is None:  # tresnet_tasks/__init__.py: the public API re-exports from below
            continue
        assert src in RANK, f"{src} is missing from the layer list"
        for dep in deps:
            dst = _top(dep)
            if dst is not None and dst != src and RANK[dst] >= RANK[src]:
                upward.append(f"{module} -> {dep}")
    assert not upward, f"imports up or sideways across packages: {upward}"


def test_no_import_cycle_between_modules():
    graph, state, cycles = _graph(), {}, []

    def visit(node, stack):
        state[node] = "open"
        for dep in graph[node]:
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    # a package's __init__ importing its own modules is how a package is made, not a cycle
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert not real, f"import cycles: {real}"


def test_tools_and_tests_keep_to_the_plan():
    tools = glob.glob(os.path.join(ROOT, "tools", "*.py"))
    assert not [t for t in tools if "sys.path" in open(t, encoding="utf-8").read()], "a tool edits sys.path"
    tests = glob.glob(os.path.join(ROOT, "tests", "**", "*.py"), recursive=True)
    cross = [t for t in tests for m in re.findall(r"^\s*(?:from|import) (?:tests\.)?(\w+)",
                                                  open(t, encoding="utf-8").read(), re.M)
             if m.startswith("test_") or m == "conftest"]
    assert not cross, f"tests importing other test modules: {cross}"
    for runtime in ("default_runtime.py", "cls_runtime.py"):
        text = open(os.path.join(ROOT, "configs", "_base_", runtime), encoding="utf-8").read()
        assert "imports=['tresnet_tasks.registry']" in text


def test_classes_register_under_their_own_names():
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.registry import MODELS

    from tresnet_tasks.classification import AsymmetricLoss, TResNetClassifier
    from tresnet_tasks.detection import TResNetBackbone
    assert DET_MODELS.get("TResNetBackbone") is TResNetBackbone and DET_MODELS.get("TResNet") is TResNetBackbone
    assert MODELS.get("TResNetClassifier") is TResNetClassifier and MODELS.get("AsymmetricLoss") is AsymmetricLoss


def test_no_function_level_import_of_our_own_modules():
    """Function-level imports only for optional heavy dependencies, never to hide a dependency between our modules."""
    hidden = []
    for path in glob.glob(os.path.join(ROOT, "tresnet_tasks", "**", "*.py"), recursive=True):
        tree = ast.parse(open(path, encoding="utf-8").read())
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if (isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(
                            "tresnet_tasks"))) or (isinstance(node, ast.Import) and any(
                            a.name.startswith("tresnet_tasks") for a in node.names)):
                        hidden.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}")
    assert not hidden, f"function-level imports of tresnet_tasks modules: {hidden}"
