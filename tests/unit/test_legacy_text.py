"""Legacy Vietnamese encodings (TCVN3/ABC, VNI): detection and conversion."""

from __future__ import annotations

import unicodedata

import pytest

from planwatch.ingest.legacy_text import (
    convert_legacy,
    detect_legacy,
    detect_legacy_in,
    fix_legacy_text,
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# Vowel bases x (plain, sắc, huyền, hỏi, ngã, nặng): the order of the tables below.
BASES = "aâăeêoôơuưiy"
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
LOWER = [nfc(nfd(b) + t) for b in BASES for t in TONES if (b + t) not in "aeoiuy"] + ["đ"]
UPPER = [c.upper() for c in LOWER]


def test_the_alphabet_has_134_letters() -> None:
    assert len(LOWER) == len(set(LOWER)) == 67
    assert len(set(LOWER + UPPER)) == 134


# ---------------------------------------------------------------------------
# Inverse tables written out here from the published charts (TCVN 5712 VN3,
# VNI-Windows), independently of the module, to encode Unicode test text.

TCVN3_CODES = {
    "a": [None, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9],
    "â": [0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB],
    "ă": [0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6],
    "e": [None, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1],
    "ê": [0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6],
    "o": [None, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4],
    "ô": [0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9],
    "ơ": [0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE],
    "u": [None, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4],
    "ư": [0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9],
    "i": [None, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE],
    "y": [None, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE],
}
TCVN3_OWN_CODES = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}
TCVN3_OWN_CODES["đ"] = 0xAE

VNI_CODES = {
    "a": ["a", "aù", "aø", "aû", "aõ", "aï"],
    "â": ["aâ", "aá", "aà", "aå", "aã", "aä"],
    "ă": ["aê", "aé", "aè", "aú", "aü", "aë"],
    "e": ["e", "eù", "eø", "eû", "eõ", "eï"],
    "ê": ["eâ", "eá", "eà", "eå", "eã", "eä"],
    "o": ["o", "où", "oø", "oû", "oõ", "oï"],
    "ô": ["oâ", "oá", "oà", "oå", "oã", "oä"],
    "ơ": ["ô", "ôù", "ôø", "ôû", "ôõ", "ôï"],
    "u": ["u", "uù", "uø", "uû", "uõ", "uï"],
    "ư": ["ö", "öù", "öø", "öû", "öõ", "öï"],
    "i": ["i", "í", "ì", "æ", "ó", "ò"],
    "y": ["y", "yù", "yø", "yû", "yõ", "î"],
}


def _tcvn3_inverse() -> dict[str, int]:
    inverse = dict(TCVN3_OWN_CODES)
    for base, codes in TCVN3_CODES.items():
        for tone, code in zip(TONES, codes, strict=True):
            if code is not None:
                letter = nfc(nfd(base) + tone)
                inverse[letter] = code
                # VN3 has no capitals for toned vowels: .VnTimeH reuses these codes.
                inverse.setdefault(letter.upper(), code)
    return inverse


def _vni_inverse() -> dict[str, str]:
    inverse = {"đ": "ñ", "Đ": "Ñ"}
    for base, codes in VNI_CODES.items():
        for tone, code in zip(TONES, codes, strict=True):
            letter = nfc(nfd(base) + tone)
            inverse[letter] = code
            inverse[letter.upper()] = code.upper()
    return inverse


TCVN3_INVERSE = _tcvn3_inverse()
VNI_INVERSE = _vni_inverse()


def to_tcvn3(text: str, codec: str = "latin-1", u_horn: str = "\u00ad") -> str:
    """Unicode -> what Excel shows for the same text typed with .VnTime."""
    out = []
    for ch in nfc(text):
        code = TCVN3_INVERSE.get(ch)
        if code is None:
            out.append(ch)
        elif code == 0xAD:
            out.append(u_horn)
        else:
            out.append(bytes([code]).decode(codec))
    return "".join(out)


def to_vni(text: str) -> str:
    return "".join(VNI_INVERSE.get(ch, ch) for ch in nfc(text))


def test_inverse_tables_cover_the_alphabet() -> None:
    assert set(LOWER + UPPER) <= set(TCVN3_INVERSE)
    assert set(LOWER + UPPER) <= set(VNI_INVERSE)
    # Distinct codes: 67 lower-case letters + Ă Â Ê Ô Ơ Ư Đ.
    assert len(set(TCVN3_INVERSE.values())) == 74
    assert len(set(VNI_INVERSE.values())) == 146  # includes plain a e o u i y


# ---------------------------------------------------------------------------
# Known samples

