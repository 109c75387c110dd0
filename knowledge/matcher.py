"""Find the entry a question is about: candidate generation over an inverted index, then fuzzy rerank."""

from __future__ import annotations

import heapq
import math
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache, partial
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.loader import KnowledgeBase
from knowledge.normalize import (
    Analysis,
    IndexReading,
    Vocabulary,
    analyse,
    expand,
    fold,
    index_reading,
    is_syllable,
    marks_of,
    untelex,
    without_words,
    written_forms,
)
from knowledge.parallel import map_ordered
from knowledge.schema import Entry, Fact, NationalProcedure, Procedure, Synonyms

# How the final score (0-100) weighs its parts: the best single alias (weighted F1 of shared
# words), the entry's coverage of the question's words, and plain string similarity.
W_ALIAS = 0.55
W_COVERAGE = 0.25
W_FUZZY = 0.20
# Everyday words and numbers weigh this much of their usual weight.
LIGHT = 0.5
# Word pairs weigh this much of their inverse document frequency.
BIGRAM = 0.25
# A term in more entries than this (share of the base, at least COMMON_MIN) does not pick candidates.
COMMON_SHARE = 0.05
COMMON_MIN = 50
# A message with more topic words than this tells a story around its question.
LONG_WORDS = 14
# Candidates scored in full per question, and how far below the best a rival still makes a short
# question ambiguous.
POOL = 30
# Entries of a word found in at most this many entries are always candidates.
RARE = 12
# … and of a word pair in at most this many ("tạm trú" beside "sắp hết hạn", "gia hạn")
RARE_PAIR = 24
# … and at most this many curated entries beside the pool (a story's, or those tied at its end)
CURATED_KEPT = 8
PAIR_PICK = 4.0
# an entry alone near the answer threshold is answered when it holds this many of the question's
# words ("gia vang" shares only "vàng", folded like the "vắng" of "tạm vắng")
ALONE_WORDS = 2
# … alone also when this far ahead of every other, even if the runner-up reaches the suggestion score
ALONE_GAP = 8.0
# … and this far ahead of every other, it is answered from `Thresholds.alone_far` ("tiền bị rách,
# cháy mất một góc thì đổi ở đâu": the official record at 40.3, the next at 25.6)
ALONE_FAR_GAP = 12.0
# … when the question names this much of one of its texts ("thẻ ngân hàng bị khóa" names a
# quarter of the record on card issuers' codes)
ALONE_FAR_RECALL = 0.4
# … in a base this large: among a hundred entries, having no rival says little (the curated
# entries alone refused 89.3% of the questions they must refuse with the rule, 93.2% without)
ALONE_AMONG = 1000
# the shortest word taken for a typo when no syllable is spelled like it ("kai", "snh", "vag")
TYPO_LETTERS = 3
AMBIGUOUS_GAP = 12.0
# Reform facts listed when a question's year or index matches none of a place's.
AVAILABLE_SHOWN = 6
# Records of one family within this many points of the best fit the question equally.
VARIANT_GAP = 10.0
# A record naming the question's words among this much more of its own is not tied with the best.
TIE_RECALL = 0.05
# A text with this share of its words marked is written with diacritics: its bare words are bare.
MARKED_SHARE = 0.6
# Points a long message's score gains for an entry whose text it contains whole.
NAMED = 6.0
NAMED_ASKED = 3.0
# Points a national record gives up to a curated entry, and the most the usage weight adds.
NATIONAL_PRIOR = 5.0
USAGE_PRIOR = 3.0
# How much more the words of a long message's last sentence weigh.
FOCUS = 2.0
# Words that open a subordinate part of a text ("xác nhận tình trạng hôn nhân sau ly hôn",
# "… đối với người nước ngoài"): what follows qualifies the procedure and does not name it
_SUBORDINATE = ("sau", "doi_voi", "truong_hop")
_MAY_SUBORDINATE = re.compile(r"\b(?:sau|doi voi|truong hop)\b")  # a quick look first
# Questions about a rule, a duty or who qualifies rather than how to carry out a procedure
# ("trách nhiệm của …", "những hoạt động nào phải có giấy phép", "được xử lý như thế nào"):
# a procedure sharing their words is offered, not answered as if it were the reply.
_RULE_QUESTION = re.compile(
    r"\b(trach nhiem (cua|gi)|(co|chiu) trach nhiem"
    r"|nhung [a-z ]{0,40}\bnao (can phai|phai|can) co"
    r"|truong hop nao (can phai|phai)"
    r"|(to chuc|ca nhan)[ ,]+(ca nhan |to chuc )?nao (co )?du dieu kien"
    r"|duoc to chuc nhu the nao|xu ly nhu the nao|thuc hien theo van ban nao)\b"
)
_SENTENCE = re.compile(r"[.?!;\n]+")
_QUESTION = re.compile(r"[^.?!;\n]+(?=\?)")  # a sentence closed by a question mark
_CLAUSE = re.compile(r"[.?!;,\n]+|\s(?:nhưng|nhung|mà)\s", re.IGNORECASE)
# what a story says its teller wants: "muốn", "dự định", "giờ tính" ("tính" and "định" alone
# are also in "cách tính", "quy định"; bare "muon" is also "muộn", rarely in a story)
_WANTS = re.compile(
    r"(?<!\w)(?:muốn|muon|mún|dự (?:định|tính)|du (?:dinh|tinh)|(?:đang|giờ|dang|gio) (?:tính|định))(?!\w)",
    re.IGNORECASE,
)
# A side question of a long message's question: whether something else is needed ("…, có phải
# khám sức khỏe không", "thiếu giấy kết hôn có được ko"). It names a requirement, not the procedure.
_SIDE = re.compile(
    r"^(?:va |con |thi |hay )?(?:co )?(?:phai|can|bat buoc)\b.*\b(?:khong|ko|k|hok|hong|chua)\b"
    r"|^(?:va |con |hay )?thieu\b.*\bco (?:duoc|dc)\b"
)
_SIDE_SPLIT = re.compile(r",|\s(?:hay|và|va|với lại|voi lai)\s", re.IGNORECASE)
# A yes-or-no question ("có cần khám sức khỏe không", "phải mang theo ảnh ko").
_YES_NO = re.compile(
    r"\b(can|phai|duoc|dc|bat buoc)\b.*\b(khong|ko|k|hok|hong|chua|ha|nhi|chu)$"
    # … or one asking what it needs: "cần tài khoản gì", "phải ký những gì"
    r"|\b(can|phai)\b.*\b(gi|j)$"
    # … or how it goes: "hết hạn rồi thì gia hạn sao"
    r"|\b(sao|the nao|ntn|nhu nao)$"
)
# A short question about the last answer: at most this many topic words, answered from the
# field holding them when nothing else fits it well; the fields looked through, in order.
BODY_WORDS = 6
BODY_FIELDS = (
    "documents", "requirements", "fee", "processing_time", "agency", "steps", "result", "channels",
)
# A name in quotation marks ("thủ tục “…”") weighs like a long message's last sentence.
_QUOTED = re.compile(r"[“\"«]([^”\"»]+)[”\"»]")
QUOTED_WORDS = 2
# How much a word of a long message that the entry does not share counts against it.
OTHER = 0.5
# An official record changing what is registered ("Đăng ký thay đổi nội dung …", "Thủ tục thay đổi
# người thực hiện …") gives up these points to the others when the question names no change
CHANGE_UNSAID = 6.0
CHANGE_TITLES = ("thay doi", "dky thay doi", "thong bao thay doi", "dieu chinh", "sua doi")
CHANGE_WORDS = frozenset({"thay", "doi", "sua", "chinh", "chuyen", "tang", "giam", "them"})  # … "bổ sung", "cập nhật"
CHANGE_PHRASES = (" bo sung ", " cap nhat ")
STORY = 0.1
REPLACED = frozenset({"replacement"})
# An entry's anchors: terms in this share of its texts (or its title) that few entries use;
# a word pair counts when at most ANCHOR_PAIRS of the base holds it, a lone word ANCHOR_WORDS.
ANCHOR_SHARE = 0.3
ANCHOR_PAIRS = (8, 0.02)
ANCHOR_WORDS = (6, 0.01)
# Entries whose per-text index is kept in memory (most recently matched first), and term weights.
TEXT_INDEX_KEPT = 8192
# a base with this many titles and aliases reads them on every core (fewer read faster here than
# workers start and send their readings back)
PARALLEL_TEXTS = 50_000
# learned aliases taught at once touching more entries than this rebuild the index once
REBUILD_AFTER = 256
WEIGHTS_KEPT = 200_000


class Outcome(StrEnum):
    """How sure the matcher is."""

    answer = "answer"
    clarify = "clarify"  # several entries fit equally: ask which one, with buttons
    suggest = "suggest"
    not_found = "not_found"
    smalltalk = "smalltalk"  # a greeting, thanks or remark: no question to answer


# The small-talk kind a message gets when it carries several ("cảm ơn, bot ngu").
SMALLTALK_ORDER = ("rude", "who", "capabilities", "thanks", "bye", "greeting", "ok")
# Topic words a small-talk message may carry and still be small talk when nothing matches.
SMALLTALK_WORDS = 3
# Small talk about the bot itself wins over an answer scored below LOOSE.
ABOUT_BOT = frozenset({"rude", "who", "capabilities"})
LOOSE = 55.0
RUDE_LOOSE = 75.0
# Topic words a message about the bot may carry and still be small talk when nothing matches.
ABOUT_BOT_WORDS = 5
# The reasons of a refusal that the reply explains differently.
NO_TOPIC = "no_topic"  # a field was asked ("mất bao lâu?") without naming a procedure
NO_FACT = "no_fact"  # a reform question whose year, index or place matches no fact


