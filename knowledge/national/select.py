"""Which national records a deployment serves: by level, by domain, by code (default all)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.normalize import fold
from knowledge.schema import NationalProcedure


@dataclass(frozen=True)
class NationalSelection:
    """A record is served when it passes every filter that is set; an empty filter passes all.

    Levels and domains are compared without diacritics or case ("cap tinh" = "Cấp tỉnh").
    """

    levels: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_levels", frozenset(fold(x) for x in self.levels))
        object.__setattr__(self, "_domains", frozenset(fold(x) for x in self.domains))
        object.__setattr__(self, "_codes", frozenset(self.codes))

    @property
    def everything(self) -> bool:
        """No filter is set: every record is served."""
        return not (self.levels or self.domains or self.codes)

    def keeps(self, record: NationalProcedure) -> bool:
        """Whether the deployment serves this record."""
        if self._codes and record.code not in self._codes:
            return False
        if self._domains and fold(record.domain) not in self._domains:
            return False
        return not self._levels or any(fold(level) in self._levels for level in record.levels)

    def key(self) -> str:
        """A stable text naming the selection (part of the cache key)."""
        if self.everything:
            return ""
        parts = (sorted(self._levels), sorted(self._domains), sorted(self._codes))
        return repr(parts)
