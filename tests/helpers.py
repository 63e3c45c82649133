"""Shared test helpers: running the real tools as a user would; a Hugging Face cache in its real layout; small
Stanford Cars / Flowers-102 folders in the exact real layouts (.mat structs, 1-based labels)."""
import contextlib
import glob
import json
import os
import subprocess
import sys

import numpy as np
import torch
from mmdet.registry import MODELS as DET_MODELS
from mmengine.registry import DefaultScope
from PIL import Image
from scipy.io import savemat

from tresnet_tasks.backbone.norms import randomize_norms  # noqa: F401 - shared with tools/check_gpu.py
from tresnet_tasks.cli.config import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_tool(*args, check=True, timeout=900, env=None):
    """Run ``python tools/<args>`` from the repo root; return the CompletedProcess (stdout+stderr merged).
    ``env``: extra environment variables for the tool."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})
    out = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{out[-4000:]}")
    proc.output = out
    return proc


def run_tool_in_process(*args, cwd=ROOT, check=False):
    """``python tools/<args>`` as :func:`run_tool` sees it (``returncode``, merged ``output``), run as the tool's
    ``main(argv)`` in this process: no interpreter start-up (about 3 s each on the 2-core machine). For checks of
    what a tool says about bad input; where the failure lies in start-up itself (imports, environment variables,
    hidden packages, a distributed launch) use :func:`run_tool`. ``check``: a non-zero exit is an AssertionError
    showing the output's tail, as :func:`run_tool` does."""
    import io
    from types import SimpleNamespace

    from tresnet_tasks.engine.output import Console
    tool = load_tool(args[0])
    buffer, code, old = io.StringIO(), 0, os.getcwd()
    saved_stream = Console.stream
    Console.stream = buffer
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), mmengine_globals_restored():
            try:
                returned = tool.main(list(args[1:]))
                exits_with_it = "sys.exit(main())" in open(tool.__file__, encoding="utf-8").read()
                code = returned if exits_with_it and isinstance(returned, int) else 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(old)
        Console.stream = saved_stream
    if check and code != 0:
        raise AssertionError(f"{' '.join(args)} exited {code}:\n{buffer.getvalue()[-4000:]}")
    return SimpleNamespace(returncode=code, output=buffer.getvalue(), stdout=buffer.getvalue(), stderr="")


@contextlib.contextmanager
def mmengine_globals_restored():
    """mmengine's global "current" objects (default scope, logger, message hub, visualizers) as they were before.
    They are the newest created, and a name already taken returns the old object: a tool run or a Runner built in
    a test must leave none of its own behind. Every subclass keeps its own registry (DetLocalVisualizer's
    "visualizer" is not in Visualizer's): a left-over one makes the next runner in the process write its vis_data
    into a finished test's (deleted) work dir. tests/conftest.py wraps every test in it."""
    from mmengine.utils import ManagerMixin
    instances = {m: dict(m._instance_dict) for m in _subclasses(ManagerMixin)}
    try:
        yield
    finally:
        for manager in _subclasses(ManagerMixin):  # classes first imported during the block too
            manager._instance_dict.clear()
            manager._instance_dict.update(instances.get(manager, {}))


def _subclasses(cls):
    """``cls`` and every class below it that keeps its own ``_instance_dict`` (mmengine's ManagerMeta gives each one)."""
    found, todo = [], [cls]
    while todo:
        c = todo.pop()
        todo.extend(c.__subclasses__())
        if "_instance_dict" in vars(c):
            found.append(c)
    return found


def untrained_checkpoint(cfg_path, path, seed=0):
    """A detection config's model at its initialisation (what training starts from), as an mmengine checkpoint."""
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope("mmdet"):
        model = DET_MODELS.build(load_config(cfg_path).model)
    model.init_weights()
    torch.save({"state_dict": model.state_dict(), "meta": {}}, path)


def last_metrics(work_dir):
    """The metrics dict that tools/test.py (mmengine) wrote last under ``work_dir``."""
    files = sorted(glob.glob(os.path.join(str(work_dir), "*", "*.json")))
    return json.loads(open(files[-1]).read())


def load_tool(path):
    """A tool script (``tools/train.py``) as a module, for calling its ``parse_args`` / ``build_cfg`` directly."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0],
                                                  os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hidden_packages_env(folder, packages):
    """Environment for :func:`run_tool` in which importing any of ``packages`` fails as if they were not installed
    (a ``sitecustomize`` on PYTHONPATH puts a finder first on ``sys.meta_path``)."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(str(folder), "sitecustomize.py"), "w") as f:
        f.write("import sys\n"
                f"HIDDEN = {tuple(packages)!r}\n"
                "class _Hide:\n"
                "    def find_spec(self, name, path=None, target=None):\n"
                "        if name.split('.')[0] in HIDDEN:\n"
                "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
                "        return None\n"
                "sys.meta_path.insert(0, _Hide())\n")
    return {"PYTHONPATH": os.pathsep.join([str(folder), ROOT])}


def chance_map(coco_root, split="val2017"):
    """The mAP of an uninformative ranking on a generated COCO-layout multi-label set: its positive rate (x100)."""
    import json
    val = json.load(open(os.path.join(coco_root, "annotations", f"instances_{split}.json")))
    present = np.zeros((len(val["images"]), len(val["categories"])))
    index = {img["id"]: i for i, img in enumerate(val["images"])}
    column = {c["id"]: j for j, c in enumerate(val["categories"])}
    for a in val["annotations"]:
        present[index[a["image_id"]], column[a["category_id"]]] = 1
    return 100 * present.mean()


