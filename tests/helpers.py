"""Shared test helpers: running the real tools as a user would; a Hugging Face cache in its real layout."""
import os
import subprocess
import sys

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


def randomize_norms(model):
    """Non-trivial norm statistics and affine (scales in [0.5, 1.5], so > the In-Place ABN eps), so a wrong weight
    mapping cannot pass a comparison by accident. Returns the model."""
    import torch
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
    return model
