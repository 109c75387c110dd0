"""Split one crawled record of the national portal into the fields of ``NationalProcedure``.

The crawl flattened the portal's tables into runs of text without separators. Each parser here
returns what it could split, and ``None`` when it could not split cleanly: the caller then keeps
the text verbatim. Nothing is made up: every value is a piece of the record's own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.schema import Method

NO_INFO = "Không có thông tin"

# headings of the record's page, in page order: raw_text is split at them
HEADINGS: tuple[tuple[str, str], ...] = (
    ("ten_thu_tuc", "Tên thủ tục"),
    ("ma_thu_tuc", "Mã thủ tục"),
    ("so_quyet_dinh", "Số quyết định"),
    ("cap_thuc_hien", "Cấp thực hiện"),
    ("loai_thu_tuc", "Loại thủ tục"),
    ("linh_vuc", "Lĩnh vực"),
    ("doi_tuong_thuc_hien", "Đối tượng thực hiện"),
    ("co_quan_co_tham_quyen", "Cơ quan có thẩm quyền"),
    ("dia_chi_tiep_nhan", "Địa chỉ tiếp nhận HS"),
    ("co_quan_duoc_uy_quyen", "Cơ quan được ủy quyền"),
    ("co_quan_phoi_hop", "Cơ quan phối hợp"),
    ("thu_tuc_lien_quan", "Thủ tục hành chính liên quan"),
    ("trinh_tu_thuc_hien", "Trình Tự Thực Hiện"),
    ("cach_thuc_thuc_hien", "Cách Thức Thực Hiện"),
    ("thanh_phan_ho_so", "Thành phần hồ sơ"),
    ("can_cu_phap_ly", "Căn cứ pháp lý"),
    ("co_quan_thuc_hien", "Cơ quan thực hiện"),
    ("yeu_cau_dieu_kien", "Yêu cầu, điều kiện thực hiện"),
    ("ket_qua_xu_ly", "Kết quả xử lý"),
)

_CODE_IN_PAGE = re.compile(r"Mã thủ tục\s*(\d+\.\d+)")


def page_code(raw_text: str) -> str | None:
    """The code the page itself shows ("Mã thủ tục …")."""
    match = _CODE_IN_PAGE.search(raw_text or "")
    return match.group(1) if match else None


def page_sections(raw_text: str) -> dict[str, str]:
    """The record's fields as the page shows them, split at its headings in page order."""
    spans: list[tuple[str, int, int]] = []
    position = 0
    for name, heading in HEADINGS:
        start = raw_text.find(heading, position)
        if start < 0:
            continue
        spans.append((name, start, start + len(heading)))
        position = start + len(heading)
    sections: dict[str, str] = {}
    for index, (name, _start, end) in enumerate(spans):
        stop = spans[index + 1][1] if index + 1 < len(spans) else len(raw_text)
        sections[name] = raw_text[end:stop]
    return sections


def clean(text: str | None) -> str | None:
    """Whitespace tidied; empty and "Không có thông tin" become ``None``."""
    if text is None:
        return None
    text = re.sub(r"[ \t\u00a0]+", " ", text).strip()
    text = re.sub(r"\s*\n\s*", "\n", text)
    if not text or text.rstrip(".") == NO_INFO:
        return None
    return text


def split_list(text: str | None) -> list[str]:
    """A comma-separated cell (levels, subjects) as a list, keeping parenthesised commas."""
    text = clean(text)
    if not text:
        return []
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


# -- steps ----------------------------------------------------------------------------------

_STEP = re.compile(r"(?=\bBước\s*\d+\s*[:.\-–])")


def parse_steps(text: str | None) -> list[str]:
    """Steps as a list: at each "Bước n", else one per paragraph."""
    text = clean(text)
    if not text:
        return []
    parts = _STEP.split(text) if len(_STEP.findall(text)) >= 2 else text.split("\n")
    return [p for p in (clean(part) for part in parts) if p]


# -- channels (cách thức thực hiện) ---------------------------------------------------------

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_METHODS = {"Trực tiếp": Method.direct, "Trực tuyến": Method.online, "Dịch vụ bưu chính": Method.postal}
_TIME = (
    r"(?:\d+(?:[.,]\d+)?(?: ?(?:Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Tuần|Phút))?"
    r"|Không có thông tin)"
)
_TIME_AT = re.compile(_TIME)
# a row starts at a method followed by its time or its fee (a method inside a note is followed by words)
_ROW = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không có thông tin|Miễn phí)")
_AMOUNT = re.compile(
    r"Miễn phí|Không có thông tin|\d[\d.,]*\s?(?:Việt Nam Đồng|VNĐ|USD|Đồng|đồng|EUR|Euro)"
)


