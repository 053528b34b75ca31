"""How each demo agency writes its files: the mess of real submissions.

Each agency has a ``Profile`` (xlsx or CSV, encoding and delimiter, number
text, NFD text, stray spaces, title rows, subtotals, money in tỷ đồng,
percentages as fractions, formulas, hidden sheets, ...), chosen once per
agency so that its files look alike month after month, as real ones do.
``mess_tags`` names the mess a file carries, for the manifest.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from planwatch.catalog.model import Agency, Catalog
from planwatch.demo.seeding import seeded
from planwatch.workbooks.writing import vn_number

CSV_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp1258", "utf-8")

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text the way Windows-1258 stores it.

    Windows-1258 has the letters with circumflex, breve and horn (``â ê ô ă ơ
    ư đ``) but not most toned letters: those are written as the base letter
    followed by a combining tone mark (``ệ`` = ``ê`` + U+0323). Python's
    ``cp1258`` codec does not decompose by itself, so a precomposed ``ệ``
    would fail; this does the decomposition. Raises ``UnicodeEncodeError``
    for a character Windows-1258 cannot hold. Decoding with ``cp1258`` and
    normalising to NFC gives the NFC text back.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def encode_csv(text: str, encoding: str) -> tuple[bytes, str]:
    """(bytes, encoding actually used): cp1258 falls back to UTF-8 if it cannot."""
    if encoding == "cp1258":
        try:
            data = encode_cp1258(text)
            if unicodedata.normalize("NFC", data.decode("cp1258")) == unicodedata.normalize(
                "NFC", text
            ):
                return data, "cp1258"
        except UnicodeError:
            pass
        return text.encode("utf-8"), "utf-8"
    return text.encode(encoding), encoding


@dataclass(frozen=True)
class Profile:
    kind: Literal["xlsx", "csv"]
    encoding: str | None = None
    delimiter: str | None = None
    vn_numbers: bool = False
    dash_for_zero: bool = False
    nfd: bool = False
    spaces: bool = False
    title_rows: bool = True
    subtotals: bool = False
    money_ty: bool = False
    money_decimals: int = 0
    pct_fraction: bool = False
    date_style: Literal["date", "dmy", "dmyy"] = "dmy"
    hidden_sheet: str | None = None
    trailing_rows: int = 0
    formulas: bool = False
    sheet_case: Literal["normal", "upper", "ascii"] = "normal"
    preparer: str = ""
    phone: str = ""
    email: str = ""


_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Hồ", "Tôn Nữ")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thùy")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hương", "Khánh", "Linh", "Long",
          "Nam", "Phương", "Quỳnh", "Sơn", "Thảo", "Thủy", "Trang", "Tuấn", "Vy", "Yến")
_HIDDEN_SHEETS = ("Nháp", "Sheet1", "Tháng trước", "TH cũ")


def _pick(rng: random.Random, pool: Iterable[str], share: float) -> set[str]:
    """A deterministic share of ``pool`` (at least one member if any)."""
    items = sorted(pool)
    rng.shuffle(items)
    k = min(len(items), max(1 if items else 0, round(share * len(items))))
    return set(items[:k])


def agency_profiles(catalog: Catalog, agencies: Sequence[Agency], seed: int) -> dict[str, Profile]:
    codes = [a.agency_code for a in agencies]
    rng = seeded(seed, "profiles")
    order = sorted(codes)
    rng.shuffle(order)
    n_csv = 0 if len(codes) < 2 else min(len(codes) - 1, max(1, round(0.2 * len(codes))))
    csv_codes = order[:n_csv]
    xlsx_codes = [c for c in codes if c not in csv_codes]
    with_projects = [c for c in codes if catalog.projects_of(c)]

    vn_xlsx = _pick(rng, xlsx_codes, 0.25)
    native_xlsx = [c for c in xlsx_codes if c not in vn_xlsx] or xlsx_codes
    csv_encoding = {c: CSV_ENCODINGS[i % len(CSV_ENCODINGS)] for i, c in enumerate(csv_codes)}
    csv_delimiter = {c: (";" if i % 2 == 0 else ",") for i, c in enumerate(csv_codes)}
    nfd = _pick(rng, [c for c in codes if csv_encoding.get(c) != "cp1258"], 0.15)
    spaces = _pick(rng, codes, 0.3)
    no_titles = _pick(rng, codes, 0.3)
    subtotals = _pick(rng, with_projects, 0.35)
    money_ty = _pick(rng, with_projects, 0.1)
    money_dec = _pick(rng, [c for c in with_projects if c not in money_ty], 0.3)
    pct_fraction = _pick(rng, native_xlsx, 0.25)
    formulas = _pick(rng, native_xlsx, 0.35)
    hidden = _pick(rng, xlsx_codes, 0.2)
    trailing = _pick(rng, codes, 0.3)
    sheet_case = _pick(rng, xlsx_codes, 0.1)
    real_dates = _pick(rng, xlsx_codes, 0.5)
    dmyy = _pick(rng, [c for c in codes if c not in real_dates], 0.4)

    profiles = {}
    for code in codes:
        r = seeded(seed, "profile", code)
        is_csv = code in csv_codes
        vn = (
            (csv_delimiter[code] == ";" or csv_codes.index(code) % 3 == 1)
            if is_csv else code in vn_xlsx
        )
        name = f"{r.choice(_FAMILY)} {r.choice(_MIDDLE)} {r.choice(_GIVEN)}"
        profiles[code] = Profile(
            kind="csv" if is_csv else "xlsx",
            encoding=csv_encoding.get(code),
            delimiter=csv_delimiter.get(code),
            vn_numbers=vn,
            dash_for_zero=vn and r.random() < 0.6,
            nfd=code in nfd,
            spaces=code in spaces,
            title_rows=code not in no_titles and (not is_csv or r.random() < 0.5),
            subtotals=code in subtotals,
            money_ty=code in money_ty,
            money_decimals=1 if code in money_dec else 0,
            pct_fraction=code in pct_fraction,
            date_style="date" if code in real_dates else ("dmyy" if code in dmyy else "dmy"),
            hidden_sheet=r.choice(_HIDDEN_SHEETS) if code in hidden else None,
            trailing_rows=r.randint(5, 30) if code in trailing else 0,
            formulas=code in formulas,
            sheet_case=r.choice(("upper", "ascii")) if code in sheet_case else "normal",
            preparer=name,
            phone=f"0234.{r.randint(3820, 3899)}.{r.randint(100, 999)}",
            email=email_of(catalog, catalog.agency(code)),
        )
    return profiles


def money_unit_vi(profile: Profile) -> str:
    """The money unit the agency's headers name."""
    return "tỷ đồng" if profile.money_ty else "triệu đồng"


