"""Vietnamese text as agencies type it, made comparable and clean.

Two forms:

* ``clean_text`` is what planwatch stores: NFC, no non-breaking or zero-width
  spaces, runs of spaces collapsed, trimmed, and the old/new tone placement of
  ``oa``, ``oe``, ``uy`` unified (``Thuỷ`` and ``Thủy`` become one spelling), so
  that a BI group-by does not split one name in two;
* ``fold`` is for matching only (headers, sheet names, statuses, keys):
  lower case, diacritics and punctuation dropped, ``đ`` -> ``d``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# What a name shown to people must not carry: bidirectional controls (a file
# "bao_cao\u202excod.xlsx" shows as "bao_caoxlsx.doc"), zero-width characters and
# the other control characters (C0, C1, DEL).
_NOT_SHOWN = {
    **_INVISIBLE,
    **dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                             "\u2066\u2067\u2068\u2069"), None),
    **dict.fromkeys([*range(0x00, 0x20), *range(0x7f, 0xa0)], " "),
}
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng

# "New" style puts the tone on the second vowel of an open oa/oe/uy syllable
# (hoà, thuỷ); the catalog and most agencies use the "old" style (hòa, thủy).
# The syllable must end there (no consonant after), and "qu" + y is left alone
# (quý: the u belongs to the consonant).
_NEW_STYLE = re.compile(
    rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![\w\u0300-\u036f])"
)


_TONED_AEY = frozenset("àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ")


def unify_tone_placement(text: str) -> str:
    """``hoà`` -> ``hòa``, ``thuỷ`` -> ``thủy`` (open oa/oe/uy syllables only)."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _NEW_STYLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), decomposed)
    return unicodedata.normalize("NFC", moved)


def clean_text(value: str) -> str:
    """The stored form of a text cell (may be empty)."""
    text = unicodedata.normalize("NFC", value.translate(_INVISIBLE))
    text = _SPACES.sub(" ", text).strip()
    if not _TONED_AEY.isdisjoint(text):  # cheap test before the regex
        text = unify_tone_placement(text)
    return text


def shown(value: object) -> str:
    """A text as a page, a receipt or a message shows it to people: no control,
    bidirectional or zero-width character, so that one name cannot pass for
    another. (What planwatch stores keeps the bytes received.)"""
    return str(value).translate(_NOT_SHOWN)


def strip_diacritics(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


_NON_WORD = re.compile(r"[^a-z0-9%]+")


def fold(value: str) -> str:
    """Matching key: ``"  Tình trạng\u00a0"`` -> ``"tinh trang"``; ``%`` is kept."""
    text = strip_diacritics(unicodedata.normalize("NFC", value.translate(_INVISIBLE))).lower()
    return _NON_WORD.sub(" ", text).strip()


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula if exported as is."""
    return text[:1] in ("=", "+", "-", "@", "\t", "\r") and len(text) > 1


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_label(name: str) -> str:
    """A name reduced to harmless ASCII (diacritics dropped, no path), for the
    names planwatch writes: ``../../Báo cáo.xlsx`` -> ``Bao_cao.xlsx``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", strip_diacritics(base)).strip("._")
    return cleaned[:80] or "file"


DASH = "—"  # what a page shows for a value that is not there


def number_vi(value: Any, decimals: int | None = 2) -> str:
    """``1234567.5`` -> ``1.234.567,5``: rounded half up to at most ``decimals``
    places (``None``: exactly as given), trailing zeros dropped; ``—`` for None;
    text that is not a number comes back as it is."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "có" if value else "không"
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    rounded = number if decimals is None else number.quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"
