"""Load and validate the YAML knowledge base, reporting every problem as ``file:line: id: what``."""

from __future__ import annotations

import contextlib
import gc
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import ValidationError

from knowledge.national.select import NationalSelection
from knowledge.normalize import fold
from knowledge.parallel import map_ordered
from knowledge.schema import Entry, Fact, NationalProcedure, Procedure, Synonyms

DATA_DIR = Path(__file__).resolve().parent / "data"
SYNONYMS_FILE = "synonyms.yaml"
# the registry of cited legal documents, read and checked by knowledge.legal
LEGAL_FILE = "legal.yaml"
NATIONAL_DIR = "national"  # the imported national catalogue
# everyday phrasings of national records, kept beside the import (which rewrites national/)
NATIONAL_ALIASES_DIR = "national-aliases"
# A file may add aliases to entries defined elsewhere (e.g. aliases learned in review):
#   aliases: {khai-sinh: [cách hỏi 1, cách hỏi 2]}
ALIASES_SECTION = "aliases"
MIN_CURATED_ALIASES = 8  # the ways people ask, with and without diacritics (see the README)
_SECTIONS: dict[str, type[Procedure] | type[Fact]] = {
    "procedures": Procedure, "facts": Fact, "national": NationalProcedure,
}

Path_ = tuple[str | int, ...]
R = TypeVar("R")
# libyaml's parser when PyYAML has it (it does in its wheels): several times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
try:  # a parser in Rust, about three times faster again on a clean file
    import ryaml as _fast
except ImportError:  # pragma: no cover - the strict path reads everything too
    _fast = None


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the base, located in its file."""

    file: str
    line: int
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.entry_id}: {self.message}" if self.entry_id else f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The base could not be loaded; ``problems`` lists everything wrong, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class EntryInfo:
    """What a catalogue shows of an entry, without its content."""

    id: str
    kind: str
    title: str
    group: str  # a procedure's domain, a fact's place ("" for national facts)
    aliases: int
    national: bool = False  # a record imported from the national database


def entry_info(entry: Entry) -> EntryInfo:
    """The catalogue line of an entry."""
    group = entry.domain if isinstance(entry, Procedure) else (entry.locality or "")
    national = isinstance(entry, NationalProcedure)
    return EntryInfo(entry.id, entry.kind, entry.title, group, len(entry.aliases), national)


@dataclass(frozen=True)
class KnowledgeBase:
    """Validated entries and synonyms, ready to index.

    ``entries`` is a mapping id -> entry: a dict, or a store that reads entries from disk on
    demand (see ``knowledge.cache``); ``catalogue`` lists every entry without loading it.
    """

    entries: Mapping[str, Entry]
    synonyms: Synonyms
    files: tuple[str, ...] = ()
    catalogue: tuple[EntryInfo, ...] = ()
    # every word of the titles and aliases, folded, as the loader found them (empty: not known)
    words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.catalogue:
            object.__setattr__(self, "catalogue", tuple(entry_info(e) for e in self.entries.values()))

    @property
    def procedures(self) -> list[Procedure]:
        """Procedure entries in file order (loads them all)."""
        return [self.entries[i.id] for i in self.catalogue if i.kind == "procedure"]

    @property
    def facts(self) -> list[Fact]:
        """Reform fact entries in file order (loads them all)."""
        return [self.entries[i.id] for i in self.catalogue if i.kind == "fact"]

    def counts(self) -> dict[str, int]:
        """How many procedures, facts and aliases the base holds."""
        return {
            "procedures": sum(1 for i in self.catalogue if i.kind == "procedure"),
            "national": sum(1 for i in self.catalogue if i.national),
            "facts": sum(1 for i in self.catalogue if i.kind == "fact"),
            "aliases": sum(i.aliases for i in self.catalogue),
        }


MAX_FILE_BYTES = 32 * 1024 * 1024  # far above the largest catalogue file; refuses runaway input
# a base this large is read on every core, a file per worker at a time (a smaller one reads
# faster here than workers start and send their entries back)
PARALLEL_BYTES = 32 * 1024 * 1024


class _StrictConstructor(_Loader):
    """libyaml's parser with two refusals: duplicate keys and aliases (``*name``).

    An alias makes one node appear many times: a few hundred bytes can expand to gigabytes in
    every later walk ("billion laughs"), and a knowledge base never needs one.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[tuple[int, str]] = []

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not allowed", node.start_mark
            )
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep)
        if len(mapping) < len(node.value):
            seen: set[str] = set()
            for key_node, _value in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicates.append((key_node.start_mark.line + 1, key))
                seen.add(key)
        return mapping