def _balanced(text: str, start: int) -> int:
    """End of the parenthesised group opening at ``start`` (or -1)."""
    depth = 0
    for index in range(start, len(text)):
        depth += text[index] == "("
        depth -= text[index] == ")"
        if depth == 0:
            return index + 1
    return -1


def _split_fee(text: str) -> tuple[str | None, str | None] | None:
    """A row's fee items (amount and its note) and the description after them."""
    items: list[str] = []
    position = 0
    while True:
        match = _AMOUNT.match(text, position)
        if not match:
            break
        item = match.group(0)
        position = match.end()
        if position < len(text) and text[position] == "(":
            end = _balanced(text, position)
            if end < 0:
                return None
            item += f" ({text[position + 1:end - 1].strip()})"
            position = end
        items.append(item)
    if not items:
        return None
    fees = [i for i in items if i != NO_INFO]
    return ("; ".join(fees) or None), clean(text[position:])


def _split_row_cells(rest: str) -> tuple[str | None, str | None, str | None] | None:
    """Time, fee and note of one row; the time cell may be missing."""
    time = _TIME_AT.match(rest)
    if time and time.end() > 0:
        fee = _split_fee(rest[time.end():])
        if fee is not None:
            return clean(time.group(0)), fee[0], fee[1]
    fee = _split_fee(rest)
    if fee is not None:
        return None, fee[0], fee[1]
    return None


@dataclass(frozen=True)
class ChannelRow:
    """One row of the channel table."""

    method: Method
    processing_time: str | None
    fee: str | None
    note: str | None


def parse_channels(text: str | None) -> list[ChannelRow] | None:
    """Rows of method × time × fee × note; ``None`` when the table does not split cleanly."""
    text = (text or "").strip()
    if not text or clean(text) is None:
        return []
    if not text.startswith(CHANNEL_HEADER):
        return None
    body = text[len(CHANNEL_HEADER):]
    starts = list(_ROW.finditer(body))
    if not starts or starts[0].start() != 0:
        return None
    rows: list[ChannelRow] = []
    for index, match in enumerate(starts):
        stop = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        rest = body[match.end():stop]
        row = _split_row_cells(rest)
        if row is None:
            return None
        rows.append(ChannelRow(_METHODS[match.group(1)], *row))
    return rows


# -- documents (thành phần hồ sơ) -----------------------------------------------------------

DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COUNT = re.compile(r"(\d+) bản chính(?:,(\d+) bản sao)?")
_FORM_FILE = re.compile(r"\.(?:docx|doc|pdf|xlsx|xls)", re.IGNORECASE)
# where a form's file name may begin: after punctuation ending a sentence or a clause ...
_FORM_AFTER_MARK = re.compile(r"(?:(?<=[;:)\]])|(?<=[a-zà-ỹđ)]\.)(?=[A-ZÀ-ỸĐ]))")
# ... or, failing that, where a word in capitals runs into the name ("cá nhânMẫu số 01.docx")
_FORM_AFTER_CASE = re.compile(r"(?<=[a-zà-ỹđ])(?=[A-ZĐ]|[ÀÁẢÃẠÂẦẤẨẪẬĂẰẮẲẴẶÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ])")


@dataclass(frozen=True)
class DocumentRow:
    """One item of the file: its name, counts and form file names."""

    name: str
    originals: int
    copies: int
    form: str | None
    group: str | None
    fused: bool  # the name ends in digits run together with the count


def _split_count(prefix: str, digits: str) -> tuple[str, str, bool]:
    """Digits before "bản chính" belong partly to the name: keep one digit, or "0n"."""
    run = re.search(r"\d*$", prefix).group(0) + digits
    if len(run) == 1:
        return prefix, run, False
    if len(run) == 2 and run[0] == "0":
        return prefix, run, False
    count = run[-1]
    name_digits = run[:-1]
    base = prefix[: len(prefix) - (len(run) - len(digits))]
    return base + name_digits, count, True


def _split_form(name: str) -> tuple[str, str | None]:
    """Trailing form file names (``Mẫu số 01.docx``) split from the item's name."""
    files = list(_FORM_FILE.finditer(name))
    if not files or files[-1].end() != len(name):
        return name, None
    head = name[: files[0].start()]

    def plausible(cut: int) -> bool:
        stem = head[cut:]
        return cut > 0 and len(name) - cut <= 160 and sum(c.isalpha() for c in stem) >= 2

    cuts = [m.start() for m in _FORM_AFTER_MARK.finditer(head) if plausible(m.start())]
    if not cuts:
        cuts = [m.start() for m in _FORM_AFTER_CASE.finditer(head) if plausible(m.start())]
    if not cuts:
        return name, None
    cut = cuts[-1]
    forms = []
    position = cut
    for match in files:
        forms.append(name[position:match.end()].strip(" ;,"))
        position = match.end()
    return name[:cut].strip(), ", ".join(f for f in forms if f) or None


