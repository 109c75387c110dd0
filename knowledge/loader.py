"""Load and validate the YAML knowledge base, reporting every problem as ``file:line: id: what``."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.normalize import fold
from knowledge.schema import Entry, Fact, NationalProcedure, Procedure, Synonyms

DATA_DIR = Path(__file__).resolve().parent / "data"
SYNONYMS_FILE = "synonyms.yaml"
NATIONAL_DIR = "national"  # the imported national catalogue
# A file may add aliases to entries defined elsewhere (e.g. aliases learned in review):
#   aliases: {khai-sinh: [cách hỏi 1, cách hỏi 2]}
ALIASES_SECTION = "aliases"
_SECTIONS: dict[str, type[Procedure] | type[Fact]] = {
    "procedures": Procedure, "facts": Fact, "national": NationalProcedure,
}

Path_ = tuple[str | int, ...]
# libyaml's parser when PyYAML has it (it does in its wheels): several times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """A parsed YAML file; the line of every key and item is worked out only when asked for."""

    def __init__(self, data: Any, node: yaml.Node | None) -> None:
        self.data = data
        self._node = node
        self._lines: dict[Path_, int] | None = None

    @property
    def lines(self) -> dict[Path_, int]:
        """Line of every mapping key and list item (walks the file once, on first use)."""
        if self._lines is None:
            self._lines = {}
            if self._node is not None:
                _record_lines(self._node, (), self._lines)
            self._node = None
        return self._lines

    def line(self, path: Path_) -> int:
        """The line of the longest known prefix of ``path``."""
        lines = self.lines
        for end in range(len(path), -1, -1):
            if path[:end] in lines:
                return lines[path[:end]]
        return 1

    def entry_line(self, section: str, index: int) -> int:
        """The line an entry starts on, without walking the whole file."""
        if self._lines is not None or self._node is None:
            return self.line((section, index))
        for key_node, value_node in self._node.value:
            if key_node.value == section and isinstance(value_node, yaml.SequenceNode):
                return value_node.value[index].start_mark.line + 1
        return 1


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


def _parse(text: str, name: str, problems: list[Problem]) -> _Document | None:
    """Parse YAML; syntax errors, aliases and duplicate keys become problems."""
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
    return _Document(data, node)


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
    root: Path | str = DATA_DIR, extra_files: Iterable[Path] = (), national: bool = True
) -> KnowledgeBase:
    """Load every YAML file under ``root``; raise ``KnowledgeError`` listing all problems.

    ``national=False`` leaves out the imported national catalogue (``national/``).
    """
    with paused_gc():
        return _load_knowledge(Path(root), extra_files, national)


def _load_knowledge(root: Path, extra_files: Iterable[Path], national: bool) -> KnowledgeBase:
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    where: dict[str, tuple[str, int]] = {}
    alias_owner: dict[str, tuple[str, str, int]] = {}
    synonyms = Synonyms()
    overlays: list[tuple[_Document, str]] = []
    # curated entries first: where a text names both, the hand-written entry is found first
    files = sorted(yaml_files(root), key=lambda p: _is_national(p, root))
    if not national:
        files = [p for p in files if not _is_national(p, root)]
    files += list(extra_files)
    if not files:
        raise KnowledgeError([Problem(str(root), 1, None, "no YAML files found")])
    for path in files:
        name = _display_name(path, root)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Problem(
                    name, 1, None, f"file too large ({size:,} bytes; at most {MAX_FILE_BYTES:,})"
                ))
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, 1, None, f"cannot read file: {exc}"))
            continue
        doc = _parse(text, name, problems)
        if doc is None:
            continue
        if path.name == SYNONYMS_FILE:
            synonyms = _load_synonyms(doc, name, problems) or synonyms
            continue
        for entry, entry_path in _validate_entries(doc, name, problems):
            line = doc.entry_line(*entry_path)
            if entry.id in entries:
                first_file, first_line = where[entry.id]
                problems.append(
                    Problem(name, line, entry.id, f"duplicate id (first defined at {first_file}:{first_line})")
                )
                continue
            entries[entry.id] = entry
            where[entry.id] = (name, line)
            _check_aliases(entry, doc, entry_path, name, alias_owner, problems)
        if isinstance(doc.data, dict) and ALIASES_SECTION in doc.data:
            overlays.append((doc, name))
    for doc, name in overlays:
        _apply_overlay(doc, name, entries, alias_owner, problems)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(entries=entries, synonyms=synonyms, files=tuple(str(f) for f in files))


def _is_national(path: Path, root: Path) -> bool:
    """A file of the imported national catalogue (``national/`` under the base)."""
    try:
        return path.relative_to(root).parts[0] == NATIONAL_DIR
    except ValueError:
        return False


def _display_name(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _check_aliases(
    entry: Entry,
    doc: _Document,
    entry_path: Path_,
    name: str,
    alias_owner: dict[str, tuple[str, str, int]],
    problems: list[Problem],
) -> None:
    """Aliases (and titles) that fold to the same text must belong to one entry only.

    A national record's title is the official name: variants share it, and a curated entry that
    covers the record may use it as an alias, so it takes part in neither side of the check.
    """
    if isinstance(entry, NationalProcedure) and not entry.aliases:
        return
    texts = [(entry.title, (*entry_path, "title"))] + [
        (alias, (*entry_path, "aliases", i)) for i, alias in enumerate(entry.aliases)
    ]
    for text, path in texts:
        key = fold(text)
        line = doc.line(path)
        if not key:
            problems.append(Problem(name, line, entry.id, f"alias '{text}' has no letters or digits"))
            continue
        owner = alias_owner.get(key)
        if owner is None:
            alias_owner[key] = (entry.id, name, line)
        elif owner[0] != entry.id:
            problems.append(
                Problem(
                    name,
                    line,
                    entry.id,
                    f"alias '{text}' is also an alias of '{owner[0]}' ({owner[1]}:{owner[2]})",
                )
            )


def _apply_overlay(
    doc: _Document,
    name: str,
    entries: dict[str, Entry],
    alias_owner: dict[str, tuple[str, str, int]],
    problems: list[Problem],
) -> None:
    """Add the aliases of an ``aliases:`` section to the entries they name."""
    section = doc.data[ALIASES_SECTION]
    if not isinstance(section, dict):
        problems.append(Problem(name, doc.line((ALIASES_SECTION,)), None, "'aliases' must map entry ids to lists"))
        return
    for entry_id, texts in section.items():
        line = doc.line((ALIASES_SECTION, entry_id))
        entry = entries.get(str(entry_id))
        if entry is None:
            problems.append(Problem(name, line, str(entry_id), "aliases for an entry that does not exist"))
            continue
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            problems.append(Problem(name, line, entry.id, "aliases must be a list of texts"))
            continue
        for index, text in enumerate(texts):
            key = fold(text)
            owner = alias_owner.get(key)
            text_line = doc.line((ALIASES_SECTION, entry_id, index))
            if owner is not None and owner[0] != entry.id:
                problems.append(
                    Problem(name, text_line, entry.id,
                            f"alias '{text}' is also an alias of '{owner[0]}' ({owner[1]}:{owner[2]})")
                )
            elif key:
                alias_owner.setdefault(key, (entry.id, name, text_line))
        new = [t.strip() for t in texts if fold(t) and t.strip() not in entry.aliases]
        entries[entry.id] = entry.model_copy(update={"aliases": [*entry.aliases, *new]})


def _load_synonyms(doc: _Document, name: str, problems: list[Problem]) -> Synonyms | None:
    try:
        return Synonyms.model_validate(doc.data or {})
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(Problem(name, doc.line(tuple(error["loc"])), None, _describe(error)))
        return None