def add_to_hub_cache(cache_dir, repo_id, state_dict, revision="0123456789abcdef0123456789abcdef01234567",
                     filename="model.safetensors"):
    """Write ``state_dict`` where huggingface_hub keeps a downloaded file:
    ``models--<org>--<name>/snapshots/<rev>/<filename>`` plus ``refs/main`` naming that revision (the real cache
    also stores the file under ``blobs/`` and links it; a plain file in the snapshot is what an offline lookup reads).
    Returns the file's path."""
    from safetensors.torch import save_file
    repo_dir = os.path.join(str(cache_dir), "models--" + repo_id.replace("/", "--"))
    snap = os.path.join(repo_dir, "snapshots", revision)
    os.makedirs(snap, exist_ok=True)
    os.makedirs(os.path.join(repo_dir, "refs"), exist_ok=True)
    with open(os.path.join(repo_dir, "refs", "main"), "w") as f:
        f.write(revision)
    path = os.path.join(snap, filename)
    if filename.endswith(".safetensors"):
        save_file({k: v.contiguous() for k, v in state_dict.items()}, path)
    else:
        import torch
        torch.save(state_dict, path)
    return path


def _jpg(path, seed):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, size=(40, 56, 3)).astype(np.uint8)).save(path)


def _struct(records, fields):
    arr = np.zeros((1, len(records)), dtype=[(f, "O") for f in fields])
    for i, r in enumerate(records):
        for f in fields:
            arr[0, i][f] = r[f]
    return arr


def write_cars_devkit(root, n_train=6, n_test=4, num_classes=3, test_annos_in_devkit=False):
    """torchvision's devkit layout (``cars_test_annos_withlabels.mat`` at the top), or mmpretrain's
    (``test_annos_in_devkit=True``: under ``devkit/``)."""
    os.makedirs(os.path.join(root, "devkit"), exist_ok=True)
    names = np.array([f"Car Model {i} 2012" for i in range(num_classes)], dtype=object)
    savemat(os.path.join(root, "devkit", "cars_meta.mat"), {"class_names": names.reshape(1, -1)})
    fields = ["bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2", "class", "fname"]
    for split, n, anno in (("train", n_train, os.path.join("devkit", "cars_train_annos.mat")),
                           ("test", n_test, os.path.join("devkit" if test_annos_in_devkit else "",
                                                         "cars_test_annos_withlabels.mat"))):
        os.makedirs(os.path.join(root, f"cars_{split}"), exist_ok=True)
        recs = []
        for i in range(n):
            fname = f"{i + 1:05d}.jpg"
            _jpg(os.path.join(root, f"cars_{split}", fname), i)
            recs.append(dict(bbox_x1=1, bbox_y1=2, bbox_x2=30, bbox_y2=20, fname=fname,
                             **{"class": np.uint8(i % num_classes + 1)}))  # 1-based
        savemat(os.path.join(root, anno), {"annotations": _struct(recs, fields)})
    return root


def write_cars_old(root, n=8, num_classes=3):
    os.makedirs(os.path.join(root, "car_ims"), exist_ok=True)
    names = np.array([f"Car Model {i}" for i in range(num_classes)], dtype=object)
    fields = ["relative_im_path", "bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2", "class", "test"]
    recs = []
    for i in range(n):
        rel = f"car_ims/{i + 1:06d}.jpg"
        _jpg(os.path.join(root, rel), i)
        recs.append(dict(relative_im_path=rel, bbox_x1=1, bbox_y1=1, bbox_x2=9, bbox_y2=9,
                         test=np.uint8(i % 4 == 0), **{"class": np.uint8(i % num_classes + 1)}))
    savemat(os.path.join(root, "cars_annos.mat"), {"annotations": _struct(recs, fields),
                                                   "class_names": names.reshape(1, -1)})
    return root


def write_flowers(root, n=20, num_classes=4):
    os.makedirs(os.path.join(root, "jpg"), exist_ok=True)
    for i in range(1, n + 1):
        _jpg(os.path.join(root, "jpg", f"image_{i:05d}.jpg"), i)
    labels = np.array([(i % num_classes) + 1 for i in range(n)], dtype=np.uint8)  # 1-based, image i -> labels[i-1]
    savemat(os.path.join(root, "imagelabels.mat"), {"labels": labels.reshape(1, -1)})
    ids = np.arange(1, n + 1)
    savemat(os.path.join(root, "setid.mat"), {"trnid": ids[0::4].reshape(1, -1).astype(np.uint16),
                                              "valid": ids[1::4].reshape(1, -1).astype(np.uint16),
                                              "tstid": np.concatenate([ids[2::4], ids[3::4]]).reshape(1, -1)
                                              .astype(np.uint16)})
    return root, labels


def official_checkpoint(path, seed=0, **kw):
    """A TResNet-M ImageNet checkpoint in the official layout (its weights seeded: a fine-tuning test's outcome
    depends on them); returns the source model."""
    from tresnet_tasks import create_tresnet
    from tresnet_tasks.backbone import canonical_to_official
    torch.manual_seed(seed)
    src = create_tresnet("tresnet_m", num_classes=1000, norm="bn", **kw)
    torch.nn.init.normal_(src.body.layer2[0].conv1.conv.weight)
    torch.save({"model": canonical_to_official(src.state_dict())}, path)
    return src