@dataclass(frozen=True)
class Thresholds:
    """Score limits (0-100) between the three outcomes."""

    answer: float = 46.0
    suggest: float = 34.0
    margin: float = 2.0
    sure: float = 90.0
    related: float = 30.0  # below suggestions, still shown beside a "not found" as the nearest
    clear_floor: float = 36.0  # a curated entry this far ahead of every rival is answered
    clear_margin: float = 8.0
    named_floor: float = 26.0  # … from this score when the question holds one of its names whole
    # a short question that fits one entry, with no other worth offering beside it, is answered
    # from this score (an entry alone is not a choice the asker has to make)
    alone: float = 44.0
    # … from this score when it is a curated entry or the question holds one of its texts whole
    alone_named: float = 40.0
    # … from this score when far ahead of every other (`ALONE_FAR_GAP`), or beside only longer
    # variants of a record the question names whole
    alone_far: float = 38.0
    # two official records this close fit the question equally: ask which one is meant
    tie: float = 2.0
    long_floor: float = 34.0  # the same in a long message, whose story dilutes every score
    long_margin: float = 4.0  # … and ahead of every other candidate by this much
    # a long message shares a little with many official titles: a national record it fits
    # only loosely is offered rather than answered
    long_national: float = 55.0
    # below this, a short follow-up whose words the last answer holds is about that answer
    body_followup: float = 60.0


@dataclass(frozen=True)
class Suggestion:
    """A candidate entry with its score."""

    entry_id: str
    title: str
    score: float


@dataclass(frozen=True)
class Context:
    """What a chat was last answered: the entry and the field it led with."""

    entry_id: str
    field: str | None = None


@dataclass(frozen=True)
class MatchResult:
    """What the matcher found for one question; everything above it only presents this."""

    outcome: Outcome
    query: str
    normalized: str
    entry: Entry | None = None
    field: str | None = None
    score: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    smalltalk: str | None = None  # its kind, when the outcome is small talk
    followup: bool = False  # answered from the chat's previous entry
    reason: str | None = None  # why nothing was answered (NO_TOPIC, NO_FACT)
    available: tuple[Entry, ...] = ()  # for NO_FACT: the facts held on that place and index
    long: bool = False  # the message tells a story around its question

    @property
    def answered(self) -> bool:
        """True when the result names one entry with confidence."""
        return self.outcome is Outcome.answer


class Ranked(NamedTuple):
    """A candidate entry, its score, and how much of the question its best text covers."""

    entry_id: str
    score: float
    overlap: tuple[float, float]
    recall: float = 0.0  # how much of its best text the question names


class _Readings:
    """Texts' readings as they arrive, in the order of the texts."""

    def __init__(
        self, texts: list[str], readings: Iterator[IndexReading], known: Mapping[str, IndexReading]
    ) -> None:
        self._arriving = zip(texts, readings, strict=True)
        self._known = known
        self._arrived: dict[str, IndexReading] = {}

    def get(self, text: str) -> IndexReading:
        """A text's reading (waiting for it if it is not there yet)."""
        found = self._known.get(text)
        if found is not None:
            return found
        arrived = self._arrived
        while text not in arrived:
            text_read, found = next(self._arriving)
            arrived[text_read] = found
        return arrived[text]


@dataclass(frozen=True)
class _FactKeys:
    """What a reform fact names: a question naming something else is not about it."""

    places: frozenset[str]
    years: frozenset[str]
    indices: frozenset[str]
    numbers: frozenset[str]


def terms_of(tokens: list[str] | tuple[str, ...]) -> list[str]:
    """Index terms of a text: its words, and adjacent pairs (Vietnamese words are often two syllables)."""
    return [*tokens, *(f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))]


def vocabulary_of(kb: KnowledgeBase) -> Vocabulary:
    """Fold the base's synonyms into a vocabulary for ``analyse``."""
    return vocabulary_from(kb.synonyms)


def vocabulary_from(syn: Synonyms) -> Vocabulary:
    """Fold synonyms into a vocabulary for ``analyse``."""
    return Vocabulary.build(
        abbreviations=syn.abbreviations,
        phrases=syn.phrases,
        fillers=syn.all_fillers(),
        kept=syn.kept,
        light=syn.light,
        fields=syn.fields,
        localities=syn.localities,
        indices=syn.indices,
        smalltalk=syn.smalltalk,
        followup=syn.followup,
        channel_words=syn.channel_words,
    )


