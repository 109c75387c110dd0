"""Callback data for inline buttons: short, under Telegram's 64 bytes, parsed in one place."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64

# Section code in callback data <-> section name (two letters keep the data short).
SECTION_CODES = {
    "sm": "summary",
    "hs": "documents",
    "th": "processing_time",
    "lp": "fee",
    "nn": "agency",
    "cc": "legal_basis",
}
CODE_OF_SECTION = {name: code for code, name in SECTION_CODES.items()}
REF_LENGTH = 10  # bot.querylog.new_ref


def _join(*parts: object) -> str:
    data = ":".join(str(p) for p in parts)
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def section(entry_id: str, name: str, ref: str = "") -> str:
    """Show one section of an entry in place."""
    return _join("s", CODE_OF_SECTION[name], ref, entry_id)


def entry_id_budget() -> int:
    """The longest entry id every button that carries one can hold."""
    ref = "r" * REF_LENGTH
    prefixes = [section("", name, ref) for name in CODE_OF_SECTION] + [open_entry("", ref)]
    return MAX_CALLBACK_BYTES - max(len(p.encode("utf-8")) for p in prefixes)


def open_entry(entry_id: str, ref: str = "") -> str:
    """Open an entry (a suggestion or a browse item); ``ref`` links it to the logged question."""
    return _join("e", ref, entry_id)


def feedback(ref: str, up: bool) -> str:
    """👍 or 👎 on an answer."""
    return _join("f", "u" if up else "d", ref)


def browse(kind: str, group: int | None = None, page: int = 0) -> str:
    """A page of the procedure (``t``) or reform (``c``) catalogue; ``group`` is a domain or place."""
    return _join("b", kind, "" if group is None else group, page)


def example(index: int) -> str:
    """Ask one of the example questions of the greeting."""
    return _join("x", index)


def admin(action: str, *args: object) -> str:
    """An admin action (review, assign, dismiss, undo)."""
    return _join("a", action, *args)


@dataclass(frozen=True)
class Callback:
    """Parsed callback data; ``kind`` is '' when the data is not ours."""

    kind: str
    args: tuple[str, ...] = ()


def parse(data: str | None) -> Callback:
    """Split callback data; unknown or malformed data gives an empty kind."""
    if not data or ":" not in data:
        return Callback("")
    kind, *args = data.split(":")
    expected = {"s": 3, "e": 2, "f": 2, "b": 3, "x": 1}
    if kind in expected and len(args) != expected[kind]:
        return Callback("")
    if kind == "s" and args[0] not in SECTION_CODES:
        return Callback("")
    if kind not in expected and kind != "a":
        return Callback("")
    return Callback(kind, tuple(args))
