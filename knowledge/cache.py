"""A cache of the loaded base and its index, so that a restart does not parse and index again.

The cache key covers every YAML file (path, size, modification time) and the source of this
package: editing the base or the matching code makes a new key. A missing, stale or unreadable
cache is simply rebuilt; the cache is never the only copy of anything.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from knowledge.loader import KnowledgeBase, load_knowledge, yaml_files
from knowledge.matcher import Matcher

log = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parent


def fingerprint(root: Path) -> str:
    """A key that changes when any YAML file under ``root`` or this package's code changes."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.glob("*.py")):
        digest.update(path.read_bytes())
    for path in yaml_files(root):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def load_indexed(root: Path | str, cache_dir: Path | str | None = None) -> tuple[KnowledgeBase, Matcher]:
    """The validated base and its matcher: from the cache when it is current, else built (and cached)."""
    root = Path(root)
    if cache_dir is None:
        kb = load_knowledge(root)
        return kb, Matcher(kb)
    cache = Path(cache_dir) / f"knowledge-{fingerprint(root)}.pickle"
    if cache.exists():
        try:
            with cache.open("rb") as handle:
                kb, matcher = pickle.load(handle)
            return kb, matcher
        except Exception:  # a damaged or foreign cache file: rebuild it
            log.warning("ignoring unreadable knowledge cache %s", cache)
    kb = load_knowledge(root)
    matcher = Matcher(kb)
    _write(cache, (kb, matcher))
    return kb, matcher


def _write(path: Path, value: object) -> None:
    """Write atomically, and remove older caches of the same base."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        for old in path.parent.glob("knowledge-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        log.warning("could not write the knowledge cache in %s", path.parent, exc_info=True)