SENTENCES = [
    "Sở Kế hoạch và Đầu tư",
    "Ủy ban nhân dân huyện A Lưới",
    "Hoàn thành",
    "Đang thực hiện, chậm tiến độ",
    "Kế hoạch vốn năm (triệu đồng)",
    "Lũy kế giải ngân",
    "Tỷ lệ hộ nghèo",
]


def test_known_tcvn3_sample() -> None:
    legacy = "Së KÕ ho¹ch vµ §Çu t\u2212"
    assert detect_legacy(legacy) == "tcvn3"
    assert convert_legacy(legacy, "tcvn3") == "Sở Kế hoạch và Đầu tư"
    assert fix_legacy_text(legacy) == ("Sở Kế hoạch và Đầu tư", "tcvn3")


def test_known_vni_sample() -> None:
    legacy = "Sôû Keá hoaïch vaø Ñaàu tö"
    assert detect_legacy(legacy) == "vni"
    assert convert_legacy(legacy, "vni") == "Sở Kế hoạch và Đầu tư"
    assert fix_legacy_text(legacy) == ("Sở Kế hoạch và Đầu tư", "vni")


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("ñy ban nh©n d©n huyÖn A L\u2212íi", "ủy ban nhân dân huyện A Lưới"),
        ("Hoµn thµnh", "Hoàn thành"),
        ("§ang thùc hiÖn, chËm tiÕn ®é", "Đang thực hiện, chậm tiến độ"),
        ("KÕ ho¹ch vèn n¨m (triÖu ®ång)", "Kế hoạch vốn năm (triệu đồng)"),
        ("Lòy kÕ gi¶i ng©n", "Lũy kế giải ngân"),
        ("Tû lÖ hé nghÌo", "Tỷ lệ hộ nghèo"),
        ("Tæng møc ®Çu t\u00ad", "Tổng mức đầu tư"),
    ],
)
def test_hand_written_tcvn3(legacy: str, expected: str) -> None:
    assert fix_legacy_text(legacy) == (expected, "tcvn3")


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("UÛy ban nhaân daân huyeän A Löôùi", "Ủy ban nhân dân huyện A Lưới"),
        ("Hoaøn thaønh", "Hoàn thành"),
        ("Ñang thöïc hieän, chaäm tieán ñoä", "Đang thực hiện, chậm tiến độ"),
        ("Keá hoaïch voán naêm (trieäu ñoàng)", "Kế hoạch vốn năm (triệu đồng)"),
        ("Luõy keá giaûi ngaân", "Lũy kế giải ngân"),
        ("Tyû leä hoä ngheøo", "Tỷ lệ hộ nghèo"),
        ("TOÅNG COÄNG", "TỔNG CỘNG"),
        ("Nöôùc saïch", "Nước sạch"),
    ],
)
def test_hand_written_vni(legacy: str, expected: str) -> None:
    assert fix_legacy_text(legacy) == (expected, "vni")


# ---------------------------------------------------------------------------
# Round trips through the inverse tables


@pytest.mark.parametrize("text", SENTENCES)
@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
@pytest.mark.parametrize("u_horn", ["\u00ad", "\u2212"])
def test_tcvn3_round_trip(text: str, codec: str, u_horn: str) -> None:
    legacy = to_tcvn3(text, codec, u_horn)
    assert legacy != text or text == "Hoàn thành"  # à of "Hoàn" is 0xB5 in TCVN3
    # VN3 cannot write Ủ: it comes back lower case, like the .VnTime original shows it.
    expected = text.replace("Ủy", "ủy")
    assert convert_legacy(legacy, "tcvn3") == expected
    assert fix_legacy_text(legacy) == (expected, "tcvn3")


@pytest.mark.parametrize("text", [*SENTENCES, "TỔNG CỘNG", "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ"])
def test_vni_round_trip(text: str) -> None:
    legacy = to_vni(text)
    assert legacy != text
    assert convert_legacy(legacy, "vni") == text
    assert fix_legacy_text(legacy) == (text, "vni")


def test_every_letter_tcvn3() -> None:
    own_upper = "ĂÂÊÔƠƯĐ"
    text = " ".join(LOWER) + " " + " ".join(own_upper)
    for codec in ("latin-1", "cp1252"):
        assert convert_legacy(to_tcvn3(text, codec), "tcvn3") == text
    # U+2212 is read as ư inside a word only (a lone "−" is a minus sign).
    words = " ".join("t" + letter for letter in LOWER)
    assert convert_legacy(to_tcvn3(words, "cp1252", "\u2212"), "tcvn3") == words


def test_every_letter_vni_both_cases() -> None:
    text = " ".join(LOWER + UPPER)
    assert convert_legacy(to_vni(text), "vni") == text
    # Also glued together: longest sequences must win ("ôù" is ớ, not ơ + ù).
    glued = "".join(LOWER + UPPER)
    assert convert_legacy(to_vni(glued), "vni") == glued