class Matcher:
    """An index over titles and aliases. Build once per base; ``match`` is a pure lookup."""

    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        learned: dict[str, str] | None = None,
        readings: Mapping[str, IndexReading] | None = None,
    ) -> None:
        """``readings``: texts of the base already read by ``Matcher.reader`` (see
        ``knowledge.loader.load_and_read``); the others are read here."""
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        self.vocab = vocabulary_of(kb)
        # the base's own texts, read as written (on every core for a large base) while the
        # words they use are gathered here
        sources = [_sources(entry) for entry in kb.entries.values()]
        readings = readings or {}
        unread = list(dict.fromkeys(
            text for texts in sources for text, _ in texts if text not in readings
        ))
        read = map_ordered(self._read, unread, parallel=len(unread) >= PARALLEL_TEXTS)
        self._syllables = _known_syllables(kb)
        reading = _Readings(unread, read, readings).get
        self._syllable_buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(self._syllables):
            self._syllable_buckets[(word[0], len(word))].append(word)
        self._corrections: dict[str, str] = {}
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._texts: list[list[str]] = []  # each entry's normalised title and aliases
        self._exact: dict[str, str] = {}
        self._exact_words: dict[str, int] = {}  # how many words the text owning a key has
        self._exact_tied: dict[str, set[str]] = {}  # keys that texts of several entries share
        self._facts: dict[int, _FactKeys] = {}
        national_codes: dict[str, int] = {}
        curated_codes: dict[str, int] = {}
        self._usage: dict[int, int] = {}  # national position -> the portal's usage weight
        self._forms: dict[int, tuple[dict[str, frozenset], frozenset[str]]] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        for position, (entry_id, entry) in enumerate(kb.entries.items()):
            self._ids.append(entry_id)
            self._titles.append(entry.title)
            self._texts.append(self._index_entry(position, entry, sources[position], reading))
            for term in self._terms(position):  # meanwhile the next texts are read
                postings[term].append(position)
            self._remember_forms(position, entry)
            if isinstance(entry, NationalProcedure):
                national_codes[entry.code] = position
                self._usage[position] = entry.usage or 0
            else:
                for code in codes_of(entry):
                    curated_codes.setdefault(code, position)
        self._position = {entry_id: i for i, entry_id in enumerate(self._ids)}
        # a national record a curated entry covers is answered by that entry, which names its code
        self._covered_by = {
            national_codes[code]: position
            for code, position in curated_codes.items() if code in national_codes
        }
        most = max(self._usage.values(), default=0)
        self._usage_scale = math.log1p(most) or 1.0
        # curated entries about a way to submit itself ("Nộp hồ sơ trực tuyến …")
        channels = [" ".join(p) for p in self.vocab.channel_words]
        self._channel_terms = frozenset(w for phrase in self.vocab.channel_words for w in phrase)
        self._channel_entries = frozenset(
            self._ids[position] for position in range(len(self._ids))
            if position not in self._usage and self._texts[position]
            and any(f" {c} " in f" {self._texts[position][0]} " for c in channels)
        )
        # place or index -> the facts naming it, for saying what figures the base holds
        self._facts_naming: dict[str, set[int]] = defaultdict(set)
        for position, keys in self._facts.items():
            for key in keys.places | keys.indices:
                self._facts_naming[key].add(position)
        self._contrasts = self._contrast_table(kb)
        self._contrast_first = frozenset(k[0] for k in self._contrasts)
        # kind -> (ask when unsaid, [(name, title phrases longest first, asked phrases)])
        self._variant_kinds = [
            (kind, spec.ask, [
                (v.name, sorted((fold(t) for t in v.title), key=len, reverse=True),
                 [fold(a) for a in v.asked])
                for v in spec.variants
            ])
            for kind, spec in kb.synonyms.variants.items()
        ]
        self._kinds: dict[int, dict[str, frozenset[str]]] = {}
        self._learned: dict[str, str] = {}
        self._learned_raw: dict[str, str] = {}
        self._learned_added: set[tuple[str, str]] = set()
        self._learned_key: dict[str, str] = {}  # learned text -> its normalised key
        self._learned_by_key: dict[str, dict[str, str]] = defaultdict(dict)  # key -> {text: entry}
        self._exact_before: dict[str, str | None] = {}
        for text, entry_id in (learned or {}).items():
            self._learn(entry_id, text)
        self._build_index(None if learned else postings)

    # -- building ---------------------------------------------------------------------------

    def _read(self, text: str) -> IndexReading:
        """A title or alias read as a question would be, without typo correction: the base
        spells its own words."""
        return index_reading(text, self.vocab)

    @staticmethod
    def reader(synonyms: Synonyms) -> Callable[[str], IndexReading]:
        """How a matcher over a base with these synonyms reads the base's texts."""
        return partial(index_reading, vocab=vocabulary_from(synonyms))

    def _index_entry(
        self, position: int, entry: Entry, sources: list[tuple[str, bool]],
        reading: Callable[[str], IndexReading],
    ) -> list[str]:
        """Index an entry's texts (``reading`` gives each text's); remember exact texts and what
        a fact names."""
        texts: dict[str, None] = {}  # ordered and deduplicated in one pass: linear in the aliases
        places: set[str] = set()
        years: set[str] = set()
        indices: set[str] = set()
        for text, exact in sources:
            key, named_places, named_years, named_indices = reading(text)
            if not key:
                continue
            texts.setdefault(key)
            places |= named_places or set()
            years |= named_years or set()
            indices |= named_indices or set()
            if exact:
                # texts of two entries may read alike once fillers go ("không giải thể công ty
                # nữa" and "giải thể công ty"): the text written closest to it keeps the key
                written = len(text.split())
                known = self._exact_words.get(key)
                if known is None or written < known:
                    self._exact[key] = entry.id
                    self._exact_words[key] = written
                    self._exact_tied.pop(key, None)
                elif written == known and self._exact[key] != entry.id:
                    # the same text names two entries (one title at two levels): not exact
                    self._exact_tied.setdefault(key, {self._exact[key]}).add(entry.id)
        if isinstance(entry, Fact):
            numbers = {t for text in texts for t in text.split() if t.isdigit()}
            for text in (entry.answer, *entry.figures, entry.period or "", entry.note or ""):
                numbers.update(t for t in fold(text).split() if t.isdigit())
            self._facts[position] = _FactKeys(
                frozenset(places), frozenset(years), frozenset(indices), frozenset(numbers)
            )
        return list(texts)

    def _terms(self, position: int) -> set[str]:
        """Every index term of one entry."""
        return {term for text in self._texts[position] for term in terms_of(text.split())}

    def _build_index(self, postings: dict[str, list[int]] | None = None) -> None:
        """The index over every entry's texts (``postings``: its terms' entries, if known)."""
        if postings is None:
            postings = defaultdict(list)
            for position in range(len(self._texts)):
                for term in self._terms(position):
                    postings[term].append(position)
        # a term of one entry keeps a plain int: most word pairs are unique, arrays cost memory
        self._postings: dict[str, int | np.ndarray] = {
            t: p[0] if len(p) == 1 else np.array(p, dtype=np.int32) for t, p in postings.items()
        }
        self._total = max(len(self._texts), 1)
        # a term in more entries than this does not pick candidates (see COMMON_SHARE)
        self._crowded = max(COMMON_SHARE * len(self._texts), COMMON_MIN)
        # the median idf of the known terms (as ``_idf_of`` gives each), at once
        frequencies = np.fromiter((len(p) for p in postings.values()), dtype=np.float64, count=len(postings))
        self._unknown_idf = float(np.median(np.log(1 + self._total / frequencies))) if len(postings) else 1.0
        # per entry, built when the entry is first a candidate: each text's total weight
        # (the recall denominator) and which of its texts hold each term
        self._text_index: OrderedDict[int, tuple[tuple[float, ...], dict[str, tuple[int, ...]]]] = (
            OrderedDict()
        )
        self._weights: dict[str, float] = {}
        # tuples of strings: the collector stops tracking them, so a large cache costs no pauses
        self._anchors: dict[int, tuple[str, ...]] = {}
        total = len(self._texts)
        self._anchor_pairs = max(ANCHOR_PAIRS[0], ANCHOR_PAIRS[1] * total)
        self._anchor_words = max(ANCHOR_WORDS[0], ANCHOR_WORDS[1] * total)
        if len(self._texts) <= TEXT_INDEX_KEPT:  # a small base is indexed whole, up front
            for position in range(len(self._texts)):
                self._texts_of(position)

    def _frequency(self, term: str) -> int:
        """In how many entries a known term occurs."""
        postings = self._postings[term]
        return 1 if isinstance(postings, int | np.integer) else len(postings)

    def _idf_of(self, term: str) -> float:
        """Inverse document frequency of a known term (0 for an unknown one)."""
        if term not in self._postings:
            return 0.0
        return math.log(1 + self._total / self._frequency(term))

    def _texts_of(
        self, position: int
    ) -> tuple[tuple[float, ...], dict[str, tuple[int, ...]], tuple[tuple[str, ...], ...]]:
        """One entry's per-text weights, term positions and subordinate terms (computed once, kept)."""
        cached = self._text_index.get(position)
        if cached is not None:
            self._text_index.move_to_end(position)
            return cached
        weights: list[float] = []
        where: dict[str, list[int]] = defaultdict(list)
        tails: list[tuple[str, ...]] = []
        heads = self._heads_of(position)
        known_weight, term_weight = self._weights.get, self._term_weight  # (this runs for every
        # new candidate: at 50,000 entries, most of a question's first-time cost)
        for index, text in enumerate(self._texts[position]):
            tokens = text.split()
            words = dict.fromkeys(terms_of(tokens))  # ordered: sums come out the same every run
            total = 0.0
            for term in words:
                weight = known_weight(term)
                total += term_weight(term) if weight is None else weight
                where[term].append(index)
            weights.append(total or 1.0)
            tail = _tail_terms(tokens) if _MAY_SUBORDINATE.search(text) else frozenset()
            if index and heads and tokens[0] in heads:
                lead = next((i for i, token in enumerate(tokens) if token not in heads), len(tokens))
                if 2 <= lead < len(tokens):
                    # a curated alias opening with the entry's name ("khiếu nại bồi thường giải
                    # phóng mặt bằng"): met without that name, only its object is
                    tail = tail | set(terms_of(tokens[lead:]))
            tails.append(tuple(tail))  # a tuple of strings is not tracked
        # tuples of numbers: the collector stops tracking them, so a large cache costs no pauses
        built = (tuple(weights), {term: tuple(at) for term, at in where.items()}, tuple(tails))
        self._text_index[position] = built
        if len(self._text_index) > TEXT_INDEX_KEPT:
            self._text_index.popitem(last=False)
        return built

    def _heads_of(self, position: int) -> frozenset[str]:
        """The words of a curated procedure's title that name it (few entries use them)."""
        if position in self._usage or position in self._facts or not self._texts[position]:
            return frozenset()
        light = self.vocab.light
        return frozenset(
            w for w in self._texts[position][0].split()
            if w in self._postings and self._frequency(w) <= self._crowded and w not in light and not w.isdigit()
        )

    def _variant_of(self, position: int) -> tuple[str, dict[str, str]]:
        """A record's title without what tells its variants apart, and its variant of each kind
        ("Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)": "thẻ căn cước", lại, tỉnh)."""
        rest = f" {fold(self._titles[position])} "
        rest = rest.replace(" thu tuc ", " ", 1)
        kinds: dict[str, str] = {}
        for kind, _ask, variants in self._variant_kinds:
            found = None
            named = sorted(
                ((phrase, name) for name, phrases, _ in variants for phrase in phrases),
                key=lambda item: -len(item[0]),
            )  # "cấp lại" before "cấp"
            for phrase, name in named:
                at = rest.find(f" {phrase} ")
                # an action names the record ("Cấp lại …"); other kinds may sit anywhere
                if at >= 0 and (kind != "action" or at == 0):
                    found = (name, phrase, at)
                    break
            if found:
                name, phrase, at = found
                rest = rest[:at] + " " + rest[at + len(phrase) + 2:]
                kinds[kind] = name
            else:
                kinds[kind] = next((n for n, phrases, _ in variants if not phrases), "")
        return " ".join(rest.split()), kinds

    def _pick_variant(self, text: str, ranked: list[Ranked]) -> tuple[str | None, tuple[str, ...]]:
        """Among national records of one family that fit equally: the one the question names,
        else the first variant of each kind; several left that differ in an asked kind: them."""
        if not self._variant_kinds or self._position[ranked[0].entry_id] not in self._usage:
            return None, ()
        floor = ranked[0].score - VARIANT_GAP
        close = [
            self._position[r.entry_id] for r in ranked
            if r.score >= floor and self._position[r.entry_id] in self._usage
        ]
        if len(close) < 2:
            return None, ()
        shapes = {position: self._variant_of(position) for position in close}
        base = shapes[close[0]][0]
        members = [p for p in close if shapes[p][0] == base]
        if len(members) < 2:
            return None, ()
        question = f" {fold(text)} "
        for kind, ask, variants in self._variant_kinds:
            present = {shapes[p][1][kind] for p in members}
            if len(present) < 2:
                continue
            named = {n for n, _t, asked in variants if any(f" {a} " in question for a in asked)}
            if named & present:
                members = [p for p in members if shapes[p][1][kind] in named]
            elif not ask:
                first = next(n for n, _t, _a in variants if n in present)
                members = [p for p in members if shapes[p][1][kind] == first]
        if len(members) == 1:
            return self._ids[members[0]], ()
        if len(members) == len(close) and not any(
            ask for _k, ask, _v in self._variant_kinds
            if len({shapes[p][1][_k] for p in members}) > 1
        ):
            return None, ()
        members.sort(key=lambda p: -self._usage.get(p, 0))  # the more used first
        return None, tuple(self._ids[p] for p in members[:3])

    def _forms_of(self, position: int) -> tuple[dict[str, frozenset], frozenset[str]]:
        """How an entry's title and aliases write their words (read when it was indexed)."""
        return self._forms.get(position, _NO_FORMS)

    def _remember_forms(self, position: int, entry: Entry) -> None:
        forms: dict[str, set] = defaultdict(set)
        bare: set[str] = set()
        for text in (entry.title, *entry.aliases):
            if text.isascii():
                continue  # written without diacritics: matches every form
            written, plain = written_forms(text)
            for word, marks in written.items():
                forms[word] |= marks
            if len(written) >= MARKED_SHARE * (len(written) + len(plain)):
                # a text written with its diacritics: a word without any is that word ("gia"
                # in "gia công" is not "giá")
                for word in plain:
                    forms[word].add(())
            else:
                bare |= plain
        if forms:
            self._forms[position] = ({k: frozenset(v) for k, v in forms.items()}, frozenset(bare))

    def _misread(self, position: int, asked: dict[str, frozenset], shared: set[str]) -> set[str]:
        """Shared words the entry writes with other diacritics than the question ("vắng" for
        "vàng", "còn" for "con"): folding made them alike, they are different words."""
        forms, bare = self._forms_of(position)
        return {
            word for word in shared
            if word in asked and word not in bare and forms.get(word)
            and not forms[word] & asked[word]
        }

    def _contrast_table(self, kb: KnowledgeBase) -> dict[tuple[str, ...], tuple[str, str]]:
        """Folded, expanded phrase -> (group, kind) for every contrast the synonyms name; and
        (``_contrast_marks``) how each phrase written as its own words writes them."""
        table: dict[tuple[str, ...], tuple[str, str]] = {}
        self._contrast_marks: dict[tuple[str, ...], set[tuple[tuple[str, ...], ...]]] = defaultdict(set)
        for group, kinds in kb.synonyms.contrasts.items():
            for kind, phrases in kinds.items():
                for phrase in phrases:
                    words = tuple(self.analyse(phrase).content)
                    if words and len(words) == len(expand(fold(phrase).split(), self.vocab)):
                        table[words] = (group, kind)
                        if words == tuple(fold(phrase).split()) and not phrase.isascii():
                            self._contrast_marks[words].add(tuple(marks_of(w) for w in phrase.split()))
                    # else a word of it reads as a filler ("thi" as "thì" in "dự thi", "bác" in
                    # "bác sĩ"): what is left would name the kind in unrelated texts
        return table

    def _kinds_in(
        self, texts: list[tuple[str, ...]],
        written: tuple[dict[str, frozenset], frozenset[str]] | None = None,
    ) -> dict[str, frozenset[str]]:
        """Which kinds of each contrast group some texts name. ``written``: how the texts write
        their words (folded word -> diacritics, and words written bare); a phrase whose words
        they write otherwise is other words folded alike ("hoạt động của" is not "đóng cửa",
        "nhà thuê" is not "thuế")."""
        found: dict[str, set[str]] = defaultdict(set)
        if not self._contrasts:
            return {}
        longest = max(len(k) for k in self._contrasts)
        first = self._contrast_first
        for words in texts:
            for i in range(len(words)):
                if words[i] not in first:
                    continue
                for size in range(1, min(longest, len(words) - i) + 1):
                    key = words[i : i + size]
                    hit = self._contrasts.get(key)
                    if hit is not None and not (written and self._written_otherwise(key, written)):
                        found[hit[0]].add(hit[1])
        return {group: frozenset(kinds) for group, kinds in found.items()}

    def _written_otherwise(
        self, key: tuple[str, ...], written: tuple[dict[str, frozenset], frozenset[str]]
    ) -> bool:
        """Whether a text writes some word of a contrast phrase only with other diacritics."""
        spellings = self._contrast_marks.get(key)
        if not spellings:
            return False
        forms, bare = written
        return all(
            any(
                word in forms and word not in bare and () not in forms[word] and marks not in forms[word]
                for word, marks in zip(key, spelling, strict=True)
            )
            for spelling in spellings
        )

    def _entry_kinds(self, position: int) -> dict[str, frozenset[str]]:
        kinds = self._kinds.get(position)
        if kinds is None:
            texts = [tuple(t.split()) for t in self._texts[position]]
            kinds = self._kinds_in(texts, self._forms_of(position)) or _NO_KINDS
            if (
                kinds.get("lifecycle") == REPLACED and position not in self._usage
                and "lifecycle" not in self._kinds_in(texts[:1], self._forms_of(position))
            ):
                # a curated procedure covers its re-issue ("cấp lại" in an alias): it is still
                # what opening a business asks for ("mở xe bán bánh mì có cần giấy ATTP")
                kinds = {g: k for g, k in kinds.items() if g != "lifecycle"} or _NO_KINDS
            self._kinds[position] = kinds  # most entries name none: one shared empty map
        return kinds

    def _anchors_of(self, position: int) -> tuple[str, ...]:
        """The terms that say what an entry is about ("khai_sinh", "cccd"), not what it shares."""
        found = self._anchors.get(position)
        if found is not None:
            return found
        texts = self._texts[position]
        counts: dict[str, int] = defaultdict(int)
        for text in texts:
            for term in set(terms_of(text.split())):
                counts[term] += 1
        title = set(terms_of(texts[0].split())) if texts else set()
        least = ANCHOR_SHARE * len(texts)
        anchors = set()
        for term, count in counts.items():
            if count < least and term not in title or term in self.vocab.light:
                continue
            limit = self._anchor_pairs if "_" in term else self._anchor_words
            if term in title and position not in self._usage:
                # a curated entry's own name ("căn cước") is its topic, however many official
                # records (most of them covered by it) share the word
                limit = max(limit, self._crowded)
            if self._frequency(term) <= limit and not term.isdigit():
                anchors.add(term)
        self._anchors[position] = found = tuple(sorted(anchors))
        return found

    def _reindex_entry(self, position: int, old_terms: set[str]) -> None:
        """Update the postings of one entry whose terms changed, without rebuilding the index."""
        new_terms = self._terms(position)
        for term in new_terms - old_terms:
            postings = self._postings.get(term)
            if postings is None:
                self._postings[term] = position
            elif isinstance(postings, int | np.integer):
                self._postings[term] = np.array([postings, position], dtype=np.int32)
            else:
                self._postings[term] = np.append(postings, np.int32(position))
        for term in old_terms - new_terms:
            postings = self._postings.get(term)
            if isinstance(postings, int | np.integer):
                if postings == position:
                    del self._postings[term]
            elif postings is not None:
                kept = postings[postings != position]
                self._postings[term] = int(kept[0]) if len(kept) == 1 else kept
        self._text_index.pop(position, None)
        for term in new_terms ^ old_terms:
            self._weights.pop(term, None)
        self._anchors.clear()  # frequencies changed
        self._kinds.pop(position, None)

    def _learn(self, entry_id: str, text: str) -> bool | None:
        """Record a learned alias (the caller updates the index); None if it cannot be used."""
        if entry_id not in self._position:
            return None
        analysis = self.analyse(text)
        if not analysis.content:
            return None
        key = analysis.content_text
        previous = self._learned_key.get(text)
        if previous is not None:
            self._learned_by_key[previous].pop(text, None)
        self._learned_raw[text] = entry_id
        self._learned_key[text] = key
        self._learned_by_key[key][text] = entry_id
        self._learned[key] = entry_id
        self._exact_before.setdefault(key, self._exact.get(key))
        self._exact[key] = entry_id
        texts = self._texts[self._position[entry_id]]
        if key not in texts:
            texts.append(key)
            self._learned_added.add((entry_id, key))
        return True

    def add_alias(self, entry_id: str, text: str) -> bool:
        """Teach the matcher a new way to ask for an entry; takes effect at once."""
        return self.add_aliases([(entry_id, text)]) == 1

    def add_aliases(self, pairs: list[tuple[str, str]] | dict[str, str]) -> int:
        """Teach many learned aliases (entry id, text) at once: each entry is re-indexed once, and
        the whole index is rebuilt once when many entries change. Returns how many were taken."""
        if isinstance(pairs, dict):
            pairs = [(entry_id, text) for text, entry_id in pairs.items()]
        old_terms: dict[int, set[str]] = {}
        taken = 0
        for entry_id, text in pairs:
            position = self._position.get(entry_id)
            if position is None:
                continue
            if position not in old_terms:
                old_terms[position] = self._terms(position)
            if self._learn(entry_id, text) is not None:
                taken += 1
        if len(old_terms) > REBUILD_AFTER:
            self._build_index()
        else:
            for position, terms in old_terms.items():
                self._reindex_entry(position, terms)
        return taken

    def remove_alias(self, entry_id: str, text: str) -> None:
        """Forget a learned alias (an undone review action); what the text meant before returns."""
        if self._learned_raw.get(text) != entry_id:
            return
        del self._learned_raw[text]
        key = self._learned_key.pop(text, None) or self.analyse(text).content_text
        same = self._learned_by_key.get(key, {})
        same.pop(text, None)
        still = set(same.values())  # other learned texts that read the same
        if not same:
            self._learned_by_key.pop(key, None)
        if entry_id in still:
            return  # another learned text of this entry says the same
        position = self._position[entry_id]
        old_terms = self._terms(position)
        if (entry_id, key) in self._learned_added:
            self._learned_added.discard((entry_id, key))
            self._texts[position].remove(key)
        if still:
            self._learned[key] = self._exact[key] = next(iter(still))
        else:
            self._learned.pop(key, None)
            before = self._exact_before.pop(key, None)
            if before is None:
                self._exact.pop(key, None)
            else:
                self._exact[key] = before
        self._reindex_entry(position, old_terms)

    # -- matching ---------------------------------------------------------------------------

    def _correct(self, word: str) -> str:
        """A word the base never uses, replaced by a known word it is a typo of (if any)."""
        if word in self._syllables or word.isdigit():
            return word
        telex = untelex(word)
        if telex != word and telex in self._syllables:
            return telex
        if len(word) < TYPO_LETTERS or is_syllable(word):  # "luôn" typed plainly is not "lương"
            return word
        fixed = self._corrections.get(word)
        if fixed is None:
            # a typo drops or swaps letters: the word meant is not shorter than the word typed
            # (and starts with the same letter, which keeps the search small)
            candidates = [
                known
                for size in (len(word), len(word) + 1, len(word) + 2)
                for known in self._syllable_buckets.get((word[0], size), ())
            ]
            found = process.extract(word, candidates, scorer=fuzz.ratio, score_cutoff=80, limit=8)
            if found:
                # among words as close, the one the base uses most ("kai": "khai", not "kali")
                best = found[0][1]
                fixed = max(
                    (known for known, score, _ in found if score == best),
                    key=lambda known: self._frequency(known) if known in self._postings else 0,
                )
            else:
                fixed = word
            if len(self._corrections) < 50_000:
                self._corrections[word] = fixed
        return fixed

    def analyse(self, text: str) -> Analysis:
        """Normalise a text the way the index was built."""
        return analyse(text, self.vocab, self._correct)

    def _weighted_terms(self, analysis: Analysis) -> list[tuple[str, float, float]]:
        """Query terms (words, then word pairs) as (term, weight, 1 if the base knows it else 0)."""
        words = analysis.content
        terms = [*words, *(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))]
        weighted: list[tuple[str, float, float]] = []
        for term in dict.fromkeys(terms):
            if term in self._postings:
                weighted.append((term, self._term_weight(term), 1.0))
            else:
                # a word the base never uses still counts against coverage
                weighted.append((term, self._unknown_idf * self._scale(term), 0.0))
        return weighted

    def match(self, text: str, limit: int = 3, context: Context | None = None) -> MatchResult:
        """Match a question against the base; ``context`` is the chat's previous answer, if any."""
        analysis = self.analyse(text)
        field_name = asked_field(analysis.fields)
        normalized = analysis.content_text
        topic = self._topic(analysis)
        long = len(analysis.content) > LONG_WORDS
        if analysis.small and not topic and len(analysis.content) <= 1 and not analysis.fields:
            # ("vâng, thế lệ phí bao nhiêu" asks a part of the last answer)
            return self._smalltalk(analysis, text)
        prior = self._entry(context.entry_id) if context else None
        asks_part = field_name is not None or analysis.followup
        # the question without its ways to submit ("trực tuyến", "VNeID"): what else it names
        plain = without_words(analysis, self.vocab.channel_words)
        if prior is not None and asks_part and not topic:
            # "còn lệ phí thì sao?", "mất bao lâu?": that part of the entry just answered
            return self._followup(text, normalized, prior, field_name or context.field)
        if (
            prior is not None and topic and prior.id not in self._channel_entries
            and not self._topic(plain)
        ):
            # "nộp online trên VNeID được không": how the entry just answered can be submitted
            return self._followup(text, normalized, prior, "channels")
        if prior is None and not topic and "channels" in analysis.fields:
            # "nhận kết quả qua bưu điện được không": a way to submit asked about on its own
            named = self._channels_asked(analysis)
            if named is not None:
                result = self._match(named, text, None, limit)
                if result.answered and result.entry.id in self._channel_entries:
                    return result
        if not analysis.content or not topic and field_name and self._exact_owner(normalized) is None:
            return MatchResult(
                Outcome.not_found, text, normalized, field=field_name,
                reason=NO_TOPIC if field_name else None,
            )
        if (
            prior is not None and asks_part
            and topic <= self._terms(self._position[prior.id])
            and self._exact.get(normalized) in (None, prior.id)
            and not self._names_another_title(normalized, prior.id)
        ):
            # other words the last entry holds: "cho trẻ em thì sao?" after "căn cước"
            return self._followup(text, normalized, prior, field_name or context.field)
        result = self._match(analysis, text, field_name, limit)
        story = long  # the message is read as a story (its question alone reads as a question)
        if long and result.outcome in (Outcome.suggest, Outcome.not_found):
            asked = self._asked_last(text, field_name, limit, result)
            story = asked is result
            result = asked
        if plain is not analysis:
            result = self._named_beside_channel(analysis, plain, text, field_name, limit, result)
        if (
            result.outcome is Outcome.answer and isinstance(result.entry, Procedure)
            and result.field in (None, "requirements") and result.entry.id not in self._channel_entries
            and plain is not analysis
        ):
            # "hộ chiếu nộp trên dịch vụ công được không": how it can be submitted
            result = replace(result, field="channels")
        if (
            prior is not None and result.outcome is Outcome.suggest and not long
            and (asks_part or plain is not analysis)
            and result.suggestions and result.suggestions[0].entry_id == prior.id
        ):
            # "làm online hết được hông, xe lắp ráp trong nước": what it would be offered first is
            # the entry just answered, so it is about that entry
            asked = field_name if plain is analysis else "channels"
            return self._followup(text, normalized, prior, asked or context.field)
        if (
            prior is not None and topic and result.score < self.thresholds.body_followup
            and len(analysis.content) <= BODY_WORDS
            and (asks_part or _YES_NO.search(analysis.folded))
        ):
            # "có cần khám sức khỏe không" after a driving licence: what the last answer holds
            held = self._field_holding(prior, {w for w in topic if not w.isdigit()} or topic, field_name)
            if held is not None:
                return self._followup(text, normalized, prior, held)
        if (
            result.outcome is Outcome.answer and result.score < 100.0
            and isinstance(result.entry, Fact) and self._facts[self._position[result.entry.id]].places
            and not (analysis.localities or analysis.years or analysis.indices)
        ):
            # a reform figure of one place and time, asked with neither: a general question
            result = replace(result, outcome=Outcome.suggest, entry=None)
        if result.outcome in (Outcome.answer, Outcome.clarify) and result.score < 100.0:
            rule = _RULE_QUESTION.search(analysis.folded) and not any(
                isinstance(self.kb.entries[i], Fact) for i in _offered(result)
            )
            loose = story and result.score < self.thresholds.long_national and all(
                self._position[i] in self._usage for i in _offered(result)
            )
            if rule or loose:
                result = replace(result, outcome=Outcome.suggest, entry=None)
            if loose and not rule:
                # an official record a story fits loosely is offered; its closing question may
                # still name a procedure on its own ("… gplx bị rách nát đổi ở đâu")
                result = self._asked_last(text, field_name, limit, result)
        about_bot = set(analysis.small) & ABOUT_BOT
        if analysis.small and (
            len(topic) <= SMALLTALK_WORDS and result.outcome in (Outcome.suggest, Outcome.not_found)
            # "bạn là người thật hay chỉ là máy trả lời tự động": about the bot, when nothing fits
            or about_bot and len(topic) <= ABOUT_BOT_WORDS and result.outcome is Outcome.not_found
            # "trả lời như cc", "bạn là người thật hay máy": about the bot, whatever else matches loosely
            or about_bot and len(topic) <= 2 and result.score < LOOSE
            # "bot này trả lời chán thật sự": a rude remark is not a question unless one fits well
            or "rude" in about_bot and len(topic) <= SMALLTALK_WORDS and result.score < RUDE_LOOSE
        ):
            # "hay quá, cảm ơn bạn đã giúp": small talk with a few words around it
            return self._smalltalk(analysis, text)
        if prior is not None and analysis.followup and field_name is None and result.answered:
            # "còn hộ chiếu thì sao?": the same question about another entry
            field_name = context.field if isinstance(result.entry, Procedure) else None
            return replace(result, field=field_name)
        return replace(result, long=long) if long else result

    def _asked_last(self, text: str, field_name: str | None, limit: int, result: MatchResult) -> MatchResult:
        """A story that fits nothing well as a whole, whose closing question names its procedure
        on its own ("… Cho cháu lớp 8 chuyển sang trường gần nhà mới có được không?"): that."""
        asking = _asking_sentence(text)
        if asking is None:
            return result
        main = _main_question(asking)
        last = self.analyse(main)
        if len(last.content) > LONG_WORDS:
            return result
        # read as written in that sentence: the story's "hỏi lại" is not the "lái" it asks about
        asked = self._match(last, main, asked_field(last.fields) or field_name, limit)
        return replace(asked, query=text) if asked.outcome is Outcome.answer else result

    def _channels_asked(self, analysis: Analysis) -> Analysis | None:
        """A question whose ways to submit were read as the part it asks ("qua bưu điện được
        không"), with those ways as its topic words; None when it names none."""
        tokens, found = analysis.tokens, []
        for phrase in self.vocab.channel_words:
            size = len(phrase)
            if any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1)):
                found.extend(phrase)
        if not found:
            return None
        return replace(analysis, content=(*analysis.content, *found), fields=())

    def _named_beside_channel(
        self, analysis: Analysis, plain: Analysis, text: str, field_name: str | None, limit: int,
        result: MatchResult,
    ) -> MatchResult:
        """"hộ chiếu nộp trên dịch vụ công được không": an entry met only on the way to submit
        ("dịch vụ công", "trực tuyến") gives way to the procedure the question names, whose
        channels it asks about."""
        if result.score >= 100.0 or result.outcome not in (Outcome.answer, Outcome.suggest, Outcome.clarify):
            return result
        if not self._topic(plain):
            return result
        met = result.entry.id if result.entry is not None else result.suggestions[0].entry_id
        shared = self._topic(analysis) & self._terms(self._position[met])
        if any(w not in self._channel_terms and self._frequency(w) <= self._crowded for w in shared):
            return result  # it shares the question's own words too
        named = self._match(plain, text, field_name or "channels", limit)
        if named.outcome in (Outcome.answer, Outcome.clarify):
            return named
        return result

    @staticmethod
    def _smalltalk(analysis: Analysis, text: str) -> MatchResult:
        kind = min(analysis.small, key=SMALLTALK_ORDER.index)
        return MatchResult(Outcome.smalltalk, text, analysis.content_text, smalltalk=kind)

    def _followup(self, text: str, normalized: str, entry: Entry, field_name: str | None) -> MatchResult:
        return MatchResult(
            Outcome.answer, text, normalized, entry, _field_for(entry, field_name), 100.0,
            followup=True,
        )

    def _field_holding(self, entry: Entry, words: set[str], asked: str | None) -> str | None:
        """The field of an answered procedure whose text holds every one of some words (the
        asked field first): a short question about it is about that field."""
        if not isinstance(entry, Procedure):
            return None
        held: dict[str, set[str]] = {}
        for name in BODY_FIELDS:
            value = getattr(entry, name, None)
            if value:
                # the words as read, and as written: "biển số" reads as the registration it
                # names, and "bao lâu thì có biển" asks about the plate
                written = " ".join(_strings(value))
                held[name] = set(self.analyse(written).content) | set(fold(written).split())
        if asked:  # "bao lâu thì nhận được tiền": the asked part, once the words are the entry's
            known = set().union(*held.values(), self._terms(self._position[entry.id]))
            return asked if words <= known else None
        whole = next((name for name, found in held.items() if words <= found), None)
        if whole is not None or not held or not words <= set().union(*held.values()):
            return whole
        # "chủ trọ không chịu đưa sổ đỏ thì sao": its words are spread over the answer's
        # parts; the part holding most of them
        return max(held, key=lambda name: len(words & held[name]))

    def _entry(self, entry_id: str) -> Entry | None:
        return self.kb.entries[entry_id] if entry_id in self._position else None

    def _topic(self, analysis: Analysis) -> set[str]:
        """The words that say what a question is about: known to the base, not everyday words."""
        light = self.vocab.light
        return {w for w in analysis.content if w in self._postings and w not in light}

    def _match(
        self, analysis: Analysis, text: str, field_name: str | None, limit: int
    ) -> MatchResult:
        normalized = analysis.content_text
        exact = self._exact_owner(normalized)
        if exact is not None:
            entry = self.kb.entries[exact]
            return MatchResult(
                Outcome.answer, text, normalized, entry, _field_for(entry, field_name), 100.0
            )
        focus_terms = self._focus(text) if len(analysis.content) > LONG_WORDS else set()
        for quoted in _QUOTED.findall(text):
            # "thủ tục “Đề nghị áp dụng APA chính thức”": the name of what is asked about
            if len(quoted.split()) >= QUOTED_WORDS:
                named = self.analyse(quoted)  # a place in a name ("Hồ Chí Minh") is not its topic
                words = [w for w in named.content if w not in named.localities]
                focus_terms |= set(terms_of(words))
        ranked = self._rank(analysis, focus=focus_terms or None, written=written_forms(text)[0])
        suggestions = tuple(
            Suggestion(r.entry_id, self._titles[self._position[r.entry_id]], round(r.score, 1))
            for r in ranked[:limit]
        )
        if not ranked:
            return self._nothing(analysis, text, field_name)
        best_id, best = ranked[0].entry_id, ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        t = self.thresholds
        if best >= t.answer:
            picked, options = self._pick_variant(text, ranked)
            if picked is not None:
                entry = self.kb.entries[picked]
                return MatchResult(
                    Outcome.answer, text, normalized, entry, _field_for(entry, field_name),
                    round(best, 1), suggestions,
                )
            if options:
                offered = tuple(
                    Suggestion(i, self._titles[self._position[i]], round(best, 1)) for i in options
                )
                return MatchResult(
                    Outcome.clarify, text, normalized, None, field_name, round(best, 1), offered
                )
        if best >= t.answer and self._ambiguous(analysis, ranked):
            fitting = tuple(s for s in suggestions if s.score >= t.answer)
            return MatchResult(
                Outcome.clarify, text, normalized, None, field_name, round(best, 1), fitting
            )
        tied = self._tied(ranked)
        if best >= t.answer and len(tied) > 1:
            offered = tuple(s for s in suggestions if s.entry_id in tied)
            return MatchResult(
                Outcome.clarify, text, normalized, None, field_name, round(best, 1), offered
            )
        if self._position[best_id] not in self._facts and not (analysis.years or analysis.indices):
            # a reform figure found by the place a procedure question names ("xóa tạm trú ở Sài
            # Gòn") is no rival: it is never what a question without a year or an index asks
            second = next(
                (r.score for r in ranked[1:] if self._position[r.entry_id] not in self._facts), 0.0
            )
        # whether the question holds one of the best entry's texts whole (looked for at most once)
        holds_name = cache(lambda: self._named_in(self._position[best_id], f" {normalized} ")[0])
        # a curated entry far ahead of the national records around it: its words weigh less
        # among thousands of official titles than among the curated entries alone
        clear = (
            best >= t.clear_floor and best - second >= t.clear_margin
            and self._position[best_id] not in self._usage
            and len(ranked) > 1 and self._position[ranked[1].entry_id] in self._usage
        ) or (
            len(analysis.content) <= LONG_WORDS and (second < t.suggest or best - second >= ALONE_GAP)
            and len(self._ids) >= ALONE_AMONG
            and self._position[best_id] not in self._facts  # a figure must fit exactly
            and self._shared_words(analysis, best_id) >= ALONE_WORDS
            and (
                best >= t.alone
                # … or lower when no other entry comes near it
                or best >= t.alone_far and best - second >= ALONE_FAR_GAP
                and ranked[0].recall >= ALONE_FAR_RECALL
                # … or a little lower for a curated entry (written for how people ask), or when
                # the question holds one of its texts whole
                or best >= t.alone_named and (self._position[best_id] not in self._usage or holds_name())
            )
        ) or (
            # a curated entry one of whose names the question holds whole, far ahead of every
            # other: the words around the name are the asker's ("à tiệm có bán thêm bánh mì buổi
            # sáng thì có cần giấy an toàn thực phẩm ko" fits the food-safety entry at 27)
            self._position[best_id] not in self._usage
            and best >= t.named_floor and best - second >= t.clear_margin and holds_name()
        ) or (
            # the question holds a record's name whole, and the records beside it only add words
            # it did not say (a foreign element, another level): the plain one is meant
            best >= t.alone_far and self._only_longer_rivals(ranked) and holds_name()
        ) or (
            # a story dilutes every score: in a long message a curated entry far ahead of
            # every other candidate is what it asks about
            len(analysis.content) > LONG_WORDS and best >= t.long_floor and best - second >= t.long_margin
            and self._position[best_id] not in self._usage
        )
        if clear or best >= t.answer and (
            best - second >= t.margin or best >= t.sure or self._only_longer_rivals(ranked)
        ):
            entry = self.kb.entries[best_id]
            return MatchResult(
                Outcome.answer, text, normalized, entry, _field_for(entry, field_name),
                round(best, 1), suggestions,
            )
        if best >= t.suggest:
            return MatchResult(
                Outcome.suggest, text, normalized, None, field_name, round(best, 1),
                tuple(s for s in suggestions if s.score >= t.suggest),
            )
        nothing = self._nothing(analysis, text, field_name)
        if nothing.reason:
            return nothing
        return MatchResult(
            Outcome.not_found, text, normalized, None, field_name, round(best, 1),
            tuple(s for s in suggestions if s.score >= t.related),
        )

    def _shared_words(self, analysis: Analysis, entry_id: str) -> int:
        """How many of the question's topic words an entry's texts hold."""
        held = {word for text in self._texts[self._position[entry_id]] for word in text.split()}
        return len(held.intersection(analysis.content))

    def _exact_owner(self, key: str) -> str | None:
        """The entry a text names exactly (a curated entry for the records it covers), or None
        when it names none or several that no curated entry covers together."""
        found = self._exact.get(key)
        if found is None:
            return None
        if key in self._learned:  # taught by an admin: that entry, whatever else reads alike
            return found
        owners = {
            self._ids[self._covered_by.get(self._position[i], self._position[i])]
            for i in self._exact_tied.get(key, {found})
        }
        return owners.pop() if len(owners) == 1 else None

    def _nothing(self, analysis: Analysis, text: str, field_name: str | None) -> MatchResult:
        """Not found; for a reform question on a place or index the base holds, what it holds."""
        available: list[Entry] = []
        # a story names where things happened; only one naming an index asks for a figure
        story = len(analysis.content) > LONG_WORDS and not analysis.indices
        asks_figure = analysis.localities and analysis.indices or analysis.years
        if (analysis.localities or analysis.indices) and asks_figure and not story:
            # the facts naming one of its places and one of its indices (each that it names):
            # the smaller sets are met first, so a place of thousands of figures costs little
            wanted = [
                self._facts_naming.get(next(iter(named)), set()) if len(named) == 1
                else set().union(*(self._facts_naming.get(key, ()) for key in named))
                for named in (analysis.localities, analysis.indices) if named
            ]
            found = set.intersection(*wanted) if len(wanted) > 1 else wanted[0]
            available = [
                self.kb.entries[self._ids[position]]
                for position in heapq.nsmallest(AVAILABLE_SHOWN, found)
            ]
        return MatchResult(
            Outcome.not_found, text, analysis.content_text, None, field_name,
            reason=NO_FACT if available else None, available=tuple(available),
        )

    def _focus(self, text: str) -> set[str]:
        """The terms of a long message that say what it asks: its last sentence (people ask at
        the end of their story) and what it says it wants ("… giờ em muốn làm giấy khai sinh
        cho con, …")."""
        asking = _asking_sentence(text)
        parts = [_main_question(asking)] if asking is not None else []
        for clause in _CLAUSE.split(text):
            found = _WANTS.search(clause)
            if found is not None:
                parts.append(clause[found.end():])
        return {term for part in parts for term in terms_of(list(self.analyse(part).content))}

    def _rank(
        self, analysis: Analysis, pool: int = POOL, focus: set[str] | None = None,
        written: dict[str, frozenset] | None = None,
    ) -> list[Ranked]:
        terms = self._weighted_terms(analysis)
        if focus:
            terms = [(t, w * FOCUS if t in focus else w, k) for t, w, k in terms]
        query_weight = sum(w for _, w, _ in terms) or 1.0
        matched = {t: w * s for t, w, s in terms if s > 0}
        # candidates come from the terms that tell entries apart; a term in a great many entries
        # ("đăng ký", "giấy") only adds work here, and still counts in the scores below
        telling = {t: v for t, v in matched.items() if self._frequency(t) <= self._crowded} or matched
        placed = self._place_terms(analysis) if analysis.fields else frozenset()
        if placed and any(t not in placed for t in telling):
            # a place the asker names ("làm căn cước ở Bình Dương cần gì") picks no candidates:
            # the thương binh records of "binh" would crowd out the one it asks about
            telling = {t: v for t, v in telling.items() if t not in placed}
        scores = np.zeros(len(self._ids), dtype=np.float32)
        for term, value in telling.items():
            # a word pair found says more about a candidate than its two words found apart
            scores[self._postings[term]] += value * (PAIR_PICK if "_" in term else 1.0)
        hit = np.flatnonzero(scores)
        if hit.size == 0:
            return []
        if hit.size > pool:
            top = hit[np.argpartition(scores[hit], -pool)[-pool:]]
            # the few entries of a rare word stay candidates, however many entries share the
            # question's commoner words ("hộ chiếu" among dozens of records "lần đầu")
            rare = [
                np.atleast_1d(self._postings[t]) for t in telling
                if self._frequency(t) <= (RARE_PAIR if "_" in t else RARE)
            ]
            if len(analysis.content) > LONG_WORDS:
                # a story's many words fill the pool with records sharing them; the curated
                # entries it shares a word with stay candidates ("… chưa được cấp sổ đỏ …")
                kept = np.intersect1d(hit, self._curated_positions(), assume_unique=True)
            else:
                # the pool's last place is shared by entries tied on it: which are kept is
                # arbitrary, so the curated ones among them are ("căn cước" beside 35 records)
                tied = hit[scores[hit] == scores[top].min()]
                kept = np.intersect1d(tied, self._curated_positions(), assume_unique=True)
            if kept.size > CURATED_KEPT:  # a base of thousands of hand-written entries: the best
                kept = kept[np.argpartition(scores[kept], -CURATED_KEPT)[-CURATED_KEPT:]]
            rare.append(kept)
            hit = np.unique(np.concatenate([top, *rare])) if rare else top
        raw_text = analysis.content_text
        padded = f" {raw_text} "
        # in a long message the story around the question weighs little against what matches
        story = STORY if len(analysis.content) > LONG_WORDS else 1.0
        light = self.vocab.light
        told = sum(
            w for t, w, known in terms
            if not known or all(part in light or part.isdigit() for part in t.split("_"))
        )
        # story words (everyday, unknown to the base) weigh least; other unshared words less
        other = OTHER if story < 1 else 1.0

        # where the asker lives ("làm hộ chiếu ở Sài Gòn … nộp ở đâu") is not what a procedure
        # asked about is about: only a reform figure of a place is weighed down for lacking it
        place_weight = {t: w for t, w, _ in terms if t in placed}

        def share(shared: float, ignore: float = 0.0) -> float:
            rest = max(query_weight - told - shared - ignore, 0.0)
            return shared / (shared + other * rest + story * told) if shared else 0.0

        ranked: list[Ranked] = []
        asked = set(matched)
        says_change = not CHANGE_WORDS.isdisjoint(analysis.content) or any(
            phrase in padded for phrase in CHANGE_PHRASES
        )
        # a story names many things; only a question's own kinds rule entries out
        kinds = self._kinds_in([analysis.content], (written or {}, frozenset())) if story == 1.0 else {}
        for position in hit.tolist():
            if not self._compatible(position, analysis, kinds, story=story < 1):
                continue
            # a long message shares words with many entries, and an official title shares its
            # generic words ("đăng ký", "trực tuyến") with many questions: only its topic counts
            anchors = (
                self._anchors_of(position)
                if position not in self._facts and (story < 1 or position in self._usage) else ()
            )
            if anchors and not any(a in asked for a in anchors) and not self._named_in(position, padded)[0]:
                continue  # only generic words shared ("giấy phép", "thẻ", "lần đầu")
            weights, where, tails = self._texts_of(position)
            ignore = (
                sum(w for t, w in place_weight.items() if t not in where)
                if place_weight and position not in self._facts else 0.0
            )
            coverage = share(sum(v for t, v in matched.items() if t in where), ignore)
            common = [0.0] * len(weights)
            headed = [False] * len(weights)
            for term, value in matched.items():
                for index in where.get(term, ()):
                    common[index] += value
                    headed[index] = headed[index] or term not in tails[index]
            best_f = best_precision = best_recall = 0.0
            for shared, weight, head in zip(common, weights, headed, strict=True):
                # a text met only in its subordinate part is not what the question names
                if shared > 0 and head:
                    precision = share(shared, ignore)
                    recall = shared / weight
                    f1 = 2 * precision * recall / (precision + recall)
                    if f1 > best_f:
                        best_f, best_precision, best_recall = f1, precision, recall
            closeness = process.extractOne(raw_text, self._texts[position], scorer=fuzz.ratio)[1]
            score = 100 * (W_ALIAS * best_f + W_COVERAGE * coverage) + W_FUZZY * closeness
            if story < 1:
                named, asked_there = self._named_in(position, padded, focus)
                if named:  # the story names this entry outright ("… đăng ký hộ kinh doanh …")
                    score += NAMED + (NAMED_ASKED if asked_there else 0.0)  # … where it asks
            if written:
                misread = self._misread(position, written, {t for t in matched if t in where})
                if misread:
                    score *= 1 - sum(matched[t] for t in misread) / query_weight
            if position in self._usage:
                # a record written for the portal, not for how people ask, yields to a curated
                # entry that fits as well; between records, the more used one comes first
                score += USAGE_PRIOR * math.log1p(self._usage[position]) / self._usage_scale
                score -= NATIONAL_PRIOR
                if not says_change and self._changes(position):
                    # a record that changes what is registered, for a question that names no
                    # change ("xin trợ giúp pháp lý" is not "thay đổi người thực hiện …")
                    score -= CHANGE_UNSAID
            overlap = (round(best_precision, 6), round(coverage, 6))
            owner = self._covered_by.get(position, position)
            ranked.append(Ranked(self._ids[owner], score, overlap, best_recall))
        ranked.sort(key=lambda item: (-item.score, self._position[item.entry_id]))
        seen: set[str] = set()
        unique = []
        for item in ranked:  # a curated entry keeps the best of its own and its records' scores
            if item.entry_id not in seen:
                seen.add(item.entry_id)
                unique.append(item)
        return unique

    def _changes(self, position: int) -> bool:
        """Whether an official record's title is a change to what is registered."""
        texts = self._texts[position]
        return bool(texts) and texts[0].startswith(CHANGE_TITLES)

    def _names_another_title(self, normalized: str, entry_id: str) -> bool:
        """The question holds the whole title of a curated procedure other than this one, and not
        this one's ("thế còn nhập hộ khẩu cho cháu" after a birth registration: "đăng ký thường
        trú", although the birth entry mentions it)."""
        owners, longest = self._curated_titles()
        if not owners:
            return False
        words = normalized.split()
        titled = set().union(*(
            owners.get(" ".join(words[i:j]), ())
            for i in range(len(words)) for j in range(i + 2, min(i + longest, len(words)) + 1)
        ))
        return bool(titled) and entry_id not in titled

    def _curated_titles(self) -> tuple[dict[str, frozenset[str]], int]:
        """The titles of two words or more of the curated procedures -> their entries, and the
        most words one has (built once: a base of thousands of hand-written entries is not
        walked for every follow-up)."""
        found = getattr(self, "_titles_of_curated", None)
        if found is None:
            owners: dict[str, set[str]] = defaultdict(set)
            for p in self._curated_positions():
                if self._texts[p] and len(self._texts[p][0].split()) >= 2:
                    owners[self._texts[p][0]].add(self._ids[p])
            longest = max((len(t.split()) for t in owners), default=0)
            found = self._titles_of_curated = ({t: frozenset(ids) for t, ids in owners.items()}, longest)
        return found

    def _curated_positions(self) -> np.ndarray:
        """The positions of the curated procedures (neither official records nor reform facts)."""
        found = getattr(self, "_curated", None)
        if found is None:
            found = np.array(
                [p for p in range(len(self._ids)) if p not in self._usage and p not in self._facts],
                dtype=np.int64,
            )
            self._curated = found
        return found

    def _place_terms(self, analysis: Analysis) -> frozenset[str]:
        """The terms of a question that name a place: its words and the pairs they stand in."""
        if not analysis.localities:
            return frozenset()
        words, marks = analysis.content, self.vocab.marks
        at: set[int] = set()
        for i in range(len(words)):
            # the lengths the vocabulary's marks have from this word, longest first
            for size in self.vocab.mark_reach.get(words[i], ()):
                key = tuple(words[i : i + size])
                if size <= len(words) - i and marks.get(key, ("",))[0] == "place":
                    at.update(range(i, i + size))
                    break
        found = {words[i] for i in at}
        pairs = enumerate(zip(words, words[1:], strict=False))
        found.update(f"{a}_{b}" for i, (a, b) in pairs if i in at or i + 1 in at)
        return frozenset(found)

    def _tied(self, ranked: list[Ranked]) -> set[str]:
        """Official records scored within ``tie`` points of the best one, when the best is one:
        the question names what they share and nothing that tells them apart."""
        if len(ranked) < 2 or ranked[0].score >= self.thresholds.sure:
            return set()
        best = ranked[0]
        floor = best.score - self.thresholds.tie
        tied = set()
        for item in ranked[:3]:
            if item.score < floor or self._position[item.entry_id] not in self._usage:
                break
            if item is not best and item.overlap == best.overlap and item.recall < best.recall - TIE_RECALL:
                continue  # the same words, with more of its own: a more specific record
            tied.add(item.entry_id)
        return tied if len(tied) > 1 else set()

    def _named_in(
        self, position: int, padded: str, focus: set[str] | None = None
    ) -> tuple[bool, bool]:
        """Whether one of an entry's texts of two words or more, not all everyday, occurs whole in
        a text, and whether one does in the part that says what is asked (``focus``, when it is
        known, by more than a way to submit). One pass over the entry's texts."""
        light = self.vocab.light
        anchors = self._anchors_of(position)
        named = False
        for text in self._texts[position]:
            words = text.split()
            long_enough = len(words) >= 2 and any(w not in light for w in words) or text in anchors
            if long_enough and f" {text} " in padded:
                if focus and focus.intersection(words) - self._channel_terms:
                    return True, True
                named = True
                if not focus:
                    break
        return named, False

    @staticmethod
    def _only_longer_rivals(ranked: list[Ranked]) -> bool:
        """The runner-up matches the same words of the question, only with more words of its own
        (a more specific variant the asker did not mention): the best is still the answer."""
        if len(ranked) < 2 or ranked[0].score <= ranked[1].score:
            return False
        return ranked[0].overlap == ranked[1].overlap

    def _ambiguous(self, analysis: Analysis, ranked: list[Ranked]) -> bool:
        """A short question that several entries contain in full ("chứng thực", "giấy phép")."""
        if len(ranked) < 2 or ranked[0].score >= self.thresholds.sure:
            return False
        words = {t for t in analysis.content if t in self._postings}
        if not words or len(words) > 2:
            return False
        best, second = (self._terms(self._position[r.entry_id]) for r in ranked[:2])
        close = ranked[1].score >= max(self.thresholds.answer, ranked[0].score - AMBIGUOUS_GAP)
        return words <= best and words <= second and close

    def _scale(self, term: str) -> float:
        """How much of its weight a term keeps: word pairs less, everyday words and numbers less."""
        light = self.vocab.light
        if "_" in term:
            a, b = term.split("_", 1)
            return BIGRAM * (LIGHT if a in light or b in light else 1.0)
        return LIGHT if term in light or term.isdigit() else 1.0

    def _term_weight(self, term: str) -> float:
        """The weight of a known term, the same on the question's side and the entry's (cached)."""
        weight = self._weights.get(term)
        if weight is None:
            weight = self._idf_of(term) * self._scale(term)
            if len(self._weights) < WEIGHTS_KEPT:
                self._weights[term] = weight
        return weight

    def _compatible(
        self, position: int, analysis: Analysis, kinds: dict[str, frozenset[str]] | None = None,
        story: bool = False,
    ) -> bool:
        """A question that names another place, year, index or figure is not about that fact;
        one that names another kind of a thing (``kinds``) is not about that entry."""
        if kinds:
            named = self._entry_kinds(position)
            if any(named.get(group) and not named[group] & asked for group, asked in kinds.items()):
                return False  # "chuyển trường tiểu học" is not the THCS transfer
        keys = self._facts.get(position)
        if keys is None:
            # a place or index with a year asks for a reform figure, not for a procedure (in a
            # story they are when and where it happened: "ly hôn năm 2021 ở tòa Biên Hòa")
            return story or not (analysis.years and (analysis.localities or analysis.indices))
        if analysis.localities and not analysis.localities & keys.places:
            return False
        if analysis.years and not analysis.years & keys.years:
            return False
        if analysis.indices and not analysis.indices & keys.indices:
            return False
        numbers = {t for t in analysis.content if t.isdigit()} - analysis.years
        return numbers <= keys.numbers

    def search(self, text: str, limit: int = 10) -> list[Suggestion]:
        """The best entries for a text, for browsing and inline queries (no thresholds)."""
        analysis = self.analyse(text)
        if not analysis.content:
            return []
        ranked = self._rank(analysis, pool=max(limit, POOL))
        return [
            Suggestion(r.entry_id, self._titles[self._position[r.entry_id]], round(r.score, 1))
            for r in ranked[:limit]
        ]

    def learned_texts(self) -> dict[str, str]:
        """Learned aliases as taught (text -> entry id)."""
        return dict(self._learned_raw)