def parse_documents(text: str | None) -> list[DocumentRow] | None:
    """Items of the file, with the group heading each belongs to; ``None`` when unclean."""
    text = (text or "").strip()
    if clean(text) is None:
        return []
    if DOCUMENT_HEADER not in text:
        return None
    chunks = text.split(DOCUMENT_HEADER)
    group = clean(chunks[0].strip("- "))
    rows: list[DocumentRow] = []
    for chunk_index, chunk in enumerate(chunks[1:], 1):
        position = 0
        matches = list(_COUNT.finditer(chunk))
        if not matches:
            return None
        for match in matches:
            prefix = chunk[position:match.start()]
            prefix, originals, fused = _split_count(prefix, match.group(1))
            name, form = _split_form(prefix.strip())
            name = clean(name.lstrip("-–+• ").strip())
            if not name:
                return None
            rows.append(
                DocumentRow(name, int(originals), int(match.group(2) or 0), form, group, fused)
            )
            position = match.end()
        tail = clean(chunk[position:].strip("- "))
        if chunk_index + 1 < len(chunks):
            group = tail  # text after the last item heads the next table
        elif tail:
            return None
    return rows


# -- legal basis (căn cứ pháp lý) -----------------------------------------------------------

LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_NUMBER = r"\d+/(?:\d{4}/)?[A-ZĐ][A-ZĐ0-9\-]*(?:Tg)?"
_NUMBER_AT_END = re.compile(rf"(?<!\d)({_NUMBER})$")


@dataclass(frozen=True)
class LegalRow:
    """One legal document: number and title."""

    number: str
    title: str


_CAPS_WORD = re.compile(r"[^\W\d_]{3,} ")


def _title_starts(text: str, index: int) -> bool:
    """A new title begins here (a capital then a small letter, or a word in capitals), or the text ends."""
    if index >= len(text):
        return True
    if index + 1 >= len(text) or not text[index].isupper():
        return False
    if text[index + 1].islower():
        return text[index - 1:index + 2] != "TTg"  # "QĐ-TTg" is a number, not a new title
    word = _CAPS_WORD.match(text, index)
    return bool(word) and word.group(0).strip().isupper()


def parse_legal(text: str | None) -> list[LegalRow] | None:
    """Title + number pairs; ``None`` when they do not split cleanly."""
    text = (text or "").strip()
    if clean(text) is None:
        return []
    if not text.startswith(LEGAL_HEADER):
        return None
    body = text[len(LEGAL_HEADER):].strip()
    rows: list[LegalRow] = []
    position = 0
    while position < len(body):
        row = None
        for end in range(position + 1, len(body) + 1):
            if not _title_starts(body, end):
                continue
            row = _split_row(body[position:end])
            if row is not None:
                position = end
                break
        if row is None:
            return None
        rows.append(row)
    return rows


def _split_row(segment: str) -> LegalRow | None:
    """A title and its number; the title usually ends with the number too, run into it."""
    # "Luật … số 27/2023/QH1527/2023/QH15": the title's own copy of the number, then the number
    for cut in range(1, len(segment)):
        candidate = segment[cut:]
        if segment[:cut].endswith(candidate) and re.fullmatch(_NUMBER, candidate):
            return LegalRow(candidate, clean(segment[:cut]) or candidate)
    match = _NUMBER_AT_END.search(segment)
    if match is None:
        return None
    title = clean(segment[: match.start()])
    return LegalRow(match.group(1), title) if title else None


# -- result ---------------------------------------------------------------------------------

# the portal's code of a result (KQ.G19.000492, KQ-G10-KQ00009, 000.00.00.G11-KQ0001, …), up to
# where the next result's name starts
_RESULT_CODE = re.compile(r"Mã: [\w.\-]+?(?=$|[A-ZĐ][a-zà-ỹđ]|[ÀÁÂĂÈÉÊÌÍÒÓÔƠÙÚƯÝ][a-zà-ỹđ])")


def parse_result(text: str | None) -> str | None:
    """The names of the results, without the portal's result codes and search widgets."""
    text = clean(text)
    if not text:
        return None
    text = text.split("Chọn cơ quan thực hiện")[0]
    text = text.split("Từ khóa")[0]
    names = [clean(part) for part in _RESULT_CODE.split(text)]
    names = [re.sub(r"\s*(?:;\.?|\./\.)$", "", n) for n in names if n]  # "…;." and "…./." close a cell
    names = [n for n in names if n]
    return "; ".join(names) or None
