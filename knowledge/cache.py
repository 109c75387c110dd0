"""A cache of the loaded base and its index, so that a restart does not parse and index again.

The cache key covers every YAML file (path, size, modification time) and the source of this
package: editing the base or the matching code makes a new key. A missing, stale or unreadable
cache is simply rebuilt; the cache is never the only copy of anything.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import mmap
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path

from knowledge.loader import KnowledgeBase, load_and_read, paused_gc, yaml_files
from knowledge.matcher import Matcher
from knowledge.national.select import NationalSelection
from knowledge.parallel import can_fork
from knowledge.schema import Entry

# entries read from disk and kept in memory, most recently used first
KEEP_IN_MEMORY = 512

log = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parent


def fingerprint(root: Path, select: NationalSelection | None = None) -> str:
    """A key that changes when any YAML file under ``root``, this package's code or the
    deployment's selection of national records changes."""
    digest = hashlib.sha256()
    digest.update((select.key() if select else "").encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.read_bytes())
    for path in yaml_files(root):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


class DiskEntries(Mapping[str, Entry]):
    """Entries kept in a file beside the cache and read on demand: a large base costs little memory."""

    def __init__(self, path: Path, offsets: dict[str, tuple[int, int]]) -> None:
        self.path = path
        self.offsets = offsets
        self._recent: OrderedDict[str, Entry] = OrderedDict()
        # mapped at once: a newer cache may delete this file, and an open map keeps it readable
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if offsets else None

    def __getitem__(self, entry_id: str) -> Entry:
        entry = self._recent.get(entry_id)
        if entry is not None:
            self._recent.move_to_end(entry_id)
            return entry
        start, end = self.offsets[entry_id]
        entry = pickle.loads(self._map[start:end])
        self._recent[entry_id] = entry
        if len(self._recent) > KEEP_IN_MEMORY:
            self._recent.popitem(last=False)
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.offsets

    def __getstate__(self) -> dict:
        return {"path": self.path, "offsets": self.offsets}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"], state["offsets"])


def load_indexed(
    root: Path | str, cache_dir: Path | str | None = None, select: NationalSelection | None = None,
    *, write_behind: bool = False,
) -> tuple[KnowledgeBase, Matcher]:
    """The validated base and its matcher: from the cache when it is current, else built (and cached).

    With a cache, entries stay on disk (read when asked for) and only the index is in memory.
    ``write_behind``: a new cache is written by a child process while this one goes on (it is
    ready to answer sooner; ``wait_for_cache`` waits for the child).
    """
    root = Path(root)
    with paused_gc():
        kb, matcher = _load_indexed(root, cache_dir, select, write_behind)
        # the base and its index live as long as the process: keep them out of every
        # collection, so that the running bot's passes stay short. Frozen before the collector
        # is back on: its first pass would otherwise walk every object the loading made (0.5 s
        # at 50,000 entries, to find nothing). No full pass first either: at 50,000 entries it
        # took 0.64 s to find 5 objects, the loading leaves next to no cycles behind.
        gc.freeze()
    return kb, matcher


def _load_indexed(
    root: Path, cache_dir: Path | str | None, select: NationalSelection | None, write_behind: bool
) -> tuple[KnowledgeBase, Matcher]:
    if cache_dir is None:
        return _build(root, select)
    wait_for_cache()  # a cache this process began writing is nearly there: cheaper than building
    key = fingerprint(root, select)
    index_path = Path(cache_dir) / f"knowledge-{key}.pickle"
    entries_path = Path(cache_dir) / f"knowledge-{key}.entries"
    if index_path.exists() and entries_path.exists():
        try:
            with index_path.open("rb") as handle:
                kb, matcher = pickle.load(handle)
            matcher.kb = kb
            return kb, matcher
        except Exception:  # a damaged or foreign cache file: rebuild it
            log.warning("ignoring unreadable knowledge cache %s", index_path)
    kb, matcher = _build(root, select)
    if write_behind and can_fork():
        _write_behind(index_path, entries_path, kb, matcher)
    else:
        _try_write_cache(index_path, entries_path, kb, matcher)
    return kb, matcher


def _build(root: Path, select: NationalSelection | None) -> tuple[KnowledgeBase, Matcher]:
    """The base from its YAML files and its matcher, the texts read once, as the files load."""
    kb, readings = load_and_read(root, Matcher.reader, select)
    return kb, Matcher(kb, readings=readings)


def _try_write_cache(index_path: Path, entries_path: Path, kb: KnowledgeBase, matcher: Matcher) -> None:
    try:
        _write_cache(index_path, entries_path, kb, matcher)
    except OSError:
        log.warning("could not write the knowledge cache in %s", index_path.parent, exc_info=True)


_writers: list[int] = []  # processes writing a cache, not yet waited for


def _write_behind(index_path: Path, entries_path: Path, kb: KnowledgeBase, matcher: Matcher) -> None:
    """Write the cache in a forked copy of this process (about 2 s at 50,000 entries, all of it
    holding the interpreter), so that this one answers meanwhile."""
    try:
        pid = os.fork()
    except OSError:
        _try_write_cache(index_path, entries_path, kb, matcher)
        return
    if pid == 0:  # the copy: write, and leave without running this process's exit handlers
        code = 1
        try:
            _try_write_cache(index_path, entries_path, kb, matcher)
            code = 0
        finally:
            os._exit(code)
    _writers.append(pid)
    threading.Thread(target=_reap, args=(pid,), name="cache-writer", daemon=True).start()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    with contextlib.suppress(ValueError):
        _writers.remove(pid)


def wait_for_cache() -> None:
    """Wait until every cache being written by a child process is written."""
    for pid in list(_writers):
        _reap(pid)


def _write_cache(index_path: Path, entries_path: Path, kb: KnowledgeBase, matcher: Matcher) -> None:
    """Entries one after another in one file, the index with their offsets in another."""
    folder = index_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    offsets: dict[str, tuple[int, int]] = {}
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
        position = 0
        for entry_id, entry in kb.entries.items():
            blob = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
            handle.write(blob)
            offsets[entry_id] = (position, position + len(blob))
            position += len(blob)
    os.replace(handle.name, entries_path)
    on_disk = KnowledgeBase(
        entries=DiskEntries(entries_path, offsets), synonyms=kb.synonyms, files=kb.files,
        catalogue=kb.catalogue,
    )
    live_kb = matcher.kb
    matcher.kb = None  # the index file holds the disk-backed base instead of every entry
    try:
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            pickle.dump((on_disk, matcher), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, index_path)
    finally:
        matcher.kb = live_kb
    for old in folder.glob("knowledge-*"):
        if old not in {index_path, entries_path}:
            old.unlink(missing_ok=True)