def _asking_sentence(text: str) -> str | None:
    """The sentence a text of several sentences asks in: the last one closed by a question mark,
    wherever it stands ("Cho tôi hỏi … cần giấy tờ gì? Tôi làm kế toán …"), else its last one
    (people ask at the end of their story); None for a text of one sentence."""
    sentences = [s for s in _SENTENCE.split(text) if len(s.split()) >= 3]
    if len(sentences) < 2:
        return None
    asked = [s for s in _QUESTION.findall(text) if len(s.split()) >= 3]
    return asked[-1] if asked else sentences[-1]


def _main_question(sentence: str) -> str:
    """A question without its side questions ("đổi thì cần những giấy tờ gì, có phải khám sức khỏe
    không": the first part), unless nothing else is left."""
    parts = _SIDE_SPLIT.split(sentence)
    kept = [part for part in parts if not _SIDE.search(fold(part).strip())]
    return ", ".join(kept) if kept and len(kept) < len(parts) else sentence


def asked_field(fields: tuple[str, ...]) -> str | None:
    """The part a question asks for: the first one it names ("ở đâu và mất bao lâu" asks where
    first); "làm thế nào" (the steps) only when it names nothing more precise."""
    precise = [f for f in fields if f != "steps"]
    if "channels" in precise and "requirements" in precise:
        return "channels"  # "gửi kết quả về nhà được không": the way, not whether it may be
    return precise[-1] if precise else (fields[-1] if fields else None)