def test_vni_mixed_case_marks() -> None:
    # Excel's PROPER() turns "AÙN" into "Aùn"; a lower-case letter with an
    # upper-case mark is not VNI (it is how TCVN3 writes "kÕ" = kế).
    assert convert_legacy("Aùn Ôù", "vni") == "Án Ớ"
    assert convert_legacy("kÕ", "vni") == "kÕ"


def test_output_is_nfc() -> None:
    for text, encoding in ((to_tcvn3(" ".join(LOWER)), "tcvn3"), (to_vni(" ".join(UPPER)), "vni")):
        out = convert_legacy(text, encoding)  # type: ignore[arg-type]
        assert unicodedata.is_normalized("NFC", out)


# ---------------------------------------------------------------------------
# TCVN3 specifics


def test_tcvn3_capitals_typed_with_vntimeh() -> None:
    assert fix_legacy_text("TæNG CéNG") == ("TỔNG CỘNG", "tcvn3")
    assert convert_legacy("TæNG Sè (triÖu ®ång)", "tcvn3") == "TỔNG SỐ (triệu đồng)"
    assert convert_legacy("Sè TIÒN", "tcvn3") == "SỐ TIỀN"
    assert convert_legacy("ñY BAN", "tcvn3") == "ỦY BAN"
    # Only one-capital words: as ambiguous as title case, left as title case.
    assert convert_legacy("Së KÕ", "tcvn3") == "Sở Kế"
    # Title case and abbreviations stay as typed.
    assert convert_legacy("Së KH&§T", "tcvn3") == "Sở KH&ĐT"
    assert convert_legacy("UBND tØnh", "tcvn3") == "UBND tỉnh"


def test_tcvn3_minus_sign_only_inside_words() -> None:
    assert convert_legacy("n\u2212íc \u2212¬ng", "tcvn3") == "nước ương"
    assert convert_legacy("Chªnh lÖch \u22125", "tcvn3") == "Chênh lệch \u22125"
    assert convert_legacy("a \u2212 b", "tcvn3") == "a \u2212 b"


def test_tcvn3_keeps_windows_punctuation() -> None:
    # VN3 leaves 0x80-0x9F to Windows punctuation: dashes and quotes survive.
    legacy = "Dù ¸n A \u2013 giai ®o¹n 2 \u2014 \u201cTr\u2212êng häc\u201d\u2026"
    assert fix_legacy_text(legacy) == (
        "Dự án A \u2013 giai đoạn 2 \u2014 \u201cTrường học\u201d\u2026",
        "tcvn3",
    )


def test_unknown_encoding_is_an_error() -> None:
    with pytest.raises(ValueError, match="viscii"):
        convert_legacy("abc", "viscii")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Ordinary text is left alone

