"""Pure text normalisation for Vietnamese questions as people type them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

_NON_WORD = re.compile(r"[^0-9a-z]+")
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss"})


def fold(text: str) -> str:
    """Lowercase, strip diacritics (đ→d), drop punctuation and collapse spaces.

    Old and new tone-mark placement (hoà/hòa, thuý/thúy) and NFC/NFD input all fold alike.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    bare = "".join(ch for ch in decomposed if not _invisible(ch))
    return _NON_WORD.sub(" ", bare.casefold().translate(_SPECIAL)).strip()


def _invisible(ch: str) -> bool:
    """Combining marks and format characters (zero-width joiners, RTL marks) carry no letter."""
    return unicodedata.combining(ch) > 0 or unicodedata.category(ch) == "Cf"


def nfc(text: str) -> str:
    """Canonical composed form of a text, for display and storage."""
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Vocabulary:
    """Folded synonyms: abbreviations and phrases to expand, words that carry no topic."""

    expansions: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    fillers: frozenset[tuple[str, ...]] = frozenset()
    light: frozenset[str] = frozenset()
    field_phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    localities: dict[tuple[str, ...], str] = field(default_factory=dict)
    indices: dict[tuple[str, ...], str] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def build(
        cls,
        *,
        abbreviations: dict[str, str],
        phrases: dict[str, str],
        fillers: list[str],
        light: list[str] = (),
        fields: dict[str, list[str]],
        localities: dict[str, list[str]],
        indices: dict[str, list[str]] | None = None,
    ) -> Vocabulary:
        """Fold every key once so that matching works on folded tokens only.

        A one-word abbreviation of a longer phrase becomes the phrase's canonical token
        ("bảo hiểm xã hội" and "bhxh" both read "bhxh"): a concept of four syllables then weighs
        as one word, as a reader weighs it. Every other key is compacted the same way.
        """
        canonical: dict[tuple[str, ...], tuple[str, ...]] = {}
        for short, full in abbreviations.items():
            key, value = tuple(fold(short).split()), tuple(fold(full).split())
            if len(key) == 1 and len(value) >= 2:
                canonical.setdefault(value, key)
        draft = cls(expansions=dict(canonical), longest=max((len(k) for k in canonical), default=1))

        def compact(text: str) -> tuple[str, ...]:
            return tuple(expand(fold(text).split(), draft))

        expansions = dict(canonical)
        for short, full in {**abbreviations, **phrases}.items():
            key = tuple(fold(short).split())
            if key and fold(full) and key not in canonical:
                expansions[key] = compact(full)
        draft = cls(expansions=dict(expansions), longest=max(len(k) for k in expansions))
        filler_set = frozenset(compact(f) for f in fillers if fold(f))
        field_map = {compact(p): name for name, ps in fields.items() for p in ps if fold(p)}
        locality_map = {
            compact(p): " ".join(compact(name))
            for name, ps in localities.items()
            for p in [name, *ps]
            if fold(p)
        }
        index_map = {
            compact(p): " ".join(compact(name))
            for name, ps in (indices or {}).items()
            for p in [name, *ps]
            if fold(p)
        }
        keys = [*expansions, *filler_set, *field_map, *locality_map, *index_map]
        return cls(
            expansions=expansions,
            fillers=filler_set,
            light=frozenset(t for word in light for t in compact(word)),
            field_phrases=field_map,
            localities=locality_map,
            indices=index_map,
            longest=max((len(k) for k in keys), default=1),
        )


@dataclass(frozen=True)
class Analysis:
    """What a question says once folded: its topic words, asked field, places and years."""

    folded: str
    tokens: tuple[str, ...]
    content: tuple[str, ...]
    fields: tuple[str, ...]
    localities: frozenset[str]
    years: frozenset[str]
    indices: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        """The expanded tokens as one string."""
        return " ".join(self.tokens)

    @property
    def content_text(self) -> str:
        """Topic words only, as one string."""
        return " ".join(self.content)


_YEAR = re.compile(r"^(19|20)\d\d$")


def expand(tokens: list[str], vocab: Vocabulary) -> list[str]:
    """Replace abbreviations and colloquial phrases by their full form (longest match first)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(vocab.longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            if key in vocab.expansions:
                out.extend(vocab.expansions[key])
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def analyse(
    text: str, vocab: Vocabulary, correct: Callable[[str], str] | None = None
) -> Analysis:
    """Fold, correct typos, expand and split a question into topic words, field cues, places, years."""
    folded = fold(text)
    words = folded.split()
    if correct is not None:
        words = [correct(word) for word in words]
    tokens = expand(words, vocab)
    content: list[str] = []
    fields: list[str] = []
    localities: set[str] = set()
    indices: set[str] = set()
    i = 0
    while i < len(tokens):
        for size in range(min(vocab.longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            if key in vocab.field_phrases:
                name = vocab.field_phrases[key]
                if name not in fields:
                    fields.append(name)
                break
            if key in vocab.fillers:
                break
            if key in vocab.localities:
                localities.add(vocab.localities[key])
                content.extend(key)
                break
            if key in vocab.indices:
                indices.add(vocab.indices[key])
                content.extend(key)
                break
        else:
            size = 1
            content.append(tokens[i])
        i += size
    years = frozenset(t for t in tokens if _YEAR.match(t))
    return Analysis(
        folded=folded,
        tokens=tuple(tokens),
        content=tuple(content),
        fields=tuple(fields),
        localities=frozenset(localities),
        years=years,
        indices=frozenset(indices),
    )
