"""Vietnamese text typed in legacy 8-bit encodings (TCVN3/ABC and VNI), repaired.

Agencies still type spreadsheets with legacy fonts. Excel keeps the code points
the font displays, so once read as Unicode the text is Latin-1 mojibake:

* TCVN3 (TCVN 5712:1993 "VN3", fonts ``.VnTime``, ``.VnArial``): one byte per
  letter, ``"Së KÕ ho¹ch vµ §Çu t\u2212"`` for ``"Sở Kế hoạch và Đầu tư"``;
* VNI (VNI-Windows, fonts ``VNI-Times``): a base letter followed by a mark
  character, ``"Sôû Keá hoaïch vaø Ñaàu tö"`` for the same text.

``detect_legacy`` / ``detect_legacy_in`` say whether one string / a whole sheet
is written in one of them, ``convert_legacy`` converts to Unicode NFC and
``fix_legacy_text`` does both for one string. Detection is conservative: a word
counts as evidence only when it is not a plausible word as it stands and becomes
a well-formed Vietnamese syllable once converted; any genuine Vietnamese letter
(precomposed or combining) makes a string ordinary Unicode text.

Run this before ``text.clean_text``: that function drops U+00AD, which is the
TCVN3 code of ``ư``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

__all__ = [
    "LegacyEncoding",
    "convert_legacy",
    "detect_legacy",
    "detect_legacy_in",
    "fix_legacy_text",
]

LegacyEncoding = Literal["tcvn3", "vni"]

# ---------------------------------------------------------------------------
# TCVN3 (VN3): byte -> letter. Upper-case toned vowels have no code point in
# VN3 (the .VnTimeH fonts draw the lower-case codes as capitals); only
# Ă Â Ê Ô Ơ Ư Đ have their own. Bytes 0x80-0x9F and the gaps below are left to
# Windows punctuation ("–", "“", ...) in VN3: the full VN1 repertoire put
# upper-case letters there, which would turn genuine dashes and quotes into
# letters, so those positions are deliberately not mapped.
# Checked against the TCVN 5712 table of X11 (TCVNtoUCS2.c) and the TCVN3
# tables of xvnkb (tcvn.h) and bogoengine (charset.hpp); see the tests.
_TCVN3_BYTES: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip

# ``ư`` (0xAD, a soft hyphen) often reaches us as U+2212 MINUS SIGN ("t−").
# It is converted only inside a word, so a real "−5" is left alone.
_MINUS = "\u2212"


def _byte_forms(byte: int) -> set[str]:
    """How one byte can show up once decoded: Latin-1 and, for 0x80-0x9F, Windows-1252."""
    forms = {bytes([byte]).decode("latin-1")}
    try:
        forms.add(bytes([byte]).decode("cp1252"))
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in cp1252
        pass
    return forms


_TCVN3_MAP: dict[str, str] = {
    form: letter for byte, letter in _TCVN3_BYTES.items() for form in _byte_forms(byte)
}
_TCVN3_TRANSLATE = str.maketrans(_TCVN3_MAP)  # 1:1, so offsets are preserved
_TCVN3_UPPER = frozenset(c for c, letter in _TCVN3_MAP.items() if letter.isupper())
# Codes whose case the font decides (.VnTime vs .VnTimeH): all lower-case letters.
_TCVN3_AMBIGUOUS = frozenset(c for c, letter in _TCVN3_MAP.items() if letter.islower()) | {_MINUS}

# ---------------------------------------------------------------------------
# VNI-Windows: base letter + mark character (upper-case marks after upper-case
# letters). Checked against xvnkb (vni.h) and vietnamese-conversion (charsets.ts).
_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng
_VNI_TONE = ("ù", "ø", "û", "õ", "ï")  # the five tones after a, e, o, u, y, ơ, ư
_VNI_CIRCUMFLEX = ("â", "á", "à", "å", "ã", "ä")  # â ê ô: plain, then the five tones
_VNI_BREVE = ("ê", "é", "è", "ú", "ü", "ë")  # ă: plain, then the five tones
_VNI_I = ("í", "ì", "æ", "ó", "ò")  # í ì ỉ ĩ ị are single characters


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _vni_lower_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for base in "aeouy":
        for mark, tone in zip(_VNI_TONE, _TONES, strict=True):
            table[base + mark] = _nfc(base + tone)
    del table["yï"]  # ỵ is the single character "î"
    table["î"] = "ỵ"
    for base in "aeo":
        table[base + _VNI_CIRCUMFLEX[0]] = _nfc(base + "\u0302")
        for mark, tone in zip(_VNI_CIRCUMFLEX[1:], _TONES, strict=True):
            table[base + mark] = _nfc(base + "\u0302" + tone)
    table["a" + _VNI_BREVE[0]] = "ă"
    for mark, tone in zip(_VNI_BREVE[1:], _TONES, strict=True):
        table["a" + mark] = _nfc("a\u0306" + tone)
    for code, base in (("ô", "o"), ("ö", "u")):  # ơ and ư are single characters
        table[code] = _nfc(base + "\u031b")
        for mark, tone in zip(_VNI_TONE, _TONES, strict=True):
            table[code + mark] = _nfc(base + "\u031b" + tone)
    for code, tone in zip(_VNI_I, _TONES, strict=True):
        if code != _nfc("i" + tone):  # í and ì are themselves
            table[code] = _nfc("i" + tone)
    table["ñ"] = "đ"
    return table


def _vni_table() -> dict[str, str]:
    lower = _vni_lower_table()
    table = dict(lower)
    for code, letter in lower.items():
        upper = code.upper()
        table[upper] = letter.upper()
        if len(code) == 2:  # "Aùn": Excel's PROPER() lower-cases the mark
            table[upper[0] + code[1]] = letter.upper()
    return table


_VNI_MAP = _vni_table()
# Longest sequences first, so "ôù" (ớ) wins over "ô" (ơ).
_VNI_RE = re.compile("|".join(map(re.escape, sorted(_VNI_MAP, key=len, reverse=True))))

# ---------------------------------------------------------------------------
# Genuine Unicode Vietnamese: letters outside Latin-1, or combining marks (NFD).
_GENUINE_RE = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169"
    "\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9\u0300-\u036f]"
)
# A word: letters plus the legacy codes that are not letters (¸ § µ ...).
_EXTRA_WORD_CHARS = "".join(sorted(c for c in set(_TCVN3_MAP) | {_MINUS} if not c.isalpha()))
_WORD_RE = re.compile(rf"(?:[^\W\d_]|[{re.escape(_EXTRA_WORD_CHARS)}])+")

# Well-formed Vietnamese syllable (lower case, tone removed): onset, nucleus, coda.
_ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip
_NUCLEI = frozenset(
    "a ă â e ê i o ô ơ u ư y "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê "
    "iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu".split()
)
_NEEDS_CODA = frozenset("ă â iê yê uô ươ uyê oă uâ oo".split())
# Nuclei that end in a glide (or are open diphthongs) take no final consonant.
_NO_CODA = frozenset(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu "
    "iêu oai oao oay oeo uây uôi uya uyu ươi ươu yêu".split()
)
_CODAS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")
_FRONT = frozenset("eêiy")
_TONE_SET = frozenset(_TONES)
# The Vietnamese alphabet in lower case: a "word" with ñ, ü, ç, µ... is not one.
_VIET_LOWER = frozenset(
    "abcdeghiklmnopqrstuvxyđ"
    + "".join(_nfc(v + t) for v in "aăâeêioôơuưy" for t in _TONES)
    + "ăâêôơư"
)
_CHECKED_TONES = frozenset(("\u0301", "\u0323"))  # -c -ch -p -t take only sắc or nặng


@lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """True for a well-formed Vietnamese syllable (``hoạch``, ``Nước``), any case."""
    lowered = word.lower()
    if not _VIET_LOWER.issuperset(lowered):
        return False
    decomposed = unicodedata.normalize("NFD", lowered)
    tones = [c for c in decomposed if c in _TONE_SET]
    if len(tones) > 1:
        return False
    base = _nfc("".join(c for c in decomposed if c not in _TONE_SET))
    for onset in _ONSETS:
        if not base.startswith(onset):
            continue
        rest = base[len(onset) :]
        for coda in _CODAS:
            if not rest.endswith(coda):
                continue
            nucleus = rest[: len(rest) - len(coda)]
            if nucleus not in _NUCLEI:
                continue
            if (nucleus in _NEEDS_CODA) if not coda else (nucleus in _NO_CODA):
                continue
            first = nucleus[0]
            if onset == "c" and first in _FRONT:  # ke, ki: spelled with k
                continue
            if onset in ("k", "gh", "ngh") and first not in _FRONT:
                continue
            if onset == "ng" and first in "eêi":
                continue
            if onset == "qu" and first in "uư":
                continue
            if coda in ("c", "ch", "p", "t") and not (tones and tones[0] in _CHECKED_TONES):
                continue
            if coda in ("ch", "nh") and nucleus not in ("a", "ê", "i", "oa", "uê", "uy"):
                continue
            if coda in ("c", "ng") and nucleus in ("i", "uy"):  # -ich, -inh instead
                continue
            return True
    return False


def _has_vowel(word: str) -> bool:
    return any(c in "aeiouy" for c in unicodedata.normalize("NFD", word.lower()))


def _tcvn3_word(word: str) -> str:
    return word.translate(_TCVN3_TRANSLATE).replace(_MINUS, "ư")


def _vni_word(word: str) -> str:
    return _VNI_RE.sub(lambda m: _VNI_MAP[m.group()], word)


def _plain_case(word: str) -> bool:
    """lower, UPPER or Title case (not "tÊn", which is TCVN3 for "tấn")."""
    return word.isupper() or not any(c.isupper() for c in word[1:])


def _vote(word: str, converted: str) -> int:
    """+1: evidence for the encoding, -1: against it, 0: says nothing."""
    if converted == word:
        return 0  # no legacy code in it
    if _plain_case(word) and (_is_syllable(word) or word.lower() in _VIET_LOWER):
        return 0  # a fine word (or letter) as it stands: "Hoàn", "Tên", "â"
    if _is_syllable(converted):
        return 1
    if not _has_vowel(converted):
        return 0  # abbreviation such as "§VT" (ĐVT)
    return -1  # "café" -> "cafộ": not Vietnamese either way


# "10 µm" is a unit, not TCVN3 "àm".
_MICRO_UNIT = re.compile(r"µ(?:m|g|l|L|s|A|V|W|F|M|mol|Pa|Sv|Gy)")


@lru_cache(maxsize=65536)
def _word_votes(word: str) -> tuple[int, int]:
    if len(word) == 1 or _MICRO_UNIT.fullmatch(word):
        return 0, 0  # "§", "×", "Ø" (a diameter), "ª": too little to tell
    return _vote(word, _tcvn3_word(word)), _vote(word, _vni_word(word))


# (tcvn3 for, tcvn3 against, vni for, vni against, genuine Unicode words)
_Tally = tuple[int, int, int, int, int]
_EMPTY: _Tally = (0, 0, 0, 0, 0)


@lru_cache(maxsize=65536)
def _tally(text: str) -> _Tally:
    if text.isascii():
        return _EMPTY
    if _GENUINE_RE.search(text):
        return (0, 0, 0, 0, max(1, sum(1 for w in _WORD_RE.findall(text) if _GENUINE_RE.search(w))))
    tf = ta = vf = va = 0
    for word in _WORD_RE.findall(text):
        t, v = _word_votes(word)
        tf += t > 0
        ta += t < 0
        vf += v > 0
        va += v < 0
    return tf, ta, vf, va, 0


def _decide(tally: _Tally) -> LegacyEncoding | None:
    tcvn3_for, tcvn3_against, vni_for, vni_against, genuine = tally
    tcvn3_score, vni_score = tcvn3_for - tcvn3_against, vni_for - vni_against
    encoding: LegacyEncoding
    if tcvn3_score > vni_score:
        evidence, score, encoding = tcvn3_for, tcvn3_score, "tcvn3"
    elif vni_score > tcvn3_score:
        evidence, score, encoding = vni_for, vni_score, "vni"
    else:
        return None
    if score <= 0 or evidence <= genuine:
        return None
    return encoding


def detect_legacy(text: str) -> LegacyEncoding | None:
    """The legacy encoding ``text`` is written in, or None for ordinary text.

    None for ASCII, for Unicode Vietnamese (NFC or NFD) and whenever the
    evidence is absent or contradictory; a lone word that reads well both ways
    (``"Hé"``, ``"cô"``) is ordinary text. Use ``detect_legacy_in`` for a file.
    """
    tally = _tally(text)
    if tally[4]:
        return None
    return _decide(tally)


def detect_legacy_in(texts: Iterable[str]) -> LegacyEncoding | None:
    """The legacy encoding of a whole sheet or file, by majority of evidence.

    Every word of every text cell votes; ASCII cells and words that read well
    either way do not. The winning encoding must have more supporting words
    than contradicting ones and than words of genuine Unicode Vietnamese.
    Non-string cells are ignored.
    """
    total = [0, 0, 0, 0, 0]
    # A text repeated down a column is tallied once, times its count.
    counted = Counter(t for t in texts if isinstance(t, str) and not t.isascii())
    for text, times in counted.items():
        for i, n in enumerate(_tally(text)):
            total[i] += n * times
    return _decide((total[0], total[1], total[2], total[3], total[4]))


@lru_cache(maxsize=65536)
def _word_case(word: str) -> str | None:
    """'U' for a word typed in capitals, 'L' for lower/title case, None if unknown.

    Capitals are the plain letters and Ă Â Ê Ô Ơ Ư Đ; a capital after the first
    letter ("TæNG", "ñY") means capitals, a single initial one ("Sè") may be
    either.
    """
    if any(c.islower() and c not in _TCVN3_AMBIGUOUS for c in word):
        return "L"
    if _TCVN3_AMBIGUOUS.isdisjoint(word):
        return None
    if any(c in _TCVN3_UPPER or (c.isupper() and c not in _TCVN3_AMBIGUOUS) for c in word[1:]):
        return "U"
    return None


def _convert_tcvn3(text: str) -> str:
    translated = text.translate(_TCVN3_TRANSLATE)  # 1:1, offsets are kept
    has_minus = _MINUS in text
    if _TCVN3_AMBIGUOUS.isdisjoint(text):
        return translated
    spans = [m.span() for m in _WORD_RE.finditer(text)]
    cases = [_word_case(text[a:b]) for a, b in spans]
    if not has_minus and "U" not in cases:
        return translated  # the usual case: nothing typed in capitals
    # Capitals typed with a .VnTimeH font use the lower-case codes ("TæNG" is
    # "TỔNG"): a word is upper-cased when its plain letters are capitals, or,
    # if it has too few of them to tell ("Sè"), when the nearest word that
    # tells (left first) is in capitals.
    pieces: list[str] = []
    pos = 0
    for i, (start, end) in enumerate(spans):
        piece = translated[start:end]
        if has_minus and len(piece) > 1:  # "t−" is "tư"; a lone "−" is a minus
            piece = piece.replace(_MINUS, "ư")
        case = cases[i]
        if case is None and not _TCVN3_AMBIGUOUS.isdisjoint(text[start:end]):
            left = next((c for c in reversed(cases[:i]) if c), None)
            case = left or next((c for c in cases[i + 1 :] if c), None)
        if case == "U":
            piece = piece.upper()
        pieces += (translated[pos:start], piece)
        pos = end
    pieces.append(translated[pos:])
    return "".join(pieces)


def convert_legacy(text: str, encoding: LegacyEncoding) -> str:
    """Convert ``text`` from a legacy encoding to Unicode NFC.

    TCVN3: the VN3 codes (Latin-1 and Windows-1252 forms), U+2212 as ``ư``
    inside words, and capitals restored for words typed with a .VnTimeH font.
    VNI: two-character sequences first, then single characters.
    """
    if encoding == "tcvn3":
        converted = _convert_tcvn3(text)
    elif encoding == "vni":
        converted = _vni_word(text)
    else:
        raise ValueError(f"unknown legacy encoding: {encoding!r}")
    return _nfc(converted)


def fix_legacy_text(text: str) -> tuple[str, LegacyEncoding | None]:
    """``(converted text, encoding)`` when ``text`` is legacy, else ``(text, None)``."""
    encoding = detect_legacy(text)
    if encoding is None:
        return text, None
    return convert_legacy(text, encoding), encoding
