"""Pure text normalisation for Vietnamese questions as people type them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


def _fold_table() -> dict[int, str | None]:
    """One translation table: accented Latin letters to their base letter (đ→d), marks and
    invisible format characters (zero-width joiners, RTL marks) removed. Built once at import."""
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "d", ord("ð"): "d", ord("ø"): "o",
                                    ord("ł"): "l", ord("ß"): "ss"}
    for cp in range(0x80, 0x10000):
        if cp in table or 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        category = unicodedata.category(ch)
        if category in {"Mn", "Me", "Cf"}:
            table[cp] = None
        elif category[0] in {"L", "N"}:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            if base and base.isascii() and base.isalnum():
                table[cp] = base.lower()
    return table


_FOLD = _fold_table()
# the same, with ASCII handled whole: capitals lowered, every other character but a letter or
# digit a space. A text folds with one translation and a split (most do: Vietnamese is Latin)
_FOLD_ASCII = {
    **_FOLD,
    **{cp: " " for cp in range(0x80) if not chr(cp).isalnum()},
    **{ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
}


def fold(text: str) -> str:
    """Lowercase, strip diacritics (đ→d), drop punctuation and collapse spaces.

    Old and new tone-mark placement (hoà/hòa, thuý/thúy) and NFC/NFD input all fold alike.
    """
    folded = text.translate(_FOLD_ASCII)
    if folded.isascii():
        return " ".join(folded.split())
    return _NON_WORD.sub(" ", folded.lower()).strip()  # letters of other scripts, emoji


_TELEX_MARKS = re.compile(r"(?<=[a-z])[sfrxj]$")
_TELEX_LETTERS = (("dd", "d"), ("aa", "a"), ("ee", "e"), ("oo", "o"), ("aw", "a"), ("ow", "o"),
                  ("uw", "u"), ("w", "u"))


def untelex(word: str) -> str:
    """A folded word typed with Telex keystrokes left in ("hooj" for "hộ", "laf" for "là"),
    without them. No Vietnamese syllable ends in s, f, r, x or j, nor holds "dd" or "w"."""
    plain = _TELEX_MARKS.sub("", word)
    for keys, letter in _TELEX_LETTERS:
        plain = plain.replace(keys, letter)
    return plain


# A well-formed Vietnamese syllable once folded: an onset, a vowel group and a final consonant
# that the spelling allows. "luon" (luôn), "chin" (chín), "huynh" are words as typed, not typos
# of "luong", "chien", "huyen"; "nghep", "gaing" or "indx" are not syllables and may be typos.
_OPEN_VOWELS = "ai|ao|au|ay|eo|eu|iu|oi|ui|uu|ieu|yeu|oai|oay|uoi|uay|uou|oeo|uyu|ia|uya"
_CLOSABLE = "uye|ie|ye|uo|oa|oe|ue|uy|oo|ua|a|e|i|o|u|y"
_SYLLABLE = re.compile(
    r"^(?:"
    r"(?:ngh|gh|k)(?=[eiy])|(?:ng|c)(?=[aou])|g(?=[aoui])|qu(?=[aeiouy])|gi|ch|kh|nh|ph|th|tr|[bdhlmnprstvx]"
    r")?"
    rf"(?:(?:{_OPEN_VOWELS})|(?:{_CLOSABLE})(?:ng|c|m|n|p|t)?|(?:a|e|i|y|oa|ue|uy)(?:ch|nh))$"
)


def is_syllable(word: str) -> bool:
    """Whether a folded word is spelled like a Vietnamese syllable (without its marks)."""
    return _SYLLABLE.match(word) is not None


_WORD = re.compile(r"\w+")
WORDS_KEPT = 65_536  # distinct written words whose reading is kept


def marks_of(word: str) -> tuple[str, ...]:
    """A word's diacritics whatever their placement ("hoà" and "hòa" alike): tone and vowel
    marks, and đ. Empty for a word typed without any."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    marks = tuple(sorted(c for c in decomposed if unicodedata.combining(c)))
    return (*marks, "đ") if "đ" in decomposed else marks


