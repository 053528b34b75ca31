"""Deterministic randomness and small numeric helpers for the demo.

Everything comes from ``random.Random`` instances seeded with strings derived
from the demo seed (never the clock), so the same catalog and seed give the
same bytes.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from planwatch.text import strip_diacritics


def seeded(seed: int | float | str, *parts: object) -> random.Random:
    return random.Random("|".join([str(seed), *map(str, parts)]))


def fold_lower(text: str | None) -> str:
    """Lower case, no diacritics, đ -> d: for keyword matching in catalog texts."""
    return strip_diacritics((text or "").lower())


def quantize(value: float | Decimal, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