class _Document:
    """A parsed YAML file; the line of a key or item is worked out only when a problem needs one
    (by parsing the file again, keeping its nodes)."""

    def __init__(self, data: Any, source: Path | None = None, text: str | None = None) -> None:
        self.data = data
        self.source = source
        self._text = text
        self._lines: dict[Path_, int] | None = None

    @property
    def lines(self) -> dict[Path_, int]:
        """Line of every mapping key and list item."""
        if self._lines is None:
            self._lines = {}
            text = self._text
            if text is None and self.source is not None:
                text = self.source.read_text(encoding="utf-8")
            self._text = None
            try:
                loader = _StrictConstructor(text or "")
                try:
                    node = loader.get_single_node()
                finally:
                    loader.dispose()
            except yaml.YAMLError:
                node = None
            if node is not None:
                _record_lines(node, (), self._lines)
        return self._lines

    def line(self, path: Path_) -> int:
        """The line of the longest known prefix of ``path``."""
        lines = self.lines
        for end in range(len(path), -1, -1):
            if path[:end] in lines:
                return lines[path[:end]]
        return 1

    def where(self, name: str, path: Path_) -> _Where:
        """A place in this file whose line is found only if it is ever shown."""
        return _Where(name, self.source, path, self if self.source is None else None)


class _Where(NamedTuple):
    """A key or item of a file, located lazily (a problem needs its line; nothing else does)."""

    file: str
    source: Path | None
    path: Path_
    doc: _Document | None = None  # kept only for a file that cannot be read again

    @property
    def line(self) -> int:
        doc = self.doc or _lines_of(self.source)
        return doc.line(self.path)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


_line_maps: OrderedDict[Path, _Document] = OrderedDict()


def _lines_of(source: Path | None) -> _Document:
    """The lines of a file, kept for the few files problems were found in."""
    if source is None:
        return _Document(None)
    doc = _line_maps.get(source)
    if doc is None:
        doc = _line_maps[source] = _Document(None, source)
        if len(_line_maps) > 8:
            _line_maps.popitem(last=False)
    return doc


# libyaml notices an unclosed bracket or quote only at the next token, often on a later line;
# the construct it was scanning starts where the mistake is
_OPENED_AT_CONTEXT = ("flow sequence", "flow mapping", "quoted scalar")


def _syntax_line(exc: yaml.MarkedYAMLError) -> int:
    """The line a syntax error is on: the unclosed construct's line, else where the parser stopped."""
    context = exc.context or ""
    if exc.context_mark is not None and context.endswith(_OPENED_AT_CONTEXT):
        return exc.context_mark.line + 1
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark else 1


# an anchor token (&name): without one a file cannot use an alias, and one that names an
# undefined anchor is an error; a file with an anchor takes the strict path, which refuses it
_ANCHOR = re.compile(r"&[^\s\[\]{},]")


def _has_anchor(text: str) -> bool:
    """An ``&`` at the start of a line or after a space or bracket, followed by a name. (One
    pattern with the look-behind tried at every character took 2 s over a 70 MB base; a scan
    for "&" and a look at the character before it takes a few milliseconds.)"""
    return any(
        m.start() == 0 or text[m.start() - 1].isspace() or text[m.start() - 1] in "[{,:"
        for m in _ANCHOR.finditer(text)
    )


