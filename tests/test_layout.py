"""The house plan holds: packages import only downwards, no module import cycle, no tool edits ``sys.path``, no test
imports another test module, configs name the one registry module.

Truth: the import statements themselves (every ``import`` in the source, function-level ones included), read with
``ast``; the layer order is the documented one (docs/layout.md).
"""
import ast
import glob
import os
import re

from tests.helpers import ROOT

# lowest first; a package may import its own layer and those below
LAYERS = [("errors",), ("machine",), ("fileio",), ("backbone",), ("data", "visualization"),
          ("classification", "detection"), ("engine",), ("deploy",), ("cli", "benchmark"), ("registry",)]
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
    real = [c for c in cycles if not any(all(m == p or m.startswith(p + ".") for m in c) for p in c)]
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


def _package_files():
    return glob.glob(os.path.join(ROOT, "tresnet_tasks", "**", "*.py"), recursive=True)


def test_only_the_lean_package_defines_autograd_functions_or_saved_tensor_hooks():
    """Everything the backbone does to keep less for backward lives in backbone/lean (its docstring is the table)."""
    lean = os.path.join(ROOT, "tresnet_tasks", "backbone", "lean") + os.sep
    found = {"autograd": [], "hooks": []}
    for path in _package_files():
        tree = ast.parse(open(path, encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b).endswith("autograd.Function")
                                                      or ast.unparse(b) == "Function" for b in node.bases):
                found["autograd"].append(f"{os.path.relpath(path, ROOT)}:{node.name}")
            if isinstance(node, ast.Attribute) and node.attr in ("saved_tensors_hooks", "save_on_cpu"):
                found["hooks"].append(f"{os.path.relpath(path, ROOT)}:{node.lineno}")
    for kind, places in found.items():
        assert places, f"no {kind} found at all: the scan is broken"
        outside = [p for p in places if not os.path.join(ROOT, p.split(":")[0]).startswith(lean)]
        assert not outside, f"{kind} outside backbone/lean: {outside}"


def test_importing_the_registry_alone_registers_every_class():
    """In a fresh interpreter, ``import tresnet_tasks.registry`` (what configs name) imports every module that
    registers a class into an mmengine / MMDetection registry, and the registered names resolve from both scopes
    (``custom_hooks=[dict(type='PlotHook')]`` under mmdet's own tools)."""
    import subprocess
    import sys
    registering = sorted(_module_name(p) for p in _package_files()
                         if ".register_module(" in open(p, encoding="utf-8").read())
    assert len(registering) >= 8
    names = []
    for path in _package_files():
        source = open(path, encoding="utf-8").read()
        tree = ast.parse(source)
        mmdet_registry = "/detection/" in path or "from mmdet.registry import" in source  # registered in mmdet's
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for dec in node.decorator_list:
                    text = ast.unparse(dec)
                    if ".register_module(" in text:
                        names.append((text.split(".register_module")[0], node.name, mmdet_registry))
    assert ("HOOKS", "PlotHook", False) in names and ("RUNNERS", "ConsoleRunner", False) in names
    code = f"""
import sys
import tresnet_tasks.registry
missing = [m for m in {registering!r} if m not in sys.modules]
assert not missing, missing
from mmengine.registry import DefaultScope
import mmengine.registry as engine
import mmdet.registry as det
for scope in ("mmengine", "mmdet"):
    with DefaultScope.overwrite_default_scope(scope):
        for registry, name, mmdet_only in {names!r}:
            if scope == "mmengine" and mmdet_only:
                continue  # registered in mmdet's registries: found from the mmdet scope
            reg = getattr(det, registry) if scope == "mmdet" else getattr(engine, registry)
            assert reg.get(name) is not None, (scope, registry, name)
print("ok", len({names!r}))
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.startswith("ok"), proc.stdout + proc.stderr


def _members(folder):
    """The modules and subpackages a package folder holds: (name, how the layout page spells it)."""
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".py") and name != "__init__.py":
            out.append((name[:-3], name))
        elif os.path.isfile(os.path.join(path, "__init__.py")):
            out.append((name, f"{name}/"))
    return out


def test_every_package_docstring_and_the_layout_page_name_every_module():
    """A reader finds each module from its package's docstring (the API pages render them), named in code markup,
    and from docs/layout.md; a module added without a word about it fails here."""
    layout = open(os.path.join(ROOT, "docs", "layout.md"), encoding="utf-8").read()
    undocumented, off_the_page = [], []
    for init in sorted(glob.glob(os.path.join(ROOT, "tresnet_tasks", "**", "__init__.py"), recursive=True)):
        folder = os.path.dirname(init)
        doc = ast.get_docstring(ast.parse(open(init, encoding="utf-8").read())) or ""
        package = os.path.relpath(folder, ROOT)
        for name, spelled in _members(folder):
            if not re.search(rf"[`.]{re.escape(name)}(\.py|/)?[`.]", doc):  # ``name``, :mod:`.name`, ``name/``
                undocumented.append(f"{package}/{spelled}")
            if not re.search(rf"(?<![\w-]){re.escape(spelled)}", layout):
                off_the_page.append(f"{package}/{spelled}")
    assert len(undocumented) + len(off_the_page) < 200  # the scan found the packages at all
    assert not undocumented, f"modules their package's docstring does not name: {undocumented}"
    assert not off_the_page, f"modules docs/layout.md does not name: {off_the_page}"
