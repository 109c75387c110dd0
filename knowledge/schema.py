"""Typed models of the knowledge base.

Procedure fields follow the record of Vietnam's national database of administrative
procedures (Cơ sở dữ liệu quốc gia về thủ tục hành chính); ``NATIONAL_FIELDS`` maps each
field to the record's Vietnamese heading so that a national export can be imported.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from knowledge.normalize import fold

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# An id travels in every answer's button data, which Telegram caps at 64 bytes; the longest
# prefix the bot puts before it ("s:hs:<10-character ref>:") leaves 48 (bot.callbacks checks this).
MAX_ID_LENGTH = 48

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    """Base model: unknown fields are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Method(StrEnum):
    """How a file can be submitted (hình thức nộp)."""

    direct = "truc_tiep"
    postal = "buu_chinh"
    online = "truc_tuyen"


METHOD_LABELS: dict[Method, str] = {
    Method.direct: "Trực tiếp",
    Method.postal: "Qua bưu chính",
    Method.online: "Trực tuyến",
}


class Channel(Strict):
    """One way of carrying out the procedure (cách thức thực hiện)."""

    method: Method
    processing_time: Text | None = None
    fee: Text | None = None
    note: Text | None = None


class Document(Strict):
    """One item of the file (thành phần hồ sơ)."""

    name: Text
    originals: int = Field(default=0, ge=0)
    copies: int = Field(default=0, ge=0)
    form: Text | None = None
    note: Text | None = None
    # the heading of the part of the file it belongs to, when the record has several
    group: Text | None = None


class LegalDocument(Strict):
    """One legal basis (căn cứ pháp lý)."""

    number: Text
    title: Text
    issued: dt.date | None = None
    note: Text | None = None
    # the fields this document is the basis of, named beside them in answers
    covers: list[Literal["fee", "processing_time"]] = Field(default_factory=list)


class EntryBase(Strict):
    """Fields every entry has."""

    id: str
    title: Text
    aliases: list[Text] = Field(default_factory=list)
    checked: dt.date

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.fullmatch(value):
            raise ValueError("id must be a lowercase slug such as 'khai-sinh'")
        if len(value) > MAX_ID_LENGTH:
            raise ValueError(
                f"id is {len(value)} characters, at most {MAX_ID_LENGTH} fit in a button's data"
            )
        return value


class Procedure(EntryBase):
    """An administrative procedure (thủ tục hành chính)."""

    kind: Literal["procedure"] = "procedure"
    code: Text | None = None
    # National codes (mã thủ tục) of the official records this entry covers, e.g. ["1.001193"].
    codes: list[Text] = Field(default_factory=list)
    domain: Text
    summary: Text
    levels: list[Text] = Field(min_length=1)
    subjects: list[Text] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    documents: list[Document] = Field(min_length=1)
    processing_time: Text
    fee: Text
    agency: Text
    requirements: list[Text] = Field(default_factory=list)
    result: Text
    legal_basis: list[LegalDocument] = Field(min_length=1)
    source_url: Text | None = None
    note: Text | None = None


class NationalProcedure(Procedure):
    """A record imported from the national database: its own fields, nothing written by hand.

    What the importer could not split cleanly is kept verbatim in the ``*_text`` fields.
    """

    code: Text
    decision: Text | None = None  # số quyết định công bố
    procedure_type: Text | None = None  # loại thủ tục
    ministry: Text | None = None
    summary: Text | None = None
    levels: list[Text] = Field(default_factory=list)
    subjects: list[Text] = Field(default_factory=list)
    steps: list[Text] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    channels_text: Text | None = None
    documents: list[Document] = Field(default_factory=list)
    documents_text: Text | None = None
    processing_time: Text | None = None
    fee: Text | None = None
    agency: Text | None = None  # cơ quan thực hiện
    competent_agency: Text | None = None  # cơ quan có thẩm quyền
    authorized_agency: Text | None = None  # cơ quan được ủy quyền
    coordinating_agency: Text | None = None  # cơ quan phối hợp
    receiving_address: Text | None = None  # địa chỉ tiếp nhận hồ sơ
    result: Text | None = None
    legal_basis: list[LegalDocument] = Field(default_factory=list)
    legal_basis_text: Text | None = None
    source_url: Text
    crawled: dt.date
    # the portal's usage weight (larger = used more): a prior between otherwise equal candidates
    usage: int | None = Field(default=None, ge=0)


class Source(Strict):
    """Where a reform fact comes from."""

    title: Text
    date: dt.date | None = None
    file: Text | None = None
    publisher: Text | None = None
    url: Text | None = None
    # true when the date is inferred from the events the article reports, not printed on it
    date_inferred: bool = False