def email_of(catalog: Catalog, agency: Agency) -> str:
    """The agency's focal-point address from the catalog, else a made-up one
    under the reserved ``.example`` domain."""
    if agency.contact_email:
        return agency.contact_email
    local = agency.agency_code.lower().replace("_", "").replace("-", "")
    return f"{local}@{catalog.plan_code.lower()}.example"


class Texts:
    """Text mess of one file: NFD, stray spaces and NBSP."""

    def __init__(self, profile: Profile, rng: random.Random) -> None:
        self.profile = profile
        self.rng = rng

    def __call__(self, text: str, *, code: bool = False) -> str:
        if self.profile.spaces:
            r = self.rng.random()
            if code:
                if r < 0.12:
                    text = text + self.rng.choice((" ", "\u00a0", "  "))
            elif r < 0.08:
                text = " " + text
            elif r < 0.16:
                text = text + self.rng.choice((" ", "\u00a0"))
            elif r < 0.24 and " " in text:
                text = text.replace(" ", "\u00a0", 1)
        if self.profile.nfd:
            text = unicodedata.normalize("NFD", text)
        return text


def number_text(value: Decimal, profile: Profile, money: bool) -> str:
    if value == 0 and profile.dash_for_zero and money:
        return "-"
    if profile.vn_numbers:
        return vn_number(value)
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def date_value(value: dt.date, profile: Profile, csv_file: bool) -> Any:
    if profile.date_style == "date" and not csv_file:
        return value
    if profile.date_style == "dmyy":
        return f"{value.day}/{value.month}/{value.strftime('%y')}"
    return value.strftime("%d/%m/%Y")


def mess_tags(profile: Profile, templates: set[str], kind: str) -> list[str]:
    tags = []
    if profile.vn_numbers:
        tags.append("vn_number_text")
    if profile.dash_for_zero and "disbursement" in templates:
        tags.append("dash_for_zero")
    if profile.nfd:
        tags.append("nfd_text")
    if profile.spaces:
        tags.append("stray_spaces_nbsp")
    tags.append("title_rows" if profile.title_rows else "no_title_rows")
    if "disbursement" in templates:
        if profile.subtotals:
            tags.append("subtotal_rows")
        if profile.money_ty:
            tags.append("money_ty_dong")
        if profile.money_decimals:
            tags.append("money_decimals")
    if "tasks" in templates:
        if profile.date_style == "date" and kind == "xlsx":
            tags.append("dates_real")
        else:
            tags.append("dates_text_" + profile.date_style)
    if kind == "xlsx":
        if profile.pct_fraction and not profile.vn_numbers:
            tags.append("percent_fraction")
        if profile.formulas and not profile.vn_numbers:
            tags.append("formulas_cached")
        if profile.hidden_sheet:
            tags.append("hidden_sheet")
        if profile.sheet_case != "normal":
            tags.append(f"sheet_names_{profile.sheet_case}")
    if profile.trailing_rows:
        tags.append("trailing_empty_rows")
    return tags