def _parse(text: str, name: str, problems: list[Problem], source: Path | None = None) -> _Document | None:
    """Parse YAML; syntax errors, aliases and duplicate keys become problems.

    A clean file is read by the fast parser when it is installed; anything it refuses, and any
    file with anchors or aliases, goes through libyaml with the checks that locate problems.
    """
    if _fast is not None and not _has_anchor(text):
        try:
            return _Document(_fast.loads(text), source, None if source else text)
        except Exception:  # noqa: BLE001 - the strict path below says what is wrong, and where
            pass
    try:
        loader = _StrictConstructor(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
            duplicates = loader.duplicates
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        problems.append(Problem(name, _syntax_line(exc), None, f"{kind}: {exc.problem or exc}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 1, None, f"YAML error: {exc}"))
        return None
    except RecursionError:
        problems.append(Problem(name, 1, None, "YAML nested too deeply"))
        return None
    for line, key in duplicates:
        problems.append(Problem(name, line, None, f"duplicate key '{key}'"))
    return _Document(data, source, None if source else text)


def _record_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines.setdefault((*path, key), key_node.start_mark.line + 1)
            _record_lines(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _record_lines(item, (*path, index), lines)


def _describe(error: dict[str, Any]) -> str:
    """A validation error in plain words, naming the field."""
    loc = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"missing field '{loc}'"
    if kind == "extra_forbidden":
        return f"unknown field '{loc}'"
    message = error["msg"].removeprefix("Value error, ")
    return f"field '{loc}': {message}"


def _validate_entries(
    doc: _Document, name: str, problems: list[Problem]
) -> Iterator[tuple[Entry, Path_]]:
    if not isinstance(doc.data, dict):
        problems.append(
            Problem(name, 1, None, "expected a mapping with 'procedures:' or 'facts:' at the top")
        )
        return
    for section, value in doc.data.items():
        if section == ALIASES_SECTION:
            continue  # applied once every entry is known
        model = _SECTIONS.get(section)
        if model is None:
            known = ", ".join(_SECTIONS)
            problems.append(
                Problem(name, doc.line((section,)), None, f"unknown section '{section}' (expected {known})")
            )
            continue
        if not isinstance(value, list):
            problems.append(Problem(name, doc.line((section,)), None, f"'{section}' must be a list"))
            continue
        for index, raw in enumerate(value):
            path: Path_ = (section, index)
            entry_id = raw.get("id") if isinstance(raw, dict) else None
            entry_id = str(entry_id) if entry_id is not None else None
            if not isinstance(raw, dict):
                problems.append(Problem(name, doc.line(path), None, "an entry must be a mapping"))
                continue
            try:
                yield model.model_validate(raw), path
            except ValidationError as exc:
                for error in exc.errors():
                    problems.append(
                        Problem(name, doc.line((*path, *error["loc"])), entry_id, _describe(error))
                    )


def yaml_files(root: Path) -> list[Path]:
    """Every YAML file under a folder, in a stable order."""
    return sorted(p for p in root.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"})


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The garbage collector off for a while (restored after, unless it was off already).

    Loading creates millions of objects that all survive: with the collector on, its passes
    over them cost about as much as the parsing itself, and find nothing to free.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_knowledge(
    root: Path | str = DATA_DIR,
    extra_files: Iterable[Path] = (),
    national: bool = True,
    select: NationalSelection | None = None,
    *,
    curated_aliases: int = 0,
) -> KnowledgeBase:
    """Load every YAML file under ``root``; raise ``KnowledgeError`` listing all problems.

    ``national=False`` leaves out the imported national catalogue (``national/``); ``select``
    serves only the national records it keeps (every record is still validated).
    ``curated_aliases``: also require that many aliases of every curated procedure (check-kb).
    """
    with paused_gc():
        return _load_knowledge(Path(root), extra_files, national, select, curated_aliases, None)[0]


def load_and_read(
    root: Path | str, reader: Callable[[Synonyms], Callable[[str], R]],
    select: NationalSelection | None = None,
) -> tuple[KnowledgeBase, dict[str, R]]:
    """``load_knowledge``, and every title and alias read by ``reader(synonyms)`` as its file
    is loaded (by the worker that loads it, for a large base): text -> what it read."""
    with paused_gc():
        return _load_knowledge(Path(root), (), True, select, 0, reader)


def _load_knowledge(
    root: Path, extra_files: Iterable[Path], national: bool, select: NationalSelection | None,
    curated_aliases: int, reader: Callable[[Synonyms], Callable[[str], R]] | None,
) -> tuple[KnowledgeBase, dict[str, R]]:
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    where: dict[str, _Where] = {}
    alias_owner: dict[str, tuple[str, _Where]] = {}
    dropped: set[str] = set()  # national records this deployment does not serve
    synonyms = Synonyms()
    overlays: list[tuple[_Document, str]] = []
    words: set[str] = set()
    readings: dict[str, R] = {}
    # curated entries first: where a text names both, the hand-written entry is found first
    files = sorted(yaml_files(root), key=lambda p: _is_national(p, root))
    if not national:
        files = [p for p in files if not _is_national(p, root)]
    files += list(extra_files)
    if not files:
        raise KnowledgeError([Problem(str(root), 1, None, "no YAML files found")])
    names = {path: _display_name(path, root) for path in files}

    def take(read: _FileRead) -> None:
        nonlocal synonyms
        problems.extend(read.problems)
        synonyms = read.synonyms or synonyms
        words.update(read.words)
        readings.update(read.readings)
        dropped.update(read.dropped)
        for entry, entry_path, keys in read.entries:
            if entry.id in entries:
                problems.append(Problem(
                    read.name, _Where(read.name, read.path, entry_path).line, entry.id,
                    f"duplicate id (first defined at {where[entry.id]})",
                ))
                continue
            entries[entry.id] = entry
            where[entry.id] = _Where(read.name, read.path, entry_path)
            _claim_aliases(entry, keys, read, alias_owner, problems)
        if read.overlay is not None:
            overlays.append((read.overlay, read.name))

    # the synonyms first: the texts of every other file are read with them
    for path in [p for p in files if p.name == SYNONYMS_FILE]:
        take(_read_file(path, names[path], select, None))
    rest = [p for p in files if p.name != SYNONYMS_FILE]
    read_text = reader(synonyms) if reader is not None else None
    big = sum(_size(path) for path in rest) >= PARALLEL_BYTES
    for read in map_ordered(lambda path: _read_file(path, names[path], select, read_text), rest, parallel=big):
        take(read)
    for doc, name in overlays:
        _apply_overlay(doc, name, entries, alias_owner, problems, dropped, words)
    for entry_id, entry in entries.items():
        # a curated procedure is one with aliases; a national record may carry a few everyday
        # phrasings (aliases/) without being curated
        if (
            isinstance(entry, Procedure) and not isinstance(entry, NationalProcedure)
            and 0 < len(entry.aliases) < curated_aliases
        ):
            place = where[entry_id]
            problems.append(Problem(place.file, place.line, entry_id,
                                    f"a curated procedure needs at least {curated_aliases} aliases "
                                    f"(has {len(entry.aliases)})"))
    _line_maps.clear()
    if problems:
        raise KnowledgeError(problems)
    kb = KnowledgeBase(
        entries=entries, synonyms=synonyms, files=tuple(str(f) for f in files), words=frozenset(words)
    )
    return kb, readings


def _is_national(path: Path, root: Path) -> bool:
    """A file of the national catalogue: the import (``national/``) or its everyday phrasings."""
    try:
        return path.relative_to(root).parts[0] in (NATIONAL_DIR, NATIONAL_ALIASES_DIR)
    except ValueError:
        return False


def _display_name(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


@dataclass
class _FileRead:
    """One file read, parsed and validated (by a worker process, for a large base)."""

    name: str
    path: Path
    problems: list[Problem] = field(default_factory=list)
    synonyms: Synonyms | None = None
    # each entry, where it stands, and its texts that must be its own: (folded text, where)
    entries: list[tuple[Entry, Path_, list[tuple[str, Path_]]]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # national records the deployment does not serve
    words: set[str] = field(default_factory=set)  # every word of the entries' titles and aliases, folded
    readings: dict[str, Any] = field(default_factory=dict)  # each title and alias -> what a reader read
    overlay: _Document | None = None  # an ``aliases:`` section, applied once every entry is known


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when the file is read


def _read_file(
    path: Path, name: str, select: NationalSelection | None, read_text: Callable[[str], Any] | None
) -> _FileRead:
    """Read, parse and validate one file; what is wrong in it alone becomes its problems.
    ``read_text``: what to read each title and alias with, if anything."""
    read = _FileRead(name, path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            read.problems.append(Problem(
                name, 1, None, f"file too large ({size:,} bytes; at most {MAX_FILE_BYTES:,})"
            ))
            return read
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        read.problems.append(Problem(name, 1, None, f"cannot read file: {exc}"))
        return read
    doc = _parse(text, name, read.problems, path)
    del text
    if doc is None or path.name == LEGAL_FILE:
        return read
    if path.name == SYNONYMS_FILE:
        read.synonyms = _load_synonyms(doc, name, read.problems)
        return read
    for entry, entry_path in _validate_entries(doc, name, read.problems):
        if select is not None and isinstance(entry, NationalProcedure) and not select.keeps(entry):
            read.dropped.append(entry.id)
            continue
        keys = _alias_keys(entry, doc, entry_path, name, read.problems)
        read.entries.append((entry, entry_path, keys))
        for key in [key for key, _ in keys] if keys else [fold(entry.title)]:
            read.words.update(key.split())
    if isinstance(doc.data, dict) and ALIASES_SECTION in doc.data:
        # only the section travels back; its lines are found in the file if a problem needs one
        read.overlay = _Document({ALIASES_SECTION: doc.data[ALIASES_SECTION]}, doc.source, doc._text)
    if read_text is not None:
        for text in _texts_of(read):
            if text not in read.readings:
                read.readings[text] = read_text(text)
    return read


def _texts_of(read: _FileRead) -> Iterator[str]:
    """The titles and aliases a file holds, its ``aliases:`` section's too."""
    for entry, _, _ in read.entries:
        yield entry.title
        yield from entry.aliases
    section = read.overlay.data[ALIASES_SECTION] if read.overlay is not None else None
    if isinstance(section, dict):
        for texts in section.values():
            if isinstance(texts, list):
                yield from (t.strip() for t in texts if isinstance(t, str))


def _alias_keys(
    entry: Entry, doc: _Document, entry_path: Path_, name: str, problems: list[Problem]
) -> list[tuple[str, Path_]]:
    """An entry's title and aliases folded, each with where it stands: texts that fold alike
    must belong to one entry only.

    A national record's title is the official name: variants share it, and a curated entry that
    covers the record may use it as an alias, so it takes part in neither side of the check.
    """
    if isinstance(entry, NationalProcedure) and not entry.aliases:
        return []
    texts = [(entry.title, (*entry_path, "title"))] + [
        (alias, (*entry_path, "aliases", i)) for i, alias in enumerate(entry.aliases)
    ]
    keys = []
    for text, path in texts:
        key = fold(text)
        if key:
            keys.append((key, path))
        else:
            problems.append(Problem(name, doc.line(path), entry.id, f"alias '{text}' has no letters or digits"))
    return keys


def _claim_aliases(
    entry: Entry,
    keys: list[tuple[str, Path_]],
    read: _FileRead,
    alias_owner: dict[str, tuple[str, _Where]],
    problems: list[Problem],
) -> None:
    """Each folded text goes to the first entry that has it; another entry's is a problem."""
    for key, path in keys:
        owner = alias_owner.get(key)
        if owner is None:
            alias_owner[key] = (entry.id, _Where(read.name, read.path, path))
        elif owner[0] != entry.id:
            text = entry.title if path[-1] == "title" else entry.aliases[path[-1]]
            problems.append(Problem(
                read.name, _Where(read.name, read.path, path).line, entry.id,
                f"alias '{text}' is also an alias of '{owner[0]}' ({owner[1]})",
            ))


def _apply_overlay(
    doc: _Document,
    name: str,
    entries: dict[str, Entry],
    alias_owner: dict[str, tuple[str, _Where]],
    problems: list[Problem],
    dropped: set[str],
    words: set[str],
) -> None:
    """Add the aliases of an ``aliases:`` section to the entries they name (and their folded
    words to ``words``)."""
    section = doc.data[ALIASES_SECTION]
    if not isinstance(section, dict):
        problems.append(Problem(name, doc.line((ALIASES_SECTION,)), None, "'aliases' must map entry ids to lists"))
        return
    for entry_id, texts in section.items():
        entry = entries.get(str(entry_id))
        if entry is None and str(entry_id) in dropped:
            continue  # aliases of a record this deployment does not serve
        if entry is None:
            problems.append(Problem(
                name, doc.line((ALIASES_SECTION, entry_id)), str(entry_id), "aliases for an entry that does not exist"
            ))
            continue
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            problems.append(Problem(
                name, doc.line((ALIASES_SECTION, entry_id)), entry.id, "aliases must be a list of texts"
            ))
            continue
        for index, text in enumerate(texts):
            key = fold(text)
            owner = alias_owner.get(key)
            path = (ALIASES_SECTION, entry_id, index)
            if owner is not None and owner[0] != entry.id:
                problems.append(Problem(
                    name, doc.line(path), entry.id, f"alias '{text}' is also an alias of '{owner[0]}' ({owner[1]})"
                ))
            elif key:
                alias_owner.setdefault(key, (entry.id, doc.where(name, path)))
            words.update(key.split())
        new = [t.strip() for t in texts if fold(t) and t.strip() not in entry.aliases]
        entries[entry.id] = entry.model_copy(update={"aliases": [*entry.aliases, *new]})


def _load_synonyms(doc: _Document, name: str, problems: list[Problem]) -> Synonyms | None:
    try:
        return Synonyms.model_validate(doc.data or {})
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(Problem(name, doc.line(tuple(error["loc"])), None, _describe(error)))
        return None