class Fact(EntryBase):
    """A reform fact or target (cải cách hành chính): one figure an official asks for."""

    kind: Literal["fact"] = "fact"
    category: Literal["chi-tieu", "ket-qua", "xep-hang", "chi-so", "su-kien", "khung-quoc-gia"]
    answer: Text
    figures: list[Text] = Field(default_factory=list)
    locality: Text | None = None
    locality_today: Text | None = None
    period: Text | None = None
    source: Source
    note: Text | None = None


Entry = NationalProcedure | Procedure | Fact

# Field of a procedure -> heading in the national database record.
NATIONAL_FIELDS: dict[str, str] = {
    "code": "Mã thủ tục",
    "title": "Tên thủ tục",
    "levels": "Cấp thực hiện",
    "domain": "Lĩnh vực",
    "steps": "Trình tự thực hiện",
    "channels": "Cách thức thực hiện",
    "documents": "Thành phần hồ sơ",
    "subjects": "Đối tượng thực hiện",
    "agency": "Cơ quan thực hiện",
    "result": "Kết quả thực hiện",
    "legal_basis": "Căn cứ pháp lý",
    "requirements": "Yêu cầu, điều kiện thực hiện",
    "processing_time": "Thời hạn giải quyết",
    "fee": "Phí, lệ phí",
}


class Variant(Strict):
    """One variant of a family of records: how titles name it, how questions ask for it."""

    name: Text
    title: list[Text]
    asked: list[Text] = Field(default_factory=list)


class VariantKind(Strict):
    """One way records of a family differ; ``ask``: when the question does not say, ask."""

    ask: bool = False
    variants: list[Variant]


class Scenes(Strict):
    """Where a relative works or travels ("sang Nhật", "ở Hàn"): each way of saying it before
    each place is a filler, except the phrases listed in ``except_`` ("qua Hàn" folds like
    "quá hạn")."""

    ways: list[Text] = Field(default_factory=list)
    places: list[Text] = Field(default_factory=list)
    except_: list[Text] = Field(default_factory=list, alias="except")

    def phrases(self) -> list[str]:
        """Every way before every place, without the exceptions."""
        left_out = {fold(text) for text in self.except_}
        return [
            phrase for way in self.ways for place in self.places
            if fold(phrase := f"{way} {place}") not in left_out
        ]


class Synonyms(Strict):
    """Abbreviations, colloquial phrases, filler words, field cues and place names.

    Everything is matched on folded text (no diacritics), so keys may be written either way.
    """

    abbreviations: dict[str, str] = Field(default_factory=dict)
    phrases: dict[str, str] = Field(default_factory=dict)
    fillers: list[str] = Field(default_factory=list)
    scenes: Scenes = Field(default_factory=Scenes)
    # Phrases whose words stay topic words although one of them alone is a filler once folded:
    # "thi bằng lái" is an exam, not "thì"; "thị xã" is a town.
    kept: list[str] = Field(default_factory=list)
    light: list[str] = Field(default_factory=list)
    fields: dict[
        Literal[
            "documents", "processing_time", "fee", "agency",
            "requirements", "result", "legal_basis", "steps", "channels",
        ],
        list[str],
    ] = Field(default_factory=dict)
    localities: dict[str, list[str]] = Field(default_factory=dict)
    indices: dict[str, list[str]] = Field(default_factory=dict)
    # Messages that are conversation, not a question: greetings, thanks, "who are you", insults.
    smalltalk: dict[
        Literal["greeting", "thanks", "who", "capabilities", "rude", "bye", "ok"], list[str]
    ] = Field(default_factory=dict)
    # Kinds of one thing (school levels, vehicles, papers): a question naming one kind is not about
    # an entry that names only others of the same group.
    contrasts: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # How near-identical national records differ: each kind lists its variants, the first a
    # citizen most likely means first; each variant is the phrases that name it in a title and
    # the words a question picks it with ("mất" picks "cấp lại").
    variants: dict[str, VariantKind] = Field(default_factory=dict)
    # Words that open ("còn", "vậy") or close ("thì sao") a message about the previous answer.
    followup: dict[Literal["lead", "tail"], list[str]] = Field(default_factory=dict)
    # Words that name a way to submit ("trực tuyến", "VNeID", "bưu điện"): beside another
    # procedure's name they ask how to submit it, not about online services in general.
    channel_words: list[str] = Field(default_factory=list)

    def all_fillers(self) -> list[str]:
        """The fillers, with every scene phrase."""
        return [*self.fillers, *self.scenes.phrases()]