@lru_cache(maxsize=WORDS_KEPT)
def _read_word(word: str) -> tuple[str, tuple[str, ...]]:
    """A written word folded, and its diacritics: texts repeat the same few thousand words."""
    return fold(word), marks_of(word)


def written_forms(text: str) -> tuple[dict[str, frozenset[tuple[str, ...]]], frozenset[str]]:
    """How a text writes its words: folded word -> the diacritics it carries, and the folded
    words written without any (those match every form)."""
    forms: dict[str, set[tuple[str, ...]]] = {}
    bare: set[str] = set()
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):  # NFD splits words at marks
        key, marks = _read_word(word)
        if marks:
            forms.setdefault(key, set()).add(marks)
        else:
            bare.add(key)
    return {k: frozenset(v) for k, v in forms.items()}, frozenset(bare)


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
    # first word -> the lengths of the keys starting with it, longest first (most words start
    # no key: a fast path; the others try only lengths some key has)
    expand_reach: dict[str, tuple[int, ...]] = field(default_factory=dict)
    marks: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    mark_reach: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # the first two words of every key of two words or more: a word followed by another that
    # no key goes on with tries one length only
    expand_pairs: frozenset[tuple[str, str]] = frozenset()
    mark_pairs: frozenset[tuple[str, str]] = frozenset()
    # a one-word filler -> the diacritics it is written with ("được"): "dược" is another word
    filler_marks: dict[str, frozenset[tuple[str, ...]]] = field(default_factory=dict)
    # the diacritics of an expansion's words as the synonyms write them ("thị thực" for "visa")
    expansion_marks: dict[tuple[str, ...], tuple] = field(default_factory=dict)
    # opening phrases of a follow-up ("còn", "vậy còn") by their first word, closing ones
    # ("thì sao") by their last, longest first
    followup_lead: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    followup_tail: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    channel_words: frozenset[tuple[str, ...]] = frozenset()
    # the diacritics each word of a small-talk phrase is written with, in each of its spellings
    # ("vâng ạ"): "tạm vắng ạ" typed with its own is not the reply "vâng ạ"
    small_marks: dict[tuple[str, ...], frozenset[tuple[tuple[str, ...], ...]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        abbreviations: dict[str, str],
        phrases: dict[str, str],
        fillers: list[str],
        kept: list[str] = (),
        light: list[str] = (),
        fields: dict[str, list[str]],
        localities: dict[str, list[str]],
        indices: dict[str, list[str]] | None = None,
        smalltalk: dict[str, list[str]] | None = None,
        followup: dict[str, list[str]] | None = None,
        channel_words: list[str] = (),
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
        draft = cls(expansions=dict(canonical), expand_reach=_reach(canonical), expand_pairs=_pairs(canonical))

        def compact(text: str) -> tuple[str, ...]:
            return tuple(expand(fold(text).split(), draft))

        expansions = dict(canonical)
        expansion_marks: dict[tuple[str, ...], tuple[tuple[str, ...] | None, ...]] = {}
        for short, full in {**abbreviations, **phrases}.items():
            key = tuple(fold(short).split())
            if key and fold(full) and key not in canonical:
                expansions[key] = compact(full)
                if list(expansions[key]) == fold(full).split():  # its words as written
                    expansion_marks[key] = tuple(_typed_marks(full, fold(full).split()))
        for key, variant in _abbreviated_keys(expansions, abbreviations):
            expansions.setdefault(variant, expansions[key])  # "mở cty" reads as "mở công ty"
        draft = cls(expansions=dict(expansions), expand_reach=_reach(expansions), expand_pairs=_pairs(expansions))
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
        small_map = {
            compact(p): kind for kind, ps in (smalltalk or {}).items() for p in ps if fold(p)
        }
        small_marks: dict[tuple[str, ...], set[tuple[tuple[str, ...], ...]]] = {}
        for phrases in (smalltalk or {}).values():
            for phrase in phrases:
                words = fold(phrase).split()
                if words and list(compact(phrase)) == words:
                    small_marks.setdefault(tuple(words), set()).add(tuple(_typed_marks(phrase, words)))
        kept_set = frozenset(compact(k) for k in kept if fold(k))
        keys = [*expansions, *filler_set, *field_map, *locality_map, *index_map, *small_map, *kept_set]
        # one table for the marks a question can carry; earlier kinds win on the same words
        marks: dict[tuple[str, ...], tuple[str, str]] = {}
        for kind, table in (
            ("index", index_map),
            ("place", locality_map),
            ("filler", dict.fromkeys(filler_set, "")),
            ("field", field_map),
            ("small", small_map),  # a whole greeting or thanks wins over its filler words
            ("kept", dict.fromkeys(kept_set, "")),  # "thi bằng lái" over the filler "thì"
        ):
            marks.update({key: (kind, value) for key, value in table.items()})
        return cls(
            expansions=expansions,
            fillers=filler_set,
            light=frozenset(t for word in light for t in compact(word)),
            field_phrases=field_map,
            localities=locality_map,
            indices=index_map,
            longest=max((len(k) for k in keys), default=1),
            expand_reach=_reach(expansions),
            expand_pairs=_pairs(expansions),
            marks=marks,
            mark_reach=_reach(marks),
            mark_pairs=_pairs(marks),
            filler_marks=_filler_marks(fillers),
            expansion_marks=expansion_marks,
            followup_lead=_longest_first((followup or {}).get("lead", ()), by=0),
            followup_tail=_longest_first((followup or {}).get("tail", ()), by=-1),
            channel_words=frozenset(compact(w) for w in channel_words if fold(w)),
            small_marks={key: frozenset(forms) for key, forms in small_marks.items()},
        )


def _abbreviated_keys(
    expansions: dict[tuple[str, ...], tuple[str, ...]], abbreviations: dict[str, str]
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each phrase key of two words or more with the words of an abbreviation written short
    ("mở công ty" -> "mở cty", "đóng hộ kinh doanh" -> "đóng hkd"): people abbreviate inside
    the phrases too."""
    shorts: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for short, full in abbreviations.items():
        key, value = tuple(fold(short).split()), tuple(fold(full).split())
        if key and value and key != value:
            shorts.append((value, key))
    found = []
    for key in list(expansions):
        if len(key) < 2:
            continue
        for value, short in shorts:
            size = len(value)
            if size >= len(key):  # the whole key: the abbreviation itself
                continue
            variant, i, changed = [], 0, False
            while i < len(key):
                if key[i : i + size] == value:
                    variant.extend(short)
                    i += size
                    changed = True
                else:
                    variant.append(key[i])
                    i += 1
            if changed:
                found.append((key, tuple(variant)))
    return found


def _filler_marks(fillers: list[str]) -> dict[str, frozenset[tuple[str, ...]]]:
    """The diacritics each one-word filler is written with (none for "ok", "bot")."""
    forms: dict[str, set[tuple[str, ...]]] = {}
    for filler in fillers:
        words = filler.split()
        if len(words) == 1 and marks_of(words[0]):
            forms.setdefault(fold(filler), set()).add(marks_of(words[0]))
    return {word: frozenset(marks) for word, marks in forms.items()}


def _reach(keys) -> dict[str, tuple[int, ...]]:
    """First word of each key -> the lengths of the keys that start with it, longest first."""
    sizes: dict[str, set[int]] = {}
    for key in keys:
        if key:
            sizes.setdefault(key[0], set()).add(len(key))
    return {word: tuple(sorted(found, reverse=True)) for word, found in sizes.items()}


def _pairs(keys) -> frozenset[tuple[str, str]]:
    """The first two words of each key that has two or more."""
    return frozenset(tuple(key[:2]) for key in keys if len(key) >= 2)


def _sizes(
    reach: dict[str, tuple[int, ...]], pairs: frozenset[tuple[str, str]], tokens: list[str], i: int
) -> tuple[int, ...]:
    """The key lengths worth trying at ``tokens[i]``, longest first."""
    sizes = reach.get(tokens[i], ())
    if sizes and sizes[0] > 1 and (i + 1 >= len(tokens) or (tokens[i], tokens[i + 1]) not in pairs):
        return (1,) if sizes[-1] == 1 else ()
    return sizes


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
    small: tuple[str, ...] = ()  # small-talk kinds the message carries ("greeting", "thanks"…)
    followup: bool = False  # the message opens or closes like a question about the last answer

    @property
    def text(self) -> str:
        """The expanded tokens as one string."""
        return " ".join(self.tokens)

    @property
    def content_text(self) -> str:
        """Topic words only, as one string."""
        return " ".join(self.content)


_YEAR = re.compile(r"^(19|20)\d\d$")
# words before a place's name that make it the name of something else
_NAMED_AFTER = frozenset({("huan", "chuong"), ("giai", "thuong"), ("tu", "tuong"), ("chu", "tich")})
_AGE = re.compile(r"\b(\d{1,3})[tT]\b")
_AGE_HINT = re.compile(r"\d[tT]")  # a quick look first: most texts hold no age


def expand(tokens: list[str], vocab: Vocabulary) -> list[str]:
    """Replace abbreviations and colloquial phrases by their full form (longest match first)."""
    return _expand_marked(tokens, [None] * len(tokens), vocab)[0]


def _longest_first(phrases: Iterable[str], by: int) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Folded phrases by their word at ``by`` (first or last), the longest first, so that a
    scan looks at a few and stops at the longest that fits."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for words in sorted({tuple(fold(p).split()) for p in phrases if fold(p)}, key=lambda t: (-len(t), t)):
        found.setdefault(words[by], []).append(words)
    return {word: tuple(group) for word, group in found.items()}


def _typed_marks(text: str, words: list[str]) -> list[tuple[str, ...] | None]:
    """The diacritics typed on each folded word (None where they cannot be told)."""
    if text.isascii():  # typed without any: every word bare (most aliases and questions)
        return [()] * len(words)
    marks: list[tuple[str, ...] | None] = []
    for chunk in _WORD.findall(unicodedata.normalize("NFC", text)):
        folded, typed = _read_word(chunk)
        marks.extend(typed for _ in folded.split())
    return marks if len(marks) == len(words) else [None] * len(words)


def _expand_marked(
    tokens: list[str], marks: list[tuple[str, ...] | None], vocab: Vocabulary
) -> tuple[list[str], list[tuple[str, ...] | None]]:
    """``expand``, keeping each untouched word's typed diacritics."""
    out: list[str] = []
    out_marks: list[tuple[str, ...] | None] = []
    reach, pairs, table = vocab.expand_reach, vocab.expand_pairs, vocab.expansions
    i, n = 0, len(tokens)
    while i < n:
        for size in _sizes(reach, pairs, tokens, i) if tokens[i] in reach else ():
            if size > n - i:
                continue
            key = tuple(tokens[i : i + size])
            hit = table.get(key)
            if hit is not None:
                out.extend(hit)
                out_marks.extend(vocab.expansion_marks.get(key) or [None] * len(hit))
                i += size
                break
        else:
            out.append(tokens[i])
            out_marks.append(marks[i])
            i += 1
    return out, out_marks


def analyse(
    text: str, vocab: Vocabulary, correct: Callable[[str], str] | None = None
) -> Analysis:
    """Fold, correct typos, expand and split a question into topic words, field cues, places, years."""
    folded, tokens, content, fields, localities, indices, small, followup = _read(text, vocab, correct)
    return Analysis(
        folded=folded,
        tokens=tuple(tokens),
        content=tuple(content),
        fields=tuple(fields),
        localities=frozenset(localities),
        years=_years(tokens),
        indices=frozenset(indices),
        small=tuple(small),
        followup=followup,
    )


IndexReading = tuple[str, frozenset[str] | None, frozenset[str] | None, frozenset[str] | None]


def index_reading(text: str, vocab: Vocabulary) -> IndexReading:
    """What an index keeps of a title or alias, read as ``analyse`` reads a question: its topic
    words as one string, and the places, years and indices it names (None for none). A plain
    tuple: a large base's texts are read by worker processes, and this is what travels back."""
    _, tokens, content, _, localities, indices, _, _ = _read(text, vocab, None, question=False)
    return (" ".join(content), frozenset(localities) or None, _years(tokens) or None,
            frozenset(indices) or None)


def _years(tokens: list[str]) -> frozenset[str]:
    return frozenset(t for t in tokens if len(t) == 4 and t.isdigit() and _YEAR.match(t))


def _read(
    text: str, vocab: Vocabulary, correct: Callable[[str], str] | None, question: bool = True
) -> tuple[str, list[str], list[str], list[str], set[str], set[str], list[str], bool]:
    """The parts of an analysis, in the order of ``Analysis`` (without the years)."""
    if _AGE_HINT.search(text):
        text = _AGE.sub(r"\1 tuổi", text)  # "ba em 80t" is eighty years old
    folded = fold(text)
    all_words = folded.split()
    start, end = _followup_span(all_words, vocab)
    words, followup = all_words[start:end], end - start < len(all_words)
    typed = _typed_marks(text, all_words)[start:end]
    if question:  # (the base's own texts say "gì" when they mean it)
        words = _central_what(words, typed)
    if correct is not None:
        words = [correct(word) for word in words]
    tokens, typed = _expand_marked(words, typed, vocab)
    content: list[str] = []
    fields: list[str] = []
    localities: set[str] = set()
    indices: set[str] = set()
    small: list[str] = []
    reach, pairs, marks = vocab.mark_reach, vocab.mark_pairs, vocab.marks
    i, n = 0, len(tokens)
    while i < n:
        for size in _sizes(reach, pairs, tokens, i) if tokens[i] in reach else ():
            if size > n - i:
                continue
            key = tuple(tokens[i : i + size])
            mark = marks.get(key)
            if mark is None:
                continue
            kind, value = mark
            if kind == "small" and not _marks_fit(typed[i : i + size], vocab.small_marks.get(key)):
                continue  # "tạm vắng ạ" is not "vâng ạ"
            if kind == "filler" and size == 1 and typed[i] and tokens[i] in vocab.filler_marks \
                    and typed[i] not in vocab.filler_marks[tokens[i]]:
                continue  # "dược" (pharmacy) typed with its marks is not the filler "được"
            if kind == "field":
                if value not in fields:
                    fields.append(value)
            elif kind == "place":
                if tuple(content[-2:]) not in _NAMED_AFTER:  # "Huân chương Hồ Chí Minh" is a name
                    localities.add(value)
                content.extend(key)
            elif kind == "index":
                indices.add(value)
                content.extend(key)
            elif kind == "small":
                small.append(value)
            elif kind == "kept":
                content.extend(key)
            break
        else:
            size = 1
            content.append(tokens[i])
        i += size
    if end < len(all_words):
        # "… thì làm sao": the closing "sao" of a follow-up also ends a field cue ("làm sao")
        name = _tail_field(all_words[max(start, end - 2) :], vocab)
        if name is not None and name not in fields:
            fields.append(name)
    return folded, tokens, content, fields, localities, indices, small, followup


# words that may close a question after its last word ("cần mang theo chi ạ", "… chi rứa")
_CLOSING = frozenset({"a", "ak", "ha", "ad", "rua", "v", "z", "vay", "ne", "nhe", "nha", "hen", "mn", "ban"})


def _central_what(words: list[str], typed: list[tuple[str, ...] | None]) -> list[str]:
    """"chi" closing a question is the Centre's "gì" ("làm hộ chiếu cần mang theo chi"); typed
    with diacritics ("chỉ", "chì") or inside the question ("chi phí", "chi nhánh") it is not."""
    last = len(words)
    while last > 1 and words[last - 1] in _CLOSING:
        last -= 1
    at = last - 1
    if at >= 1 and words[at] == "chi" and not (typed[at] if at < len(typed) else ()):
        return [*words[:at], "gi", *words[at + 1:]]
    return words


def without_words(analysis: Analysis, phrases: frozenset[tuple[str, ...]]) -> Analysis:
    """The same analysis with every occurrence of some phrases taken out of its topic words."""
    if not phrases:
        return analysis
    longest = max(len(p) for p in phrases)
    words, kept, i = analysis.content, [], 0
    while i < len(words):
        size = next(
            (n for n in range(min(longest, len(words) - i), 0, -1) if tuple(words[i : i + n]) in phrases),
            0,
        )
        if size:
            i += size
        else:
            kept.append(words[i])
            i += 1
    return replace(analysis, content=tuple(kept)) if len(kept) < len(words) else analysis


def _marks_fit(
    typed: list[tuple[str, ...] | None], forms: frozenset[tuple[tuple[str, ...], ...]] | None
) -> bool:
    """Whether words typed with these diacritics can be a phrase written in one of its forms (a
    word typed without any, or whose marks are unknown, fits every form)."""
    if not forms:
        return True
    return any(
        all(
            t is None or not t or not f or _vowels(t) == _vowels(f)
            for t, f in zip(typed, form, strict=False)
        )
        for form in forms
    )


_VOWEL_MARKS = frozenset({"\u0302", "\u0306", "\u031b", "đ"})  # â ê ô, ă, ơ ư, đ


def _vowels(marks: tuple[str, ...]) -> tuple[str, ...]:
    """The marks that make another letter ("vắng" is not "vâng"); a tone is often mistyped."""
    return tuple(m for m in marks if m in _VOWEL_MARKS)


def _tail_field(words: list[str], vocab: Vocabulary) -> str | None:
    """The field that the last words of a message ask for, where a phrase reaching its very
    last word names one (the longest such phrase)."""
    tokens = expand(words, vocab)
    for i in range(len(tokens)):
        mark = vocab.marks.get(tuple(tokens[i:]))
        if mark is not None and mark[0] == "field":
            return mark[1]
    return None


def _followup_span(words: list[str], vocab: Vocabulary) -> tuple[int, int]:
    """Where the words of a message stand once the opening "còn"/"vậy" and closing "thì sao" of a
    message about the last answer are dropped.

    An opening word counts only when a closing one is there too, or a field cue follows it
    ("còn lệ phí?"): "con" alone is also "child", as in "con mới sinh".
    """
    tail = next(
        (len(t) for t in vocab.followup_tail.get(words[-1], ()) if len(words) > len(t)
         and tuple(words[-len(t):]) == t),
        0,
    ) if words else 0
    end = len(words) - tail
    lead = next(
        (len(t) for t in vocab.followup_lead.get(words[0], ()) if end > len(t)
         and tuple(words[: len(t)]) == t),
        0,
    ) if words else 0
    if lead and not tail and not _starts_with_field(words[lead:end], vocab):
        lead = 0
    return lead, end


def _starts_with_field(words: list[str], vocab: Vocabulary) -> bool:
    """The words begin with a phrase that asks for a field ("lệ phí", "mất bao lâu")."""
    # an expanded prefix may be longer than the words it was typed as: try every length
    longest = vocab.mark_reach.get(words[0], (0,))[0] if words else 0
    for size in range(min(longest, len(words)), 0, -1):
        mark = vocab.marks.get(tuple(expand(words[:size], vocab)))
        if mark is not None and mark[0] == "field":
            return True
    return False