_NO_FORMS: tuple[dict, frozenset] = ({}, frozenset())
_NO_KINDS: dict[str, frozenset[str]] = {}


def next_context(result: MatchResult, previous: Context | None) -> Context | None:
    """What a chat's context becomes after a result: an answer sets it; an offer or a clarifying
    question sets its first entry (a person who types "cần giấy tờ gì" instead of tapping means
    the one shown first); anything else keeps it."""
    if result.outcome is Outcome.answer and result.entry is not None:
        return Context(result.entry.id, result.field)
    if result.outcome in (Outcome.suggest, Outcome.clarify) and result.suggestions:
        return Context(result.suggestions[0].entry_id, result.field)
    return previous


def _tail_terms(tokens: list[str]) -> frozenset[str]:
    """The terms of a text after a word that opens a subordinate part, when one follows its head."""
    for index in range(1, len(tokens)):
        if tokens[index] in _SUBORDINATE or f"{tokens[index - 1]}_{tokens[index]}" in _SUBORDINATE:
            start = index if tokens[index] in _SUBORDINATE else index - 1
            if start == 0:
                continue
            return frozenset(terms_of(tokens[start:])) | {f"{tokens[start - 1]}_{tokens[start]}"}
    return frozenset()


def _offered(result: MatchResult) -> list[str]:
    """The entry a result answers with, or the variants its clarifying question offers."""
    return [result.entry.id] if result.entry is not None else [s.entry_id for s in result.suggestions]


