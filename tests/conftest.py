import json
import os
import sys
import tempfile
from types import SimpleNamespace

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# make test runs pytest-xdist workers (one per core, up to 4): each worker and the tools it starts get the cores
# left to it, so two workers on two cores do not fight over four threads (tests that start several processes set
# OMP_NUM_THREADS=1 themselves)
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
THREADS = max(1, min(2, (os.cpu_count() or 1) // WORKERS))
if WORKERS > 1:
    os.environ["OMP_NUM_THREADS"] = str(THREADS)
torch.set_num_threads(THREADS)

from tresnet_tasks.registry import register_all_modules  # noqa: E402

register_all_modules()  # every model, dataset, metric, loss and transform of the project, as configs get them


def _trained_demo(tmp_path_factory, name, config, root, opts, checkpoint=None):
    """``config`` trained once through tools/train.py on ``root``: what the tests of that trained model share.
    ``checkpoint``: the file in the work dir to test (default: the one ``last_checkpoint`` names)."""
    from tests.helpers import run_tool
    work = tmp_path_factory.mktemp(f"{name}_train")
    out = run_tool("tools/train.py", config, "--work-dir", str(work), *opts).output
    ckpt = work / checkpoint if checkpoint else (work / "last_checkpoint").read_text().strip()
    demo = SimpleNamespace(config=config, root=root, opts=opts, work=work, train_output=out, checkpoint=ckpt)
    demo.tested = _tested_once(demo, tmp_path_factory)
    return demo


def _tested_once(demo, tmp_path_factory):
    """``demo.tested()``: tools/test.py on the trained checkpoint, run once and shared: ``(metrics, output)``."""
    from tests.helpers import last_metrics, run_tool_in_process
    cache = []

    def tested():
        if not cache:
            work = tmp_path_factory.mktemp("tested")
            proc = run_tool_in_process("tools/test.py", demo.config, str(demo.checkpoint), "--work-dir", str(work),
                                       *demo.opts, check=True)
            cache.append((last_metrics(work), proc.output))
        return cache[0]
    return tested


@pytest.fixture(scope="session")
def multilabel_demo(tmp_path_factory):
    """The multi-label demo config trained once per session through tools/train.py (10 epochs on the generated
    shapes, 300 train / 100 val images): what the tests of a trained model (tools/test.py, infer, export) share."""
    from tresnet_tasks.data.synthetic import ALL_SHAPES, make_shapes_coco
    root = make_shapes_coco(str(tmp_path_factory.mktemp("ml_demo")), num_train=300, num_val=100, size=128,
                            shapes=ALL_SHAPES, max_objects=3)
    return _trained_demo(tmp_path_factory, "ml_demo", "configs/multilabel/asl_tresnet-m-tiny_128px_shapes.py", root,
                         ["--cfg-options", f"data_root={root}/"], checkpoint="best_multilabel_mAP.pth")


@pytest.fixture(scope="session")
def transfer_demo(tmp_path_factory):
    """The transfer demo config fine-tuned once per session through tools/train.py from an official-layout
    ImageNet checkpoint (CIFAR-10 pickles, 600 train / 200 test images)."""
    from tests.helpers import official_checkpoint
    from tresnet_tasks.data.synthetic import make_cifar_pickles
    root = str(tmp_path_factory.mktemp("transfer_demo"))
    make_cifar_pickles(root, 10, num_train=600, num_test=200)
    source = os.path.join(root, "in1k.pth")
    official_checkpoint(source, layers=(1, 1, 2, 1), width=0.5)
    return _trained_demo(tmp_path_factory, "transfer_demo", "configs/transfer/tresnet-m-tiny_64px_shapes-cifar10.py",
                         root, ["--cfg-options", f"data_root={root}/", f"model.pretrained={source}"],
                         checkpoint="best_accuracy_top1.pth")


@pytest.fixture(scope="session")
def fcos_demo(tmp_path_factory):
    """The main job, run once per session as `make demo` runs it (tools/demo_detection.py): the FCOS demo config
    trained through tools/train.py for 12 epochs on the generated shapes (200 train / 50 val images, 160 px), then
    tools/test.py and tools/infer.py. ``train_output``: everything the job printed; ``tested()``: its test run."""
    from tests.helpers import last_metrics, run_tool
    base = tmp_path_factory.mktemp("fcos_demo")
    root, work = base / "data", base / "work"
    out = run_tool("tools/demo_detection.py", "--work-dir", str(work), "--data-root", str(root), timeout=1200).output
    demo = SimpleNamespace(config="configs/fcos/fcos_tresnet-m-tiny_fpn_gn-head_1x_shapes.py", root=str(root),
                           opts=["--cfg-options", f"data_root={root}/"], work=work, train_output=out,
                           checkpoint=(work / "last_checkpoint").read_text().strip())
    demo.tested = lambda: (last_metrics(work / "test"), out)  # the job's own tools/test.py run
    return demo


@pytest.fixture(scope="session")
def shapes_detection(tmp_path_factory):
    """The detection demo data as tools/make_demo_data.py writes it: boxes, and the same shapes drawn from COCO
    polygons (for Mask R-CNN)."""
    from tresnet_tasks.data.synthetic import make_shapes_coco
    root = tmp_path_factory.mktemp("shapes")
    return {False: make_shapes_coco(str(root / "boxes"), num_train=200, num_val=50, size=160),
            True: make_shapes_coco(str(root / "masks"), num_train=200, num_val=50, size=160, with_masks=True)}


@pytest.fixture(scope="session")
def family_demo(shapes_detection, tmp_path_factory):
    """``family_demo(family)``: that detector family's demo config (configs/FAMILY/*_tresnet-m-tiny_*_shapes.py)
    trained once per session through tools/train.py on the shapes data, on first use: the learning test and the
    export test share it."""
    import glob
    trained = {}

    def get(family):
        if family not in trained:
            (config,) = glob.glob(os.path.join(ROOT, "configs", family, "*_tresnet-m-tiny_*_shapes.py"))
            root = shapes_detection[family == "mask_rcnn"]
            trained[family] = _trained_demo(tmp_path_factory, family, os.path.relpath(config, ROOT), root,
                                            ["--cfg-options", f"data_root={root}/"])
        return trained[family]
    return get


@pytest.fixture(autouse=True)
def _mmengine_globals():
    """No test leaves an mmengine logger, message hub or visualizer behind for the next one on its worker."""
    from tests.helpers import mmengine_globals_restored
    with mmengine_globals_restored():
        yield


@pytest.fixture
def tiny_kwargs():
    """A reduced-depth/width TResNet for fast tests (all block types, strides and SE placements kept)."""
    return dict(layers=(1, 2, 1, 1), width=0.25)


# -- tiers: every test gets one of four markers, by rule, so `-m` picks a tier (make test still runs them all) ------
_DIST_WORDS = ("ddp", "torchrun", "rank_1", "two_processes", "dist_")


def _tier(item):
    name = item.name.lower()
    if any(w in name for w in _DIST_WORDS):
        return "dist"
    if "learn" in name or item.path.name == "test_detector_learning.py":
        return "learning"
    if item.get_closest_marker("slow") is not None:
        return "e2e"
    return "unit"


# -- xdist groups: tests sharing a session demo (a trained model) run on one worker, so each demo trains once;
# a test using a module-scoped fixture stays with its file (the fixture is built once); the rest go one by one,
# largest groups first. The workers write each test's group to a file the controller's scheduler reads (xdist's own
# loadgroup renames node ids, which pytest 9.2 no longer allows).
_DEMO_GROUPS = {"fcos_demo": "fcos", "multilabel_demo": "multilabel", "transfer_demo": "transfer"}
_GROUPS_FILE = "TRESNET_TEST_GROUPS"


def _group(item):
    params = getattr(item, "callspec", None)
    family = params.params.get("family") if params else None
    if family and "family_demo" in item.fixturenames:
        return f"demo-{family}"
    for fixture, name in _DEMO_GROUPS.items():
        if fixture in item.fixturenames:
            return f"demo-{name}"
    scopes = {defs[-1].scope for defs in item._fixtureinfo.name2fixturedefs.values()}
    return item.path.relative_to(ROOT).as_posix() if scopes & {"module", "class", "package"} else item.nodeid


def _cost(group, members):
    """A rough estimate of a group's minutes, for the order groups are handed out (not a measurement)."""
    return 2 * group.startswith("demo-") + sum(0.5 if m.get_closest_marker("slow") else 0.01 for m in members)


def pytest_configure(config):
    if getattr(config.option, "numprocesses", None) and "PYTEST_XDIST_WORKER" not in os.environ:
        fd, path = tempfile.mkstemp(prefix="tresnet-test-groups-", suffix=".json")  # the workers inherit it
        os.close(fd)
        os.environ[_GROUPS_FILE] = path
        config.add_cleanup(lambda: os.path.exists(path) and os.remove(path))


def pytest_collection_modifyitems(config, items):
    groups = {}
    for item in items:
        item.add_marker(getattr(pytest.mark, _tier(item)))
        groups.setdefault(_group(item), []).append(item)
    if WORKERS > 1 and os.environ.get(_GROUPS_FILE):
        items[:] = [i for name, members in sorted(groups.items(), key=lambda g: -_cost(*g)) for i in members]
        path = os.environ[_GROUPS_FILE]
        with open(f"{path}.{os.getpid()}", "w") as f:  # each worker collects the same: the last rename wins
            json.dump({i.nodeid: name for name, members in groups.items() for i in members}, f)
        os.replace(f"{path}.{os.getpid()}", path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """xdist's scope scheduling with this suite's groups as the scopes (read once every worker has collected)."""
        groups = None

        def _split_scope(self, nodeid):
            if self.groups is None:
                with open(os.environ[_GROUPS_FILE]) as f:
                    self.groups = json.load(f)
            return self.groups.get(nodeid, nodeid)
    return GroupScheduling(config, log) if os.environ.get(_GROUPS_FILE) else None