ORDINARY = [
    "",
    " ",
    "A",
    "OK",
    "x",
    "STT",
    "NV-2.1-01",
    "DA-12",
    "1.234.567,5",
    "55.000",
    "1.234,5",
    "95%",
    "-12,5%",
    "Total budget",
    "Project delivered on time",
    "café",
    "Café au lait, naïve résumé",
    "Müller & Søn",
    "São Paulo",
    "señor",
    "sxd@thuathienhue.gov.vn",
    "https://thuathienhue.gov.vn/",
    "Thủy",
    "Thuỷ",
    nfd("Thủy"),
    nfd("Thuỷ"),
    nfd("Sở Kế hoạch và Đầu tư"),
    "Chính thức",
    "Hoàn thành",
    "Tên",
    "Ghi chú",
    "Mã số",
    "Có",
    "cô",
    "Hé",
    "Đã hoàn thành",
    "Nguyễn Văn A",
    "Tỷ lệ 95%",
    *SENTENCES,
    "Dự án A — giai đoạn 2",
    "Dự án A – giai đoạn 2",
    "Phase 1 – 2024",
    "Budget — revised",
    "Giá trị: 1.234,5 – 2.000",
    "10 × 20",
    "§ 3",
    "« citation »",
    "±5%",
    "\u22125",
    "Ø 20mm",
    "Ống Ø110",
    "10 µm",
    "2ª",
    "â",
    "Straße München Grüße",
    "El niño está aquí",
    "Señora Núñez",
    "H’Mông",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_legacy(text: str) -> None:
    assert detect_legacy(text) is None
    fixed, encoding = fix_legacy_text(text)
    assert encoding is None
    assert fixed is text


def test_short_ascii_is_never_legacy() -> None:
    import itertools
    import string

    letters = string.ascii_letters + string.digits + " -.,%/"
    for n in (1, 2):
        for chars in itertools.product(letters, repeat=n):
            assert detect_legacy("".join(chars)) is None


# ---------------------------------------------------------------------------
# Whole files

TCVN3_SHEET = [
    "STT", "M· dù ¸n", "Tªn dù ¸n", "Tæng møc ®Çu t\u2212", "T×nh tr¹ng", "Ghi chó",
    "1", "DA-12", "Tr\u2212êng tiÓu häc A L\u2212íi", "1.234,5", "Hoµn thµnh", "",
    "2", "DA-13", "§\u2212êng giao th«ng x· H\u2212¬ng Phong", "55.000", "§ang thùc hiÖn", "Hé",
    "3", "NV-2.1-01", "N\u2212íc s¹ch n«ng th«n", "12", "ChËm tiÕn ®é", "TBD",
]  # fmt: skip

VNI_SHEET = [
    "STT", "Maõ döï aùn", "Teân döï aùn", "Toång möùc ñaàu tö", "Tình traïng", "Ghi chuù",
    "1", "DA-12", "Tröôøng tieåu hoïc A Löôùi", "1.234,5", "Hoaøn thaønh", "",
    "2", "DA-13", "Ñöôøng giao thoâng xaõ Höông Phong", "55.000", "Ñang thöïc hieän", "Toát",
    "3", "NV-2.1-01", "Nöôùc saïch noâng thoân", "12", "Chaäm tieán ñoä", "TBD",
]  # fmt: skip

UNICODE_SHEET = [
    "STT", "Mã dự án", "Tên dự án", "Tổng mức đầu tư", "Tình trạng", "Ghi chú",
    "1", "DA-12", "Trường tiểu học A Lưới", "1.234,5", "Hoàn thành", "",
    "2", "DA-13", "Đường giao thông xã Hương Phong", "55.000", "Đang thực hiện", "Tốt",
]  # fmt: skip


def test_file_in_tcvn3() -> None:
    assert detect_legacy_in(TCVN3_SHEET) == "tcvn3"
    converted = [convert_legacy(cell, "tcvn3") for cell in TCVN3_SHEET]
    assert converted[1:4] == ["Mã dự án", "Tên dự án", "Tổng mức đầu tư"]
    assert "Đường giao thông xã Hương Phong" in converted
    # A cell too short to tell on its own is still converted once the file is known.
    assert detect_legacy("Hé") is None
    assert "Hộ" in converted
    assert converted[7] == "DA-12" and converted[9] == "1.234,5"


def test_file_in_vni() -> None:
    assert detect_legacy_in(VNI_SHEET) == "vni"
    converted = [convert_legacy(cell, "vni") for cell in VNI_SHEET]
    assert converted[1:4] == ["Mã dự án", "Tên dự án", "Tổng mức đầu tư"]
    assert "Đường giao thông xã Hương Phong" in converted
    assert converted[7] == "DA-12" and converted[9] == "1.234,5"


def test_file_in_unicode_or_ascii() -> None:
    assert detect_legacy_in(UNICODE_SHEET) is None
    assert detect_legacy_in(ORDINARY) is None
    assert detect_legacy_in(["STT", "DA-12", "1.234,5", "Total"] * 1000) is None
    assert detect_legacy_in([]) is None


def test_file_majority_wins() -> None:
    # A TCVN3 file with a title retyped in Unicode is still TCVN3...
    assert detect_legacy_in([*TCVN3_SHEET, "Sở Kế hoạch và Đầu tư"]) == "tcvn3"
    # ...but one stray legacy cell does not make a Unicode file legacy.
    assert detect_legacy_in([*UNICODE_SHEET * 3, "Hoµn thµnh"]) is None


def test_file_accepts_any_iterable_and_skips_non_text() -> None:
    cells = iter([None, 12, 3.5, "DA-12", "Së KÕ ho¹ch vµ §Çu t\u2212"])
    assert detect_legacy_in(cells) == "tcvn3"  # type: ignore[arg-type]
    assert detect_legacy_in(iter(VNI_SHEET)) == "vni"


def test_large_sheet_is_fast() -> None:
    import time

    cells = []
    for row in range(10_000):
        cells += [
            f"DA-{row}",
            f"Dù ¸n sè {row} x· H\u2212¬ng Phong",
            f"{row}.234,5",
            "Hoµn thµnh" if row % 2 else "§ang thùc hiÖn",
            f"Ghi chó {row}",
        ]
    start = time.perf_counter()
    assert detect_legacy_in(cells) == "tcvn3"
    converted = [convert_legacy(cell, "tcvn3") for cell in cells]
    elapsed = time.perf_counter() - start
    assert converted[1] == "Dự án số 0 xã Hương Phong"
    assert elapsed < 10, elapsed  # typically well under a second
