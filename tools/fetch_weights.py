"""Download published TResNet weights by name (or find them in the Hugging Face cache); list the known names.

    python tools/fetch_weights.py tresnet_m.miil_in1k hf-hub:timm/tresnet_l.miil_in1k_448 [--out checkpoints/]
    python tools/fetch_weights.py --list

Prints each file's path, size and sha256. Files land in huggingface_hub's cache (HF_HOME / HF_HUB_CACHE), where
every tool of this project finds them by name, also offline (HF_HUB_OFFLINE=1): run this on a login node with
network, then train on compute nodes that share HF_HOME. ``--out`` also copies each file there.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import shutil
import sys

from tresnet_tasks.cli.args import clear_errors
from tresnet_tasks.fileio import hub_cache_dir, known_weights, resolve_weights, sha256_of
from tresnet_tasks.fileio.hub import cached_file


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help="timm tags (tresnet_m.miil_in1k ...) or hf-hub:<repo>[@revision]")
    p.add_argument("--out", help="also copy each file into this folder (as <name>.safetensors / .bin)")
    p.add_argument("--list", action="store_true", help="list the known names and whether each is cached here")
    args = p.parse_args(argv)
    if not args.names and not args.list:
        p.error("give NAME(s) to fetch, or --list")
    return args


def list_known() -> None:
    rows = [("name", "input", "classes", "trained on", "cached here")]
    for tag, info in sorted(known_weights().items()):
        rows.append((tag, "x".join(map(str, info.input_size[1:])), str(info.num_classes), info.trained_on,
                     "yes" if cached_file(info.hf_hub_id) else "no"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print(f"cache: {hub_cache_dir()}  (also accepted: hf-hub:<repo>[@revision], or a local file)")


def fetch(names, out_dir=None) -> None:
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    for name in names:
        resolved = resolve_weights(name)
        path = resolved.path
        size = os.path.getsize(path)
        line = f"{name}: {path}  {size / 2**20:.1f} MiB  sha256 {sha256_of(path)}"
        if out_dir:
            stem = name.replace("hf-hub:", "").replace("/", "_").replace("@", "_")
            dest = osp.join(out_dir, stem + osp.splitext(path)[1])
            shutil.copyfile(path, dest)
            line += f"  -> {dest}"
        print(line)


def main(argv=None) -> int:
    args = parse_args(argv)
    with clear_errors("fetch_weights"):
        if args.list:
            list_known()
        if args.names:
            fetch(args.names, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
