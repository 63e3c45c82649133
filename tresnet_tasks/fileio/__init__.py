"""Reading weights: checkpoint files safely (:mod:`.checkpoint`), published weights by name (:mod:`.hub`), and
mmengine's checkpoint loading routed through both (:mod:`.mmengine_io`); what a config file's text says before it
is executed (:mod:`.config_text`: its ``_base_`` chain).

The lowest layer of the package after :mod:`tresnet_tasks.errors`: the backbone, the task models, the mmengine glue
and the tools all read checkpoints through here, and nothing here imports them.
"""
from .checkpoint import (TRUST_ENV, is_trusted, read_checkpoint_file, register_safe_globals, safe_globals,
                         sha256_of, trust_files)
from .hub import (HUB_PREFIX, ResolvedWeights, WeightsInfo, download_from_hub, hub_cache_dir, known_weights,
                  looks_like_name, resolve_weights)
from .mmengine_io import expose_published_weights, install_safe_checkpoint_io, mark_found_automatically

__all__ = ["TRUST_ENV", "is_trusted", "read_checkpoint_file", "register_safe_globals", "safe_globals", "trust_files",
           "sha256_of",
           "HUB_PREFIX", "ResolvedWeights", "WeightsInfo", "download_from_hub", "hub_cache_dir", "known_weights",
           "looks_like_name", "resolve_weights", "expose_published_weights", "install_safe_checkpoint_io",
           "mark_found_automatically"]