def codes_of(entry: Entry | None) -> tuple[str, ...]:
    """The national codes an entry answers for: its own, then those it covers."""
    if not isinstance(entry, Procedure):
        return ()
    own = (entry.code,) if entry.code else ()
    return tuple(dict.fromkeys((*own, *entry.codes)))


def _strings(value: object) -> list[str]:
    """The texts a field holds: itself, the items of a list, the values of a document or channel."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    if hasattr(value, "model_dump"):
        return _strings([v for v in value.model_dump(mode="json").values() if v is not None])
    return [str(value)] if isinstance(value, int | float) else []


def _sources(entry: Entry) -> list[tuple[str, bool]]:
    """The texts an entry is found by, each with whether the question may be it exactly."""
    return [(entry.title, True), *((a, True) for a in entry.aliases), *((t, False) for t in _extra_texts(entry))]


def _extra_texts(entry: Entry) -> list[str]:
    """Other texts that name an entry: a fact's place and period help it be found; so does each
    procedure a compound national title joins."""
    if isinstance(entry, Fact):
        parts = [entry.locality or "", entry.period or ""]
        return [" ".join(p for p in parts if p)] if any(parts) else []
    if isinstance(entry, NationalProcedure):
        return _title_parts(entry.title)
    return []


# "(thực hiện tại cấp tỉnh)", "(cấp Bộ)": where a record is handled, which people rarely say
_NOTE = re.compile(r"\([^()]*\)")


def _title_parts(title: str) -> list[str]:
    """Each procedure of an official title that joins several with ";" ("Đăng ký thay đổi địa
    chỉ trụ sở chính…; Thông báo thay đổi ngành nghề…"): the whole title dilutes every one of
    them, so a question naming one part scored far below a title of its own."""
    if ";" not in title:
        return []
    parts = (p.strip(" ,.") for p in _NOTE.sub(" ", title).split(";"))
    return [" ".join(p.split()) for p in parts if len(p.split()) >= 2]


def _known_syllables(kb: KnowledgeBase) -> frozenset[str]:
    """Every folded word the base and its synonyms use: typos are corrected towards these."""
    words: set[str] = set(kb.words)
    if not kb.words:  # a base not from the loader
        for entry in kb.entries.values():
            for text in (entry.title, *entry.aliases):
                words.update(fold(text).split())
    syn = kb.synonyms
    for key, value in (*syn.abbreviations.items(), *syn.phrases.items()):
        words.update(fold(key).split())
        words.update(fold(value).split())
    for group in (syn.all_fillers(), syn.light, *syn.fields.values()):
        for text in group:
            words.update(fold(text).split())
    for name, others in syn.localities.items():
        for text in (name, *others):
            words.update(fold(text).split())
    return frozenset(words)


def _field_for(entry: Entry, field_name: str | None) -> str | None:
    """Only procedures have fields to lead with."""
    return field_name if isinstance(entry, Procedure) else None
