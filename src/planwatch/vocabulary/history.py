"""``EarlierReport``: what the warehouse holds of an accepted earlier report,
as the cross-month rules read it (``warehouse.history`` fetches,
``quality.history`` compares)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EarlierReport:
    """One accepted earlier report of a plan × agency × template: its month,
    submission, file and rows (raw column -> value), as loaded."""

    period: str
    submission_id: int
    file_name: str
    rows: Sequence[Mapping[str, Any]]
