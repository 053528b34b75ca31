"""Checks of the hand-curated plan catalog (catalog/*.csv) against the plan text.

The files ``catalog/plan_*.csv`` were written by reading
``docs/plan/ke-hoach-hanh-dong-2024.txt`` (Kế hoạch hành động 2024 của UBND tỉnh
Thừa Thiên Huế thực hiện Nghị quyết 01/NQ-CP). These tests pin what was read, so
that an edit that breaks a code, a reference or a verbatim quote fails here.

Curation rules (decisions made while reading the plan)
------------------------------------------------------
The text as read (READING_TEXT, SECTION_TEXT)

* The PDF extraction put a page number ("4", in II.2.1) and the eight
  footnote blocks inside the running text, and glued each footnote's
  reference mark to the word before it. Every quote in the seeds is checked
  against READING_TEXT: the plan text after whitespace collapse and NFC, with
  exactly those spans cut out. They are listed one by one, not found by a
  pattern: PAGE_NUMBERS (the words around the page number), FOOTNOTE_BLOCKS
  (first and last words of each block, each part pinned to line boundaries of
  the extracted file; footnote 3 runs over a page break, so it has two parts)
  and FOOTNOTE_MARKERS ("có lợi thế1." -> "có lợi thế.", "năm 20244 và" ->
  "năm 2024 và", "(KH&CN)5.", "tỉnh8 về", one per footnote 1-8; a mark is not
  part of the sentence, so no seed text carries one). GLUED_DIGITS (digits
  right after a lower-case letter, ")" or "2024") is the rule that proves the
  marker list complete: it finds those eight in the plan and nothing else
  ("QH15", "Chỉ số B1" are upper-case names). Nothing else is normalised, so
  any other difference from the plan fails.
* SECTION_TEXT splits READING_TEXT at its headings (SECTION_HEADINGS); a
  footnote is read with the section that carries its mark (footnote 2, the
  tourism projects, with II.2.2). Every task description and project name is
  checked to come from the text of its own ``section``.

Tasks (plan_tasks.csv)

* One task per bullet ("-" or "+") or per un-bulleted paragraph of sections
  II.1 and II.2-II.9 (e.g. II.2.6's second paragraph, II.3.5's "Tiếp tục triển
  khai thực hiện nội dung các Đề án", II.4.2's "Đồng thời, ..."). A "-" bullet
  that introduces "+" sub-bullets (II.4.2) is a task, and so is each "+".
  Each task lies inside the text of its section (SECTION_TEXT).
* Section C (Tổ chức thực hiện) has tasks too, coded NV-C.<n>-NN (the task
  code pattern was extended for them: ``NV-(<d>[.<d>]|C.<d>)-NN``): one per
  paragraph that assigns a deliverable to a body, and per body where a
  paragraph assigns two:
    - NV-C.1-01: the agencies' own plans, reported to UBND tỉnh and sent to
      SKHDT and CTK "trước ngày 30/01/2024". Lead SKHDT, as for II.2.8 (the
      same kind of all-agency item; SKHDT compiles it).
    - NV-C.3-01 (SKHDT follows, evaluates and reports on the whole plan) and
      NV-C.3-02 (VPUBND follows the progress of assigned tasks): C.3's two
      sentences, one per body.
    - NV-C.4-01: STTTT publicises the plan.
  C.2 (every agency reports quarterly/monthly to SKHDT "trước ngày 20 hàng
  tháng") is not a task: it is the monthly report itself, which planwatch
  receives as submissions. C.5 (propose amendments "nếu thấy cần") is
  conditional, with no deliverable, and is not a task either.
* ``description_vi`` is the bullet verbatim in READING_TEXT, with a trailing
  ";" / ":" dropped (so without footnote marks: "có lợi thế.", "năm 2024 và").
  Within a subsection, tasks are numbered 01, 02, ... in the order of the text.
* Five bullets are cut by a page footer (the page number "4" or a footnote
  block) in the extracted text. Each is ONE task whose description joins the
  parts across the footer, so none of its words is lost: NV-2.1-09 (PCI,
  "Phát triển mạnh mẽ hệ sinh thái khởi nghiệp đổi mới sáng tạo.", Quỹ đầu tư
  khởi nghiệp), NV-2.4-04 (aquaculture and fishing fleet, IUU), NV-4.1-04
  (Trường-Viện, "Hỗ trợ Bệnh viện Trung ương Huế ...", Viện Công nghệ sinh
  học), NV-5.2-04 ("duy trì tốt đạo đức, lối sống và nền nếp học sinh"),
  NV-6.1-01 (PAPI/PAR/ICT "trong nhóm 10 địa phương dẫn đầu cả nước", PCI,
  DTI). The old catalog stored each as two tasks; the first code is kept and
  the second (NV-2.1-10, NV-2.4-05, NV-4.1-05, NV-5.2-05, NV-6.1-02) is
  retired: never reused, and the tasks after it keep their codes, so a
  subsection's numbers have a gap there. Stable codes matter more than gap-free
  numbering (submissions quote the codes).
* Lead agency = the "X chủ trì" of the subsection heading. Special cases:
    - II.1 (Nhiệm vụ trọng tâm): SKHDT, is_key_task=true.
    - II.2.8 (all departments and localities draw up their own plans): SKHDT,
      which section C.3 charges with following the whole plan.
    - II.8 (UBND các huyện, thị xã và thành phố Huế): the paragraph is repeated
      once per district People's Committee (NV-8-01..09), so each of the nine
      has a task.
    - II.9.1 names three agencies together: one task per agency (SKHDT,
      BQLKKT, BQLDAXD), same paragraph.
    - II.9.x (dự án trọng điểm) tasks are is_key_task=true like II.1; all
      other tasks are false.
* ``deadline_text`` is the phrase of the bullet that says when its deliverable
  is due ("trước quý III/2024", "cuối năm 2024", "trước ngày 30/01/2024") or
  dates the deliverable to the plan year ("năm 2024", "2024" in "Festival Huế
  2024", "hàng tháng, quý, 6 tháng và năm 2024"). Programme horizons ("giai
  đoạn 2021-2025", "đến năm 2030") and dates of legal documents are not
  deadlines.

Indicators (plan_indicators.csv)

* Every target the text states with a number. Section B.I states none (A Lưới
  leaving the poor-district list "trước quý III/2024" is a task, not a number);
  the plan gives no figure for GRDP, budget revenue ("hoàn thành và vượt mức dự
  toán thu" has no number), exports, etc., so those are not indicators.
  Categorical targets (PCI "Nhóm tốt", urban grade I/IV/V) are not indicators.
  C.2 mentions "các chỉ tiêu tại các Phụ lục số 1, số 2": those appendices are
  not in the text, so the catalog has only the targets of the plan's body.
* Bounds, from the wording:
    - "trên X", "từ X trở lên", "giảm trên X%": target_low = X, high empty.
    - "dưới X": target_high = X, low empty, lower_is_better.
    - "X - Y", "X-Y": low = X, high = Y.
    - a point ("đạt X", "khoảng X", "có thêm X", "100%"): low = high = X.
* Direction: higher_is_better when more is better, even for a range or point
  (tourists 3.5-4 million, new cooperatives 5-7, OCOP 30, FSC forest 1,500 ha);
  within_range only where the plan says "ổn định" a level without "trên"
  (rice about 53,000 ha, aquaculture 7,850 ha), i.e. overshooting is not the
  aim; target_tolerance gives the band around the point. lower_is_better for
  the poor-household rate and for rankings (unit "thứ hạng": PAPI, PAR Index and
  ICT in the top 10, DTI in the top 5 -> target_high = 10 / 5).
* ``target_tolerance`` (a fraction) is set for approximate targets only: the
  figure follows "khoảng" (tourists "khoảng 3,5 - 4 triệu", rice "khoảng
  53.000 ha", FSC forest "có thêm khoảng 1.500 ha") or "ổn định ... đạt X" with
  no "trên"/"dưới" (aquaculture 7,850 ha): CT-02, CT-04, CT-09, CT-10. It is
  empty for exact targets: "trên X", "dưới X", a range without "khoảng"
  (5-7 HTX), a count (30 OCOP products), 100 %, and the rankings (DTI "xếp
  ổn định trong nhóm Top 5" is a bound on the rank, not an approximate
  figure; grain area "Ổn định ... đạt trên 55.000 ha" is a floor). Attainment
  reads it as low*(1-t) <= value <= high*(1+t) (within_range), value >=
  low*(1-t) (higher_is_better), value <= high*(1+t) (lower_is_better).
  The value is 0.05 (±5 %) for every approximate target. The plan states no
  band; this is a curation choice: the figures are rounded (53.000, 7.850,
  1.500, "3,5 - 4"), so the plan's own rounding is at most about ±1-2 %, and
  5 % adds room for the gap between an estimate and the final statistics of a
  sown or farmed area or a tourist count, while a shortfall that a reader
  would call a miss (50,000 ha of rice against "khoảng 53.000") still fails.
  One value for all approximate targets keeps the judgement predictable; an
  exact-looking zero-width range for "khoảng" (the old catalog) counted only
  the exact figure as attained.
* Traffic deaths "giảm trên 5%" -> indicator "Mức giảm số người chết do tai nạn
  giao thông so với năm trước", unit "%", higher_is_better, low = 5. (The plan
  misspells "tại nạn"; target_text keeps the plan's spelling.)
* Lead = lead of the subsection where the target is stated.

Projects (plan_projects.csv)

* is_key_project=true for every project the plan calls "dự án trọng điểm":
  the lists of II.9 (II.3.3's "các dự án trọng điểm như" is the same list as
  II.9.2) and the "dự án du lịch trọng điểm" of footnote 2 (II.2.2: Hải
  Dương, Vinconstec-Huế, nhà rường Huế, Hue Spirit Sanctuary, Thác Trượt, Lee
  House, Lộc Bình, Cồn Sơn, and the Vinh Xuân golf course, which II.9.1 also
  lists). false for projects named elsewhere as "dự án"/"công trình" (the
  industrial clusters of II.2.3, the Vsico Chân Mây berths of II.2.7, the
  health facilities of II.5.4, the drug rehabilitation facility of II.5.5, and
  the investment items below). A project named twice is listed once, under
  II.9 if it is key. Key projects are coded first (DA-01..DA-30); items added
  later get the next free codes.
* A project is a "dự án"/"công trình" the plan names, or a specific named
  facility it asks to invest in or build even without those words ("đầu tư
  hạ tầng", "xây dựng", "các bước đầu tư"): Khu công nghệ thông tin tập trung
  (DA-44), Trung tâm OCOP miền Trung tại Huế (DA-45), Bảo tàng Thiên nhiên
  duyên hải miền Trung (DA-46), Viện Công nghệ sinh học (DA-47). Not projects:
  an organisation to form ("hình thành Trung tâm khởi nghiệp đổi mới sáng tạo
  và xúc tiến đầu tư tỉnh"), something to make use of ("phát huy giá trị Bảo
  tàng ...", "Phát huy vai trò chuỗi Công viên phần mềm Quang Trung"), a
  technology or software upgrade of a running system (Trung tâm Giám sát,
  điều hành đô thị thông minh "theo hướng bổ sung công nghệ mới", nền tảng
  Hue-S), a quality goal ("Xây dựng Trường THPT Chuyên Quốc học Huế trở thành
  điểm sáng"), and unnamed kinds of works ("các trạm y tế xã", "một số tuyến
  đường nội thị", "các công trình trong căn cứ chiến đấu", "các dự án chỉnh
  trang phát triển đô thị"). These stay within their tasks.
* Lead in II.9.1, which names three agencies for all its projects together:
  the agency the plan charges with that project elsewhere. BQLKKT for the
  projects in the economic zone / industrial parks that II.2.7 follows
  (Kanglongda, Kim Long Motors, the Lăng Cô resorts, the four industrial
  parks; II.2.3 also names some of them, but BQLKKT manages the zones and
  II.2.7 is the bullet that follows their progress); SCT for Aeon Mall Huế
  (II.2.3 "Hỗ trợ dự án đầu tư phát triển dịch vụ thương mại như Trung tâm
  thương mại Aeon Mall Huế"); SDL for the golf course at Vinh Xuân (footnote
  2 of II.2.2); BQLDAXD for the An Vân Dương new urban area (its own remit,
  II.3.4). SKHDT, the third agency of II.9.1, follows them all (task
  NV-9.1-01) and leads none. II.9.2 -> SGTVT, II.9.3 -> UBND_HUE. Non-key
  projects -> lead of the subsection naming them; where two subsections name
  one, the one whose lead builds it rather than coordinates: Khu công nghệ
  thông tin tập trung -> STTTT (II.4.2 "Tiếp tục triển khai xây dựng phát
  triển", where II.4.1 has SKHCN "phối hợp" to raise the capital), Viện Công
  nghệ sinh học -> DHH (II.5.3 "Thực hiện các bước đầu tư", where II.4.1 has
  SKHCN work with Đại học Huế on its Đề án).
* ``funding``: private for a private investor's project that the plan follows
  (no public capital to disburse), public for a public-investment project.
  From the text first: private where the plan frames the province's part as
  supporting the investor - II.9.1 "hỗ trợ nhà đầu tư triển khai thực hiện các
  dự án trọng điểm" (factories, the mall, the golf course, the resorts, the
  industrial parks, whose "nhà đầu tư hạ tầng" II.2.7 names as such), II.2.2
  "Hỗ trợ nhà đầu tư ... các dự án du lịch trọng điểm" (footnote 2), II.2.3
  "Hỗ trợ dự án đầu tư ...; các dự án đầu tư xây dựng hạ tầng kỹ thuật cụm
  công nghiệp" (the clusters), and II.2.7's berths "của Công ty CP Hàng Hải
  Vsico". Public where a provincial body builds or disburses: the roads, the
  breakwater (II.9.2, with central agencies), the city's water project and
  the Citadel conservation (II.9.3), the public health facilities (II.5.4),
  the drug rehabilitation facility (II.5.5), and the facilities the province
  raises capital for or builds (II.4.1 "huy động nguồn lực đầu tư hạ tầng",
  "xây dựng Bảo tàng", II.4.2, II.5.3). Where the text says nothing, by
  the nature of the project: a factory, resort, tourist area, mall, golf
  course or a park's infrastructure run as a business by a named investor is
  private; roads, dykes, hospitals, schools, museums built by the province are
  public. The An Vân Dương item of II.9.1 is public: it sits in the
  "hỗ trợ nhà đầu tư" list, but its lead BQLDAXD is the public investor there
  and II.3.4 charges it with "giải ngân các dự án đầu tư công". The test
  checks the framing phrases and that each name's kind (PRIVATE_KINDS /
  PUBLIC_KINDS) agrees with its funding.
* district_code only when a place name in the project's name (or the text
  around it) puts it in one district: Lăng Cô / Chân Mây -> PHULOC, Vinh Xuân,
  Phú Diên -> PHUVANG, Phú Bài -> HUONGTHUY, Phong Điền / Điền Lộc -> PHONGDIEN,
  Hải Dương, Bình Thành, Bình Điền -> HUONGTRA, Lộc Bình -> PHULOC, An Vân Dương
  and "thành phố Huế" -> HUE. Empty for roads spanning several districts (ven
  biển, vành đai 3, Tố Hữu nối dài, khu B An Vân Dương - Phú Đa) and where the
  text gives no place ("Huế" alone names the province as often as the city).

Agencies (plan_agencies.csv)

* Every lead of II.2-II.9 (25 provincial bodies) plus the People's Committees of
  the nine district-level units, plus two bodies the plan gives a role of
  their own in a heading or in section C. ``section`` is where a lead is
  first named as lead (UBND_HUE: II.3.1; other districts: II.8, although
  II.2.7 names UBND huyện Phú Lộc earlier as a partner), and where the other
  two are named with their role (BDBP: II.7.2, CTK: C.1).
* ``role``: lead for every body that leads at least one task, indicator or
  project (it reports monthly; SKHDT, which also compiles the reports, is a
  lead because it leads tasks). The two others lead nothing and owe no report:
    - BDBP (Bộ Chỉ huy Bộ đội Biên phòng tỉnh): coordinator. The II.7.2
      heading has BCHQS "chủ trì, phối hợp Bộ Chỉ huy Bộ đội Biên phòng tỉnh";
      the border bullet (NV-7.2-02) is its remit, but the lead is BCHQS.
    - CTK (Cục Thống kê tỉnh): receiver. C.1 has the agencies send their plans
      to "Sở Kế hoạch và Đầu tư và Cục Thống kê tỉnh tổng hợp".
  Bodies named only inside a bullet as partners or beneficiaries (Trường Đại
  học Y-Dược Huế, Bệnh viện Trung ương Huế, Hiệp hội du lịch tỉnh, Bộ Ngoại
  giao, Bộ Kế hoạch và Đầu tư that receives SKHDT's report in C.3, ...) are
  not agencies of the catalog. Contacts are empty: the plan names none.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "catalog"
PLAN = ROOT / "docs" / "plan" / "ke-hoach-hanh-dong-2024.txt"

HEADERS = {
    "plans.csv": [
        "plan_code", "issuer_code", "issuer_name_vi", "issuer_kind", "year", "decision_number",
        "decision_date", "title_vi", "basis_vi", "monitoring_agency_code", "source_document"],
    "plan_agencies.csv": [
        "plan_code", "agency_code", "name_vi", "short_name_vi", "kind", "role", "section",
        "district_code", "contact_name", "contact_email", "contact_phone"],
    "plan_districts.csv": [
        "plan_code", "district_code", "name_vi", "kind", "agency_code", "section"],
    "plan_tasks.csv": [
        "plan_code", "task_code", "lead_agency_code", "section", "description_vi",
        "deadline_text", "is_key_task"],
    "plan_indicators.csv": [
        "plan_code", "indicator_code", "name_vi", "unit", "target_low", "target_high",
        "target_tolerance", "direction", "lead_agency_code", "section", "target_text"],
    "plan_projects.csv": [
        "plan_code", "project_code", "name_vi", "lead_agency_code", "is_key_project", "funding",
        "section", "district_code"],
}
CODE_COLUMN = {
    "plans.csv": "plan_code",
    "plan_agencies.csv": "agency_code",
    "plan_districts.csv": "district_code",
    "plan_tasks.csv": "task_code",
    "plan_indicators.csv": "indicator_code",
    "plan_projects.csv": "project_code",
}
# Agency codes also appear in inbox file names (<AGENCY>_<YYYY-MM>_<mẫu>.csv),
# whose pattern allows "_" followed by letters only.
CODE_PATTERN = {
    "plans.csv": re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$"),
    "plan_agencies.csv": re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z]+)*$"),
    "plan_districts.csv": re.compile(r"^[A-Z]+$"),
    # NV-<II subsection>-NN, and NV-C.<n>-NN for section C (Tổ chức thực hiện)
    "plan_tasks.csv": re.compile(r"^NV-(?:\d+(?:\.\d+)?|C\.\d+)-\d{2}$"),
    "plan_indicators.csv": re.compile(r"^CT-\d{2}$"),
    "plan_projects.csv": re.compile(r"^DA-\d{2}$"),
}
SECTION_PATTERN = re.compile(r"^(?:I|II\.\d+(?:\.\d+)?|C\.\d+)$")

DISTRICT_AGENCIES = {
    "UBND_HUE": "HUE",
    "UBND_HUONGTHUY": "HUONGTHUY",
    "UBND_HUONGTRA": "HUONGTRA",
    "UBND_PHONGDIEN": "PHONGDIEN",
    "UBND_QUANGDIEN": "QUANGDIEN",
    "UBND_PHUVANG": "PHUVANG",
    "UBND_PHULOC": "PHULOC",
    "UBND_NAMDONG": "NAMDONG",
    "UBND_ALUOI": "ALUOI",
}

# Tasks per subsection, counted by hand in the plan (a bullet cut by a page
# footer counts once).
TASKS_PER_SUBSECTION = {
    "1": 4, "2.1": 11, "2.2": 7, "2.3": 6, "2.4": 10, "2.5": 2, "2.6": 3, "2.7": 3,
    "2.8": 1, "3.1": 1, "3.2": 4, "3.3": 1, "3.4": 1, "3.5": 7, "4.1": 6, "4.2": 8,
    "5.1": 10, "5.2": 9, "5.3": 4, "5.4": 6, "5.5": 6, "6.1": 3, "6.2": 4, "6.3": 1,
    "6.4": 2, "7.1": 3, "7.2": 3, "7.3": 3, "8": 9, "9.1": 3, "9.2": 1, "9.3": 1,
    "C.1": 1, "C.3": 2, "C.4": 1,
}
# Codes that were given out once and are never reused: the second halves of the
# five bullets that the old catalog stored as two tasks (see docs/catalog-changes.md).
RETIRED_TASK_CODES = {"NV-2.1-10", "NV-2.4-05", "NV-4.1-05", "NV-5.2-05", "NV-6.1-02"}
# The "X chủ trì" of each subsection with a single lead.
SUBSECTION_LEAD = {
    "1": "SKHDT", "2.1": "SKHDT", "2.2": "SDL", "2.3": "SCT", "2.4": "SNNPTNT",
    "2.5": "STC", "2.6": "CTHUE", "2.7": "BQLKKT", "2.8": "SKHDT", "3.1": "UBND_HUE",
    "3.2": "SXD", "3.3": "SGTVT", "3.4": "BQLDAXD", "3.5": "STNMT", "4.1": "SKHCN",
    "4.2": "STTTT", "5.1": "SVHTT", "5.2": "SGDDT", "5.3": "DHH", "5.4": "SYT",
    "5.5": "SLDTBXH", "6.1": "SNV", "6.2": "VPUBND", "6.3": "TTRA", "6.4": "STP",
    "7.1": "SNGV", "7.2": "BCHQS", "7.3": "CAT", "9.2": "SGTVT", "9.3": "UBND_HUE",
    "C.1": "SKHDT", "C.4": "STTTT",
}

N_AGENCIES = 36
N_TASKS = 147
N_INDICATORS = 17
N_PROJECTS = 47
N_KEY_PROJECTS = 30
N_PRIVATE_PROJECTS = 25


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


PLAN_RAW = PLAN.read_text(encoding="utf-8")
PLAN_TEXT = _collapse(PLAN_RAW)

# ------------------------------------------------ the plan text as it reads
# The PDF extraction put a page number and the footnote blocks inside the running
# text, and glued the footnote marks to words. Each is listed here by the exact
# words where it sits in PLAN_TEXT, and READING_TEXT is PLAN_TEXT with exactly
# these cut out; nothing else is changed, so a quote that differs from the plan
# anywhere else still fails.

# (words before, page number, words after): the bare page-number line(s).
PAGE_NUMBERS = [
    ("hệ sinh thái khởi nghiệp đổi mới sáng", "4", "tạo. Phát huy hiệu quả Quỹ"),
]
# footnote number -> (first words, last words) of each part of its text block;
# footnote 3 runs over a page break, so it has two parts.
FOOTNOTE_BLOCKS = {
    "1": [("1 Như: Sản phẩm du lịch văn hóa tâm linh", "du lịch sinh thái, du lịch đầm phá,...")],
    "2": [("2 Dự án Khu du lịch sinh thái biển Hải Dương", "tại xã Vinh Xuân, huyện Phú Vang,…")],
    "3": [("3 Như: Công nghiệp hỗ trợ dệt may", "kính cao cấp,…); công nghiệp công nghệ"),
          ("thông tin và công nghiệp phần mềm; công nghiệp dược liệu",
           "gắn với trung tâm y tế chuyên sâu của vùng, cả nước.")],
    "4": [("4 Như: Đề án khung các nhiệm vụ bảo tồn nguồn gen",
           "vào hoạt động của các cơ quan hành chính nhà nước tỉnh,...")],
    "5": [("5 Như: Kế hoạch triển khai Chương trình quốc gia hỗ trợ doanh nghiệp",
           "hệ sinh thái khởi nghiệp đổi mới sáng tạo trên địa bàn tỉnh Thừa Thiên Huế,...")],
    "6": [("6 Xây dựng và triển khai thành công “Chương trình Ứng dụng",
           "phát triển bền vững kinh tế thủy sản vùng đầm phá tỉnh Thừa Thiên Huế”.")],
    "7": [("7 như: Đề án tăng cường điều kiện và nâng cao chất lượng",
           "Văn hóa địa phương trong chương trình giáo dục mầm non trên địa bàn tỉnh.")],
    "8": [("8 Nghị quyết số 30/2021/NQ-HĐND ngày 26/4/2021",
           "đi làm việc ở nước ngoài theo hợp đồng, giai đoạn 2021 - 2025,…")],
}

# footnote number -> (words before, words after) its reference mark, which the
# extraction glued to the word before it ("có lợi thế1.", "năm 20244 và" =
# "năm 2024" + mark 4). READING_TEXT drops the mark (and only the mark).
FOOTNOTE_MARKERS = {
    "1": ("có lợi thế", "."),
    "2": ("du lịch trọng điểm", "."),
    "3": ("cạnh tranh của tỉnh", "."),
    "4": ("của ngành năm 2024", " và"),
    "5": ("(KH&CN)", "."),
    "6": ("các ngành, lĩnh vực", "."),
    "7": ("hiệu quả các Đề án", "."),
    "8": ("hỗ trợ của tỉnh", " về"),
}
# The rule that finds the marks (used to prove FOOTNOTE_MARKERS complete and to
# check the seeds): digits right after a lower-case letter, a ")" or the year
# 2024, with no space between, and before a space or punctuation. Upper-case
# letters are excluded on purpose: "38/2021/QH15" and "Chỉ số B1" are names.
GLUED_DIGITS = re.compile(r"([^\W\d_]|\)|2024)(\d+)(?=[\s.,;:]|$)")


def _glued_marks(text: str) -> list[tuple[int, str]]:
    return [(m.start(2), m.group(2)) for m in GLUED_DIGITS.finditer(text)
            if m.group(1) in (")", "2024") or m.group(1).islower()]


def _once(text: str, fragment: str) -> int:
    assert text.count(fragment) == 1, (fragment, text.count(fragment))
    return text.index(fragment)


def _footnote_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for number, parts in FOOTNOTE_BLOCKS.items():
        for first, last in parts:
            start = _once(text, first)
            end = text.index(last, start) + len(last)
            spans.setdefault(number, []).append((start, end))
    return spans


def _reading_text(text: str) -> str:
    for before, number, after in PAGE_NUMBERS:
        text = text.replace(f"{before} {number} {after}", f"{before} {after}")
    for number, (before, after) in FOOTNOTE_MARKERS.items():
        text = text.replace(f"{before}{number}{after}", f"{before}{after}")
    cuts = sorted(span for parts in _footnote_spans(text).values() for span in parts)
    for start, end in reversed(cuts):
        text = text[:start] + text[end:]
    return _collapse(text)


READING_TEXT = _reading_text(PLAN_TEXT)
FOOTNOTE_TEXT = {
    number: " ".join(PLAN_TEXT[start:end] for start, end in parts)[len(number) + 1:]
    for number, parts in _footnote_spans(PLAN_TEXT).items()
}

# The headings of READING_TEXT, in order: (section, first words). A section's
# text runs from its heading to the next one; chapter headings ("II.2", ...)
# only end the section before them. "end" is the signature block.
SECTION_HEADINGS = [
    ("A", "A. MỤC ĐÍCH, YÊU CẦU"), ("B", "B. MỤC TIÊU VÀ TRỌNG TÂM CHỈ ĐẠO"),
    ("I", "I. MỤC TIÊU PHÁT TRIỂN"), ("II", "II. NHIỆM VỤ VÀ GIẢI PHÁP CHỦ YẾU"),
    ("II.1", "1. Nhiệm vụ trọng tâm năm 2024"),
    ("II.2", "2. Nhiệm vụ, giải pháp cụ thể về phát triển kinh tế"),
    ("II.2.1", "2.1. Sở Kế hoạch và Đầu tư chủ trì"), ("II.2.2", "2.2. Sở Du lịch chủ trì"),
    ("II.2.3", "2.3. Sở Công Thương chủ trì"), ("II.2.4", "2.4. Sở Nông nghiệp và Phát triển"),
    ("II.2.5", "2.5. Sở Tài chính chủ trì"), ("II.2.6", "2.6. Cục Thuế tỉnh chủ trì"),
    ("II.2.7", "2.7. Ban Quản lý Khu kinh tế, công nghiệp tỉnh:"),
    ("II.2.8", "2.8 Các Sở, ban, ngành, các cơ quan"),
    ("II.3", "3. Nhiệm vụ, giải pháp về phát triển đô thị"),
    ("II.3.1", "3.1. Uỷ ban nhân dân thành phố Huế:"), ("II.3.2", "3.2. Sở Xây dựng chủ trì"),
    ("II.3.3", "3.3. Sở Giao thông vận tải chủ trì"),
    ("II.3.4", "3.4. Ban Quản lý dự án Đầu tư xây dựng"),
    ("II.3.5", "3.5. Sở Tài nguyên và Môi trường chủ trì"),
    ("II.4", "4. Nhiệm vụ, giải pháp về phát triển khoa học"),
    ("II.4.1", "4.1. Sở Khoa học và Công nghệ chủ trì"),
    ("II.4.2", "4.2. Sở Thông tin và Truyền thông chủ trì"),
    ("II.5", "5. Nhiệm vụ, giải pháp về phát triển toàn diện"),
    ("II.5.1", "5.1. Sở Văn hóa và Thể thao chủ trì"),
    ("II.5.2", "5.2. Sở Giáo dục và Đào tạo chủ trì"),
    ("II.5.3", "5.3. Đại học Huế:"), ("II.5.4", "5.4. Sở Y tế chủ trì"),
    ("II.5.5", "5.5. Sở Lao động, Thương binh và Xã hội chủ trì"),
    ("II.6", "6. Nhiệm vụ về cải cách hành chính"), ("II.6.1", "6.1. Sở Nội vụ chủ trì"),
    ("II.6.2", "6.2. Văn phòng Uỷ ban nhân dân tỉnh chủ trì"),
    ("II.6.3", "6.3. Thanh tra tỉnh chủ trì"),
    ("II.6.4", "6.4. Sở Tư pháp chủ trì"), ("II.7", "7. Nhiệm vụ về công tác đối ngoại"),
    ("II.7.1", "7.1. Sở Ngoại vụ chủ trì"), ("II.7.2", "7.2. Bộ Chỉ huy Quân sự tỉnh chủ trì"),
    ("II.7.3", "7.3. Công an tỉnh chủ trì"), ("II.8", "8. Ủy ban nhân dân các huyện, thị xã"),
    ("II.9", "9. Các dự án trọng điểm"), ("II.9.1", "9.1. Sở Kế hoạch và Đầu tư, Ban Quản lý"),
    ("II.9.2", "9.2. Sở Giao thông vận tải chủ trì"),
    ("II.9.3", "9.3. UBND thành phố Huế theo dõi"),
    ("C", "C. TỔ CHỨC THỰC HIỆN"), ("C.1", "1. Các Sở, ban, ngành, đơn vị và địa phương căn cứ"),
    ("C.2", "2. Các Sở, ban, ngành, địa phương thường xuyên theo dõi"),
    ("C.3", "3. Sở Kế hoạch và Đầu tư chủ trì, phối hợp với các sở, ban, ngành, đơn vị"),
    ("C.4", "4. Sở Thông tin và Truyền thông chủ trì, phối hợp với các cơ quan thông tấn"),
    ("C.5", "5. Trong quá trình tổ chức thực hiện Kế hoạch này"), ("end", "Nơi nhận:"),
]
# Footnotes are read with the section whose text carries their mark.
FOOTNOTE_SECTION = {"1": "II.2.2", "2": "II.2.2", "3": "II.2.3", "4": "II.4.1", "5": "II.4.1",
                    "6": "II.4.1", "7": "II.5.2", "8": "II.5.5"}


def _section_texts() -> dict[str, str]:
    starts = [_once(READING_TEXT, heading) for _, heading in SECTION_HEADINGS]
    assert starts == sorted(starts)
    ends = starts[1:] + [len(READING_TEXT)]
    texts = {section: READING_TEXT[start:end].strip()
             for (section, _), start, end in zip(SECTION_HEADINGS, starts, ends, strict=True)}
    for number, section in FOOTNOTE_SECTION.items():
        texts[section] += " " + FOOTNOTE_TEXT[number]
    return texts


SECTION_TEXT = _section_texts()


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    raw = (SEEDS / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM"
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    return header, rows


PLAN_CODE = "TTH-2024"  # the plan of the text; other plans' rows are not its business


def rows(name: str) -> list[dict[str, str]]:
    """The shipped plan's rows of a seed (a catalog may hold other plans too)."""
    return [r for r in _read(name)[1] if r["plan_code"] == PLAN_CODE]


def by_code(name: str) -> dict[str, dict[str, str]]:
    return {r[CODE_COLUMN[name]]: r for r in rows(name)}


def _subsection(task_code: str) -> str:
    return task_code.split("-")[1]


def _task_section(task_code: str) -> str:
    sub = _subsection(task_code)
    return sub if sub.startswith("C.") else f"II.{sub}"


def _vi_number(value: str) -> str:
    """55000 -> '55.000', 1.76 -> '1,76', as the plan writes numbers."""
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}".replace(",", ".")
    return value.replace(".", ",")


# ---------------------------------------------------------------- shape


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header_exact(name):
    header, _ = _read(name)
    assert header == HEADERS[name]


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_cells_are_nfc_and_trimmed(name):
    for row in rows(name):
        for column, value in row.items():
            assert value == unicodedata.normalize("NFC", value), (name, column, value)
            assert value == value.strip(), (name, column, value)
            assert "\n" not in value and "  " not in value, (name, column, value)


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_codes_unique_ascii_upper(name):
    codes = [r[CODE_COLUMN[name]] for r in rows(name)]
    assert len(codes) == len(set(codes)), [c for c, n in Counter(codes).items() if n > 1]
    for code in codes:
        assert code.isascii() and code == code.upper(), code
        assert CODE_PATTERN[name].match(code), code


@pytest.mark.parametrize("name", sorted(set(HEADERS) - {"plans.csv"}))
def test_every_row_has_a_section(name):
    for row in rows(name):
        assert row["section"], row
        assert SECTION_PATTERN.match(row["section"]), row["section"]


def test_enumerations():
    assert {r["kind"] for r in rows("plan_agencies.csv")} <= {
        "department", "board", "provincial_agency", "central_agency", "district", "university"}
    assert {r["kind"] for r in rows("plan_districts.csv")} <= {"city", "town", "district"}
    assert {r["direction"] for r in rows("plan_indicators.csv")} <= {
        "higher_is_better", "lower_is_better", "within_range"}
    assert {r["is_key_task"] for r in rows("plan_tasks.csv")} == {"true", "false"}
    assert {r["is_key_project"] for r in rows("plan_projects.csv")} == {"true", "false"}
    for name in HEADERS:
        for row in rows(name):
            for column in ("name_vi", "description_vi", "target_text", "unit"):
                if column in row:
                    assert row[column], (name, column, row)


def test_the_plan_row():
    plans = rows("plans.csv")
    assert len(plans) == 1
    plan = plans[0]
    assert plan["plan_code"] == "TTH-2024" and plan["year"] == "2024"
    # the text gives no number or date of the plan itself (Quyết định số
    # 01/QĐ-UBND ngày 01/01/2024 of C.1 is another decision)
    assert plan["decision_number"] == "" and plan["decision_date"] == ""
    assert plan["title_vi"].casefold() in PLAN_TEXT.casefold()
    assert plan["basis_vi"] in PLAN_TEXT
    # SKHDT follows the whole plan (C.3) and leads tasks
    assert plan["monitoring_agency_code"] == "SKHDT"
    assert by_code("plan_agencies.csv")["SKHDT"]["role"] == "lead"
    assert plan["source_document"] == PLAN.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("name", sorted(set(HEADERS) - {"plans.csv"}))
def test_every_row_belongs_to_a_plan_of_plans_csv(name):
    plans = {r["plan_code"] for r in _read("plans.csv")[1]}
    assert {r["plan_code"] for r in _read(name)[1]} <= plans
    assert rows(name), f"{name} has no row of {PLAN_CODE}"


# ---------------------------------------------------------------- counts


def test_agency_count_and_districts():
    agencies = by_code("plan_agencies.csv")
    assert 35 <= len(agencies) <= 45
    assert len(agencies) == N_AGENCIES
    for code, district in DISTRICT_AGENCIES.items():
        assert agencies[code]["kind"] == "district"
        assert agencies[code]["district_code"] == district
    assert {c for c, r in agencies.items() if r["kind"] == "district"} == set(DISTRICT_AGENCIES)
    assert {c for c, r in agencies.items() if r["district_code"]} == set(DISTRICT_AGENCIES)
    # every lead named in the subsection headings is in the catalog
    assert set(SUBSECTION_LEAD.values()) | {"SKHDT", "BQLKKT", "BQLDAXD"} <= set(agencies)


def test_agency_kinds_sample():
    agencies = by_code("plan_agencies.csv")
    expected = {
        "SKHDT": "department", "SDL": "department", "CTHUE": "central_agency",
        "BQLKKT": "board", "BQLDAXD": "board", "VPUBND": "provincial_agency",
        "TTRA": "provincial_agency", "CAT": "provincial_agency",
        "BCHQS": "provincial_agency", "DHH": "university", "CTK": "central_agency",
    }
    for code, kind in expected.items():
        assert agencies[code]["kind"] == kind, code
    assert agencies["SKHDT"]["name_vi"] == "Sở Kế hoạch và Đầu tư"
    assert agencies["SDL"]["section"] == "II.2.2"
    assert agencies["UBND_HUE"]["section"] == "II.3.1"
    assert agencies["UBND_ALUOI"]["section"] == "II.8"


def _leads() -> Counter:
    return Counter(r["lead_agency_code"] for name in
                   ("plan_tasks.csv", "plan_indicators.csv", "plan_projects.csv")
                   for r in rows(name))


def test_agency_roles():
    agencies = by_code("plan_agencies.csv")
    assert {r["role"] for r in agencies.values()} == {"lead", "coordinator", "receiver"}
    roles = {c: r["role"] for c, r in agencies.items() if r["role"] != "lead"}
    assert roles == {"BDBP": "coordinator", "CTK": "receiver"}
    # BDBP: named in the II.7.2 heading as the body BCHQS coordinates with
    assert "chủ trì, phối hợp Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in SECTION_TEXT["II.7.2"]
    assert agencies["BDBP"]["section"] == "II.7.2"
    # CTK: receives and compiles the agencies' plans with SKHDT (C.1)
    assert "gửi Sở Kế hoạch và Đầu tư và Cục Thống kê tỉnh tổng hợp" in SECTION_TEXT["C.1"]
    assert agencies["CTK"]["section"] == "C.1"


def test_only_lead_agencies_lead_and_every_lead_leads_something():
    leads = _leads()
    for code, agency in by_code("plan_agencies.csv").items():
        if agency["role"] == "lead":
            assert leads[code] >= 1, code
        else:
            assert leads[code] == 0, (code, agency["role"])


def test_agency_contacts_are_empty():
    # the plan names no contact person, e-mail or phone
    for agency in rows("plan_agencies.csv"):
        assert not (agency["contact_name"] or agency["contact_email"] or agency["contact_phone"])


def test_districts():
    districts = by_code("plan_districts.csv")
    assert set(districts) == set(DISTRICT_AGENCIES.values())
    assert districts["HUE"]["kind"] == "city"
    assert {c for c, r in districts.items() if r["kind"] == "town"} == {"HUONGTHUY", "HUONGTRA"}
    assert districts["HUE"]["name_vi"] == "Thành phố Huế"
    assert districts["ALUOI"]["name_vi"] == "Huyện A Lưới"
    for code, row in districts.items():
        assert DISTRICT_AGENCIES[row["agency_code"]] == code
        assert row["section"] == "II.8"


def test_task_counts():
    tasks = rows("plan_tasks.csv")
    assert len(tasks) == N_TASKS
    assert Counter(_subsection(t["task_code"]) for t in tasks) == TASKS_PER_SUBSECTION


def test_indicator_and_project_counts():
    assert len(rows("plan_indicators.csv")) == N_INDICATORS >= 15
    projects = rows("plan_projects.csv")
    assert len(projects) == N_PROJECTS
    assert sum(p["is_key_project"] == "true" for p in projects) == N_KEY_PROJECTS


# ---------------------------------------------------------------- references


def test_referential_integrity():
    agencies = set(by_code("plan_agencies.csv"))
    districts = set(by_code("plan_districts.csv"))
    for row in rows("plan_agencies.csv"):
        assert not row["district_code"] or row["district_code"] in districts, row
    for row in rows("plan_districts.csv"):
        assert row["agency_code"] in agencies, row
    for name in ("plan_tasks.csv", "plan_indicators.csv", "plan_projects.csv"):
        for row in rows(name):
            assert row["lead_agency_code"] in agencies, (name, row)
    for row in rows("plan_projects.csv"):
        assert not row["district_code"] or row["district_code"] in districts, row


def test_every_district_committee_has_a_task():
    leads = Counter(t["lead_agency_code"] for t in rows("plan_tasks.csv"))
    for agency in DISTRICT_AGENCIES:
        assert leads[agency] >= 1, agency
    eight = [t for t in rows("plan_tasks.csv") if t["section"] == "II.8"]
    assert {t["lead_agency_code"] for t in eight} == set(DISTRICT_AGENCIES)


# ---------------------------------------------------------------- verbatim text


def test_page_numbers_are_lines_of_their_own():
    lines = [line.strip() for line in PLAN_RAW.splitlines()]
    for before, number, after in PAGE_NUMBERS:
        _once(PLAN_TEXT, f"{before} {number} {after}")
        assert number in lines, number


def _in_raw(fragment: str) -> str:
    """A regex for fragment in PLAN_RAW, where any whitespace may be a line break."""
    return r"\s+".join(re.escape(word) for word in fragment.split())


def test_footnote_blocks_are_real_footnotes():
    raw = unicodedata.normalize("NFC", PLAN_RAW)
    assert sorted(FOOTNOTE_BLOCKS, key=int) == [str(n) for n in range(1, 9)]
    for number, parts in FOOTNOTE_BLOCKS.items():
        # a footnote block starts a line of the extracted text with its number
        assert parts[0][0].startswith(f"{number} "), number
        # and each of its parts begins and ends on a line boundary
        for first, last in parts:
            assert re.search(r"(?m)^[ \t]*" + _in_raw(first), raw), first
            assert re.search(_in_raw(last) + r"[ \t]*$", raw, re.M), last


def test_footnote_markers_are_exactly_the_listed_ones():
    for number, (before, after) in FOOTNOTE_MARKERS.items():
        _once(PLAN_TEXT, f"{before}{number}{after}")
    # the rule finds the listed marks, one per footnote, and nothing else
    found = sorted(number for _, number in _glued_marks(PLAN_TEXT))
    assert found == sorted(FOOTNOTE_MARKERS) == sorted(FOOTNOTE_BLOCKS)
    assert _glued_marks(READING_TEXT) == []


def test_reading_text_only_drops_the_listed_spans():
    # each cut takes its span and one of the two spaces around it; each mark its digit
    dropped = sum(len(number) + 1 for _, number, _ in PAGE_NUMBERS) + sum(
        end - start + 1 for parts in _footnote_spans(PLAN_TEXT).values() for start, end in parts)
    assert len(PLAN_TEXT) - len(READING_TEXT) == dropped + len(FOOTNOTE_MARKERS)


SEED_TEXT_COLUMNS = ("name_vi", "short_name_vi", "description_vi", "deadline_text", "target_text",
                     "title_vi", "basis_vi")


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_no_glued_footnote_marks_in_the_seeds(name):
    glued = [f"{before}{number}{after}" for number, (before, after) in FOOTNOTE_MARKERS.items()]
    for row in rows(name):
        for column in SEED_TEXT_COLUMNS:
            value = row.get(column, "")
            assert not [g for g in glued if g in value], (name, column, value)
            assert _glued_marks(value) == [], (name, column, value)


@pytest.mark.parametrize(
    ("code", "clean"),
    [("NV-2.2-02", "có lợi thế. Hình thành"), ("NV-2.2-05", "du lịch trọng điểm. Xúc tiến"),
     ("NV-2.3-03", "lợi thế cạnh tranh của tỉnh."), ("NV-4.1-02", "của ngành năm 2024 và"),
     ("NV-4.1-02", "(KH&CN). Tăng cường"), ("NV-4.1-02", "các ngành, lĩnh vực."),
     ("NV-5.2-02", "các Đề án. Giữ vững"), ("NV-5.5-01", "hỗ trợ của tỉnh về đào tạo")],
)
def test_descriptions_without_footnote_marks(code, clean):
    assert clean in by_code("plan_tasks.csv")[code]["description_vi"]


def test_task_descriptions_are_verbatim():
    for task in rows("plan_tasks.csv"):
        assert task["description_vi"] in READING_TEXT, task["task_code"]
        assert not task["description_vi"].startswith(("- ", "+ ")), task["task_code"]


def test_task_descriptions_are_in_their_section():
    for task in rows("plan_tasks.csv"):
        assert task["description_vi"] in SECTION_TEXT[task["section"]], task["task_code"]


def test_deadlines_are_in_their_description():
    for task in rows("plan_tasks.csv"):
        assert task["deadline_text"] in task["description_vi"], task["task_code"]


def test_indicator_target_texts_are_verbatim():
    for ind in rows("plan_indicators.csv"):
        assert ind["target_text"] in READING_TEXT, ind["indicator_code"]
        assert ind["target_text"] in SECTION_TEXT[ind["section"]], ind["indicator_code"]


def test_indicator_numbers_are_those_of_the_target_text():
    for ind in rows("plan_indicators.csv"):
        for bound in ("target_low", "target_high"):
            if ind[bound]:
                assert _vi_number(ind[bound]) in ind["target_text"], (ind["indicator_code"], bound)


def test_indicators_in_order_of_appearance():
    positions = [READING_TEXT.find(i["target_text"]) for i in rows("plan_indicators.csv")]
    codes = [i["indicator_code"] for i in rows("plan_indicators.csv")]
    assert codes == [f"CT-{n:02d}" for n in range(1, len(codes) + 1)]
    assert positions == sorted(positions)


def test_tasks_numbered_in_order_within_subsection():
    by_sub: dict[str, list[dict[str, str]]] = {}
    for task in rows("plan_tasks.csv"):
        by_sub.setdefault(_subsection(task["task_code"]), []).append(task)
    for sub, tasks in by_sub.items():
        numbers = [int(t["task_code"].rsplit("-", 1)[1]) for t in tasks]
        retired = {int(c.rsplit("-", 1)[1]) for c in RETIRED_TASK_CODES
                   if _subsection(c) == sub}
        # numbered 01, 02, ... in order, with a gap only where a code was retired
        assert numbers == sorted(set(range(1, max(numbers) + 1)) - retired), sub
        positions = [READING_TEXT.find(t["description_vi"]) for t in tasks]
        assert positions == sorted(positions), sub
        for task in tasks:
            assert task["section"] == _task_section(task["task_code"]), task["task_code"]


# ---------------------------------------------------------------- values


def test_task_leads_follow_subsection_headings():
    for task in rows("plan_tasks.csv"):
        sub = _subsection(task["task_code"])
        if sub in SUBSECTION_LEAD:
            assert task["lead_agency_code"] == SUBSECTION_LEAD[sub], task["task_code"]
    nine_one = [t["lead_agency_code"] for t in rows("plan_tasks.csv") if t["section"] == "II.9.1"]
    assert nine_one == ["SKHDT", "BQLKKT", "BQLDAXD"]
    c3 = [t["lead_agency_code"] for t in rows("plan_tasks.csv") if t["section"] == "C.3"]
    assert c3 == ["SKHDT", "VPUBND"]


def test_key_task_flags():
    for task in rows("plan_tasks.csv"):
        key = task["section"] == "II.1" or task["section"].startswith("II.9.")
        assert task["is_key_task"] == ("true" if key else "false"), task["task_code"]


@pytest.mark.parametrize(
    ("code", "lead", "starts", "deadline"),
    [
        ("NV-1-01", "SKHDT", "Tập trung hoàn thành các chương trình, đề án", "trước quý III/2024"),
        ("NV-2.1-06", "SKHDT", "Tập trung triển khai có hiệu quả kế hoạch đầu tư công", "năm 2024"),
        ("NV-2.2-01", "SDL", "Tiếp tục triển khai hiệu quả Chương trình hành động số 306", ""),
        ("NV-2.2-02", "SDL", "Triển khai thực hiện hiệu quả chuỗi hoạt động của Festival", ""),
        ("NV-2.4-01", "SNNPTNT", "Tập trung cơ cấu lại ngành nông nghiệp", ""),
        ("NV-2.4-04", "SNNPTNT", "Hình thành các khu nuôi trồng thủy sản tập trung", ""),
        ("NV-2.4-09", "SNNPTNT", "Huy động, lồng ghép", "cuối năm 2024"),
        ("NV-2.6-03", "CTHUE", "Tổ chức quản lý chặt chẽ các nguồn thu", "năm 2024"),
        ("NV-2.8-01", "SKHDT", "Các Sở, ban, ngành, các cơ quan, đơn vị, địa phương", "năm 2024"),
        ("NV-3.1-01", "UBND_HUE", "Tập trung huy động, lồng ghép", ""),
        ("NV-4.2-02", "STTTT", "Hạ tầng chính quyền số:", ""),
        ("NV-5.3-01", "DHH", "Tập trung xây dựng hoàn thành Đề án phát triển Đại học Huế", ""),
        ("NV-5.5-03", "SLDTBXH", "Triển khai Nghị quyết giảm nghèo", "trước quý III/2024"),
        ("NV-6.3-01", "TTRA", "Tăng cường công tác thanh tra", ""),
        ("NV-7.2-03", "BCHQS", "Tiếp tục củng cố xây dựng thế trận", "năm 2024"),
        ("NV-7.3-03", "CAT", "Nâng cao hiệu lực, hiệu quả công tác quản lý nhà nước", ""),
        ("NV-8-09", "UBND_ALUOI", "Thực hiện tốt các nhiệm vụ chung", "năm 2024"),
        ("NV-9.2-01", "SGTVT", "Sở Giao thông vận tải chủ trì", ""),
        ("NV-9.3-01", "UBND_HUE", "UBND thành phố Huế theo dõi", ""),
    ],
)
def test_task_sample(code, lead, starts, deadline):
    task = by_code("plan_tasks.csv")[code]
    assert task["lead_agency_code"] == lead
    assert task["description_vi"].startswith(starts)
    assert task["deadline_text"] == deadline


@pytest.mark.parametrize(
    ("code", "lead", "starts", "ends", "deadline"),
    [
        ("NV-C.1-01", "SKHDT", "Các Sở, ban, ngành, đơn vị và địa phương căn cứ Kế hoạch này",
         "gửi Sở Kế hoạch và Đầu tư và Cục Thống kê tỉnh tổng hợp trước ngày 30/01/2024.",
         "trước ngày 30/01/2024"),
        ("NV-C.3-01", "SKHDT", "Sở Kế hoạch và Đầu tư chủ trì, phối hợp",
         "để đảm bảo thực hiện đồng bộ và có hiệu quả Kế hoạch.", ""),
        ("NV-C.3-02", "VPUBND", "Văn phòng UBND tỉnh theo dõi, đôn đốc tiến độ",
         "mức độ hoàn thành nhiệm vụ của các Sở, ban, ngành và địa phương.", ""),
        ("NV-C.4-01", "STTTT", "Sở Thông tin và Truyền thông chủ trì",
         "tổ chức phổ biến, tuyên truyền rộng rãi Kế hoạch này.", ""),
    ],
)
def test_section_c_tasks(code, lead, starts, ends, deadline):
    task = by_code("plan_tasks.csv")[code]
    assert (task["lead_agency_code"], task["section"], task["is_key_task"]) == (
        lead, _task_section(code), "false")
    assert task["description_vi"].startswith(starts) and task["description_vi"].endswith(ends)
    assert task["deadline_text"] == deadline


def test_section_c_reporting_rules_are_not_tasks():
    # C.2 is the monthly report itself (the submission, due before the 20th);
    # C.5 is a conditional proposal. Neither is a task; C.1, C.3, C.4 are.
    assert "trước ngày 20 hàng tháng" in SECTION_TEXT["C.2"]
    sections = {t["section"] for t in rows("plan_tasks.csv") if t["section"].startswith("C.")}
    assert sections == {"C.1", "C.3", "C.4"}
    # C.1 and C.3 together are the whole of their paragraphs
    c = [t["description_vi"] for t in rows("plan_tasks.csv") if t["section"] in ("C.1", "C.3")]
    assert " ".join(c) == SECTION_TEXT["C.1"][3:] + " " + SECTION_TEXT["C.3"][3:]


def test_retired_task_codes_are_not_used():
    assert not RETIRED_TASK_CODES & set(by_code("plan_tasks.csv"))


# The five bullets that a page footer cuts in the extracted text: (kept code,
# first words, words lost by the old two-task split, last words).
CUT_BULLETS = [
    ("NV-2.1-09", "Triển khai thực hiện các giải pháp cải thiện vị thứ xếp hạng",
     "Phát triển mạnh mẽ hệ sinh thái khởi nghiệp đổi mới sáng tạo.",
     "tiếp tục kêu gọi vốn cho các dự án khởi nghiệp sáng tạo."),
    ("NV-2.4-04", "Hình thành các khu nuôi trồng thủy sản tập trung",
     "phát triển cơ sở sản xuất giống, thức ăn,… đẩy mạnh chế biến, xuất khẩu.",
     "không báo cáo và không theo quy định (IUU)."),
    ("NV-4.1-04", "Phối hợp, hỗ trợ Trường Đại học Y-Dược Huế",
     "Hỗ trợ Bệnh viện Trung ương Huế và Bệnh viện Đại học Y Dược phát triển năng lực, "
     "tiềm lực KH&CN phấn đấu để trở thành Trung tâm y tế chuyên sâu.",
     "theo Quyết định số 523/QĐ-TTg ngày 14/5/2018 của Thủ tướng Chính phủ."),
    ("NV-5.2-04", "Nâng cao chất lượng đại trà và mũi nhọn",
     "duy trì tốt đạo đức, lối sống và nền nếp học sinh,",
     "xây dựng nền giáo dục “Trí tuệ, đạo đức và nghị lực”."),
    ("NV-6.1-01", "Phối hợp triển khai hiệu quả các kế hoạch nâng cao các chỉ số hành chính",
     "(ICT) của tỉnh trong nhóm 10 địa phương dẫn đầu cả nước;",
     "Chỉ số Chuyển đổi số (DTI) của tỉnh xếp ổn định trong nhóm Top 5 của cả nước."),
]


@pytest.mark.parametrize(("code", "first", "lost", "last"), CUT_BULLETS)
def test_bullets_cut_by_a_page_footer_are_one_complete_task(code, first, lost, last):
    task = by_code("plan_tasks.csv")[code]
    text = task["description_vi"]
    assert text.startswith(first) and lost in text and text.endswith(last), code
    # the whole bullet: it runs from its "- " to the next bullet or heading
    start = READING_TEXT.index(text)
    assert READING_TEXT[start - 2:start] == "- ", code
    assert READING_TEXT[start + len(text):].startswith(" - "), code
    # and it is not in PLAN_TEXT as one span: the footer really cuts it
    assert text not in PLAN_TEXT, code
    # nothing of the page footer or footnote block is left in it
    for number, body in FOOTNOTE_TEXT.items():
        assert body[:40] not in text, (code, number)


@pytest.mark.parametrize(
    ("fragment", "unit", "low", "high", "direction", "lead"),
    [
        ("3,5 - 4 triệu lượt khách", "triệu lượt khách", "3.5", "4", "higher_is_better", "SDL"),
        ("cây lương thực có hạt đạt trên 55.000 ha", "ha", "55000", "", "higher_is_better",
         "SNNPTNT"),
        ("lúa cả năm khoảng 53.000 ha", "ha", "53000", "53000", "within_range", "SNNPTNT"),
        ("lúa chất lượng cao đạt trên 23.600 ha", "ha", "23600", "", "higher_is_better",
         "SNNPTNT"),
        ("giống lúa xác nhận đạt trên 93%", "%", "93", "", "higher_is_better", "SNNPTNT"),
        ("thành lập mới 5-7 HTX", "hợp tác xã", "5", "7", "higher_is_better", "SNNPTNT"),
        ("có thêm 30 sản phẩm", "sản phẩm", "30", "30", "higher_is_better", "SNNPTNT"),
        ("nuôi trồng thủy sản đạt 7.850 ha", "ha", "7850", "7850", "within_range", "SNNPTNT"),
        ("khoảng 1.500 ha rừng gỗ lớn", "ha", "1500", "1500", "higher_is_better", "SNNPTNT"),
        ("hộ nghèo giảm còn dưới 1,76%", "%", "", "1.76", "lower_is_better", "SLDTBXH"),
        ("giảm trên 5% số người chết", "%", "5", "", "higher_is_better", "CAT"),
        ("hoàn thành 100% kế hoạch", "%", "100", "100", "higher_is_better", "SKHDT"),
        ("nhóm Top 5 của cả nước", "thứ hạng", "", "5", "lower_is_better", "SNV"),
        ("100% các xã, phường, thị trấn", "%", "100", "100", "higher_is_better", "CAT"),
    ],
)
def test_indicator_values(fragment, unit, low, high, direction, lead):
    matches = [i for i in rows("plan_indicators.csv") if fragment in i["target_text"]]
    assert len(matches) == 1, fragment
    ind = matches[0]
    assert (ind["unit"], ind["target_low"], ind["target_high"], ind["direction"],
            ind["lead_agency_code"]) == (unit, low, high, direction, lead)


# Approximate targets: the figure follows "khoảng" ("khoảng 53.000 ha",
# "khoảng 3,5 - 4 triệu") or "ổn định ... đạt" with no "trên"/"dưới" between
# ("ổn định diện tích nuôi trồng thủy sản đạt 7.850 ha").
APPROXIMATE = re.compile(r"khoảng \d|ổn định [^\d]*\bđạt \d", re.IGNORECASE)
APPROXIMATE_TOLERANCE = "0.05"
APPROXIMATE_INDICATORS = {"CT-02", "CT-04", "CT-09", "CT-10"}


def test_approximate_targets_have_a_tolerance_and_exact_ones_none():
    approximate = {i["indicator_code"] for i in rows("plan_indicators.csv")
                   if APPROXIMATE.search(i["target_text"])}
    assert approximate == APPROXIMATE_INDICATORS
    for ind in rows("plan_indicators.csv"):
        expected = APPROXIMATE_TOLERANCE if ind["indicator_code"] in approximate else ""
        assert ind["target_tolerance"] == expected, ind["indicator_code"]


def test_tolerances_are_fractions():
    for ind in rows("plan_indicators.csv"):
        if ind["target_tolerance"]:
            assert re.fullmatch(r"0\.\d+", ind["target_tolerance"]), ind["indicator_code"]
            assert 0 < float(ind["target_tolerance"]) < 1, ind["indicator_code"]


def _attained(ind: dict[str, str], value: float) -> bool:
    """The attainment rule that reads target_tolerance (see the seed format)."""
    t = float(ind["target_tolerance"] or 0)
    low = float(ind["target_low"]) if ind["target_low"] else None
    high = float(ind["target_high"]) if ind["target_high"] else None
    if ind["direction"] == "higher_is_better":
        return value >= low * (1 - t)
    if ind["direction"] == "lower_is_better":
        return value <= high * (1 + t)
    return low * (1 - t) <= value <= high * (1 + t)


@pytest.mark.parametrize(
    ("code", "value", "attained"),
    [
        ("CT-04", 53000, True), ("CT-04", 51000, True), ("CT-04", 55500, True),
        ("CT-04", 50000, False), ("CT-04", 56000, False),
        ("CT-09", 7600, True), ("CT-09", 8200, True), ("CT-09", 7400, False),
        ("CT-10", 1450, True), ("CT-10", 1400, False),
        ("CT-02", 3.4, True), ("CT-02", 3.3, False),
        # exact targets: no slack
        ("CT-03", 54990, False), ("CT-05", 23599, False), ("CT-11", 1.77, False),
        ("CT-11", 1.76, True),
    ],
)
def test_attainment_with_tolerance(code, value, attained):
    assert _attained(by_code("plan_indicators.csv")[code], value) is attained


def test_top10_rankings():
    top10 = [i for i in rows("plan_indicators.csv")
             if i["target_text"] == "nhóm 10 địa phương dẫn đầu cả nước"]
    assert {re.search(r"\((PAPI|PAR Index|ICT Index)\)", i["name_vi"]).group(1)
            for i in top10} == {"PAPI", "PAR Index", "ICT Index"}
    for ind in top10:
        assert (ind["target_low"], ind["target_high"], ind["direction"]) == (
            "", "10", "lower_is_better")


def test_indicator_numbers():
    plain = re.compile(r"^\d+(?:\.\d+)?$")
    for ind in rows("plan_indicators.csv"):
        low, high = ind["target_low"], ind["target_high"]
        assert low or high, ind["indicator_code"]
        for value in (low, high):
            if value:
                assert plain.match(value), (ind["indicator_code"], value)
                float(value)
        if low and high:
            assert float(low) <= float(high), ind["indicator_code"]
        if ind["direction"] == "lower_is_better":
            assert high, ind["indicator_code"]
        else:
            assert low, ind["indicator_code"]
        if ind["direction"] == "within_range":
            assert low and high, ind["indicator_code"]


KEY_PROJECTS = {
    # fragment of name_vi -> (section, lead, district_code)
    "Kanglongda Huế (giai đoạn 2)": ("II.9.1", "BQLKKT", ""),
    "Kim Long Motors Huế": ("II.9.1", "BQLKKT", ""),
    "Aeon Mall Huế": ("II.9.1", "SCT", ""),
    "Vinh Xuân": ("II.9.1", "SDL", "PHUVANG"),
    "Minh Viễn Lăng Cô": ("II.9.1", "BQLKKT", "PHULOC"),
    "Laguna Lăng Cô (giai đoạn II)": ("II.9.1", "BQLKKT", "PHULOC"),
    "Kim Long Lăng Cô": ("II.9.1", "BQLKKT", "PHULOC"),
    "Lăng Cô Spa Resort": ("II.9.1", "BQLKKT", "PHULOC"),
    "KCN Gilimex": ("II.9.1", "BQLKKT", ""),
    "KCN Phú Bài giai đoạn IV, đợt 1": ("II.9.1", "BQLKKT", "HUONGTHUY"),
    "KCN Phong Điền - Viglacera": ("II.9.1", "BQLKKT", "PHONGDIEN"),
    "khu phi thuế quan Sài Gòn - Chân Mây": ("II.9.1", "BQLKKT", "PHULOC"),
    "đô thị mới An Vân Dương": ("II.9.1", "BQLDAXD", "HUE"),
    "Đường Nguyễn Hoàng và cầu Vượt sông Hương": ("II.9.2", "SGTVT", "HUE"),
    "đường bộ ven biển và cầu qua cửa Thuận An": ("II.9.2", "SGTVT", ""),
    "Đê chắn sóng cảng Chân Mây": ("II.9.2", "SGTVT", "PHULOC"),
    "Tố Hữu nối dài đi sân bay Phú Bài": ("II.9.2", "SGTVT", ""),
    "vành đai 3": ("II.9.2", "SGTVT", ""),
    "cứu hộ cứu nạn thị trấn Phong Điền - Điền Lộc": ("II.9.2", "SGTVT", "PHONGDIEN"),
    "khu B - An Vân Dương về trung tâm thị trấn Phú Đa": ("II.9.2", "SGTVT", ""),
    "Cải thiện môi trường nước thành phố Huế": ("II.9.3", "UBND_HUE", "HUE"),
    "Kinh thành Huế (giai đoạn 2)": ("II.9.3", "UBND_HUE", "HUE"),
    # the "dự án du lịch trọng điểm" of footnote 2 (II.2.2)
    "biển Hải Dương": ("II.2.2", "SDL", "HUONGTRA"),
    "Vinconstec-Huế": ("II.2.2", "SDL", ""),
    "nhà rường Huế": ("II.2.2", "SDL", ""),
    "Hue Spirit Sanctuary": ("II.2.2", "SDL", ""),
    "Thác Trượt": ("II.2.2", "SDL", ""),
    "Lee House": ("II.2.2", "SDL", ""),
    "thể thao Lộc Bình": ("II.2.2", "SDL", "PHULOC"),
    "Cồn Sơn": ("II.2.2", "SDL", ""),
}


@pytest.mark.parametrize("fragment", sorted(KEY_PROJECTS))
def test_key_project(fragment):
    matches = [p for p in rows("plan_projects.csv") if fragment in p["name_vi"]]
    assert len(matches) == 1, fragment
    project = matches[0]
    assert project["is_key_project"] == "true"
    assert (project["section"], project["lead_agency_code"], project["district_code"]) == (
        KEY_PROJECTS[fragment])


def _in_footnote_2(name: str) -> bool:
    return name in FOOTNOTE_TEXT["2"]


def test_key_projects_are_those_the_plan_calls_trong_diem():
    # "dự án trọng điểm": the lists of II.9 (II.3.3's list is II.9.2's) and the
    # "dự án du lịch trọng điểm" of footnote 2
    assert "Các dự án trọng điểm" in SECTION_TEXT["II.9"]
    assert "các dự án du lịch trọng điểm. Xúc tiến" in SECTION_TEXT["II.2.2"]
    for project in rows("plan_projects.csv"):
        key = project["section"].startswith("II.9.") or _in_footnote_2(project["name_vi"])
        assert project["is_key_project"] == ("true" if key else "false"), project["project_code"]
    key_codes = [p["project_code"] for p in rows("plan_projects.csv")
                 if p["is_key_project"] == "true"]
    assert key_codes == [f"DA-{n:02d}" for n in range(1, N_KEY_PROJECTS + 1)]


def test_every_project_of_footnote_2_is_catalogued_once():
    items = [item.strip().rstrip(",…").strip() for item in FOOTNOTE_TEXT["2"].split(";")]
    assert len(items) == 9
    projects = rows("plan_projects.csv")
    for item in items:
        matches = [p for p in projects if item.startswith(p["name_vi"])]
        assert len(matches) == 1, item
        assert matches[0]["is_key_project"] == "true", item
    # the golf course at Vinh Xuân is also in II.9.1, and listed there
    golf = [p for p in projects if "Vinh Xuân" in p["name_vi"]]
    assert [p["section"] for p in golf] == ["II.9.1"]


# II.9.1 names three agencies for all its projects together. Each project's
# lead is the agency the plan charges with that project elsewhere: project
# fragment -> (lead, section whose text names the project for that lead).
NINE_ONE_LEADS = {
    "Kanglongda": ("BQLKKT", "II.2.7"),
    "Kim Long Motors Huế": ("BQLKKT", "II.2.7"),
    "Aeon Mall Huế": ("SCT", "II.2.3"),
    "Sân Golf Quốc tế": ("SDL", "II.2.2"),
    "Minh Viễn Lăng Cô": ("BQLKKT", "II.2.7"),
    "Laguna Lăng Cô": ("BQLKKT", "II.2.7"),
    "Kim Long Lăng Cô": ("BQLKKT", "II.2.7"),
    "Lăng Cô Spa Resort": ("BQLKKT", "II.2.7"),
    "KCN Gilimex": ("BQLKKT", "II.2.7"),
    "KCN Phú Bài giai đoạn IV": ("BQLKKT", "II.2.7"),
    "Phong Điền-Viglacera": ("BQLKKT", "II.2.7"),
    "Sài Gòn - Chân Mây": ("BQLKKT", "II.2.7"),
    "An Vân Dương": ("BQLDAXD", "II.3.4"),
}


def test_nine_one_project_leads_follow_the_subsection_naming_them():
    nine_one = [p for p in rows("plan_projects.csv") if p["section"] == "II.9.1"]
    assert len(nine_one) == len(NINE_ONE_LEADS)
    for fragment, (lead, section) in NINE_ONE_LEADS.items():
        assert fragment in SECTION_TEXT[section], fragment
        assert SUBSECTION_LEAD.get(section[3:], lead) == lead, fragment
        matches = [p for p in nine_one if fragment.replace("-", " - ") in p["name_vi"]
                   or fragment in p["name_vi"]]
        assert len(matches) == 1, fragment
        assert matches[0]["lead_agency_code"] == lead, fragment
    # SKHDT, one of the three, is the lead of none of them: it follows them all
    assert not [p for p in nine_one if p["lead_agency_code"] == "SKHDT"]


# Funding. Private: the plan frames the province's part as supporting an
# investor. The framing phrase of each section that names private projects:
PRIVATE_FRAMING = {
    "II.9.1": "hỗ trợ nhà đầu tư triển khai thực hiện các dự án trọng điểm, quy mô lớn như:",
    "II.2.2": "Hỗ trợ nhà đầu tư đẩy nhanh tiến độ hoàn thành các dự án du lịch trọng điểm.",
    "II.2.3": "Hỗ trợ dự án đầu tư phát triển dịch vụ thương mại như Trung tâm thương mại Aeon "
              "Mall Huế; các dự án đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp:",
    "II.2.7": "container số 4 và số 5 cảng Vsico Chân Mây của Công ty CP Hàng Hải Vsico",
}
# ... and the nature of the project, from its name (case-insensitive).
PRIVATE_KINDS = ("nhà máy", "khu liên hợp sản xuất", "trung tâm thương mại", "sân golf",
                 "du lịch", "nghỉ dưỡng", "resort", "laguna",  # Laguna Lăng Cô: a resort
                 "kcn", "cụm công nghiệp", "vsico")
PUBLIC_KINDS = ("đường", "đê chắn sóng", "môi trường nước", "kinh thành", "bệnh viện",
                "trung tâm y tế", "kiểm soát bệnh tật", "kiểm nghiệm", "cai nghiện",
                "an vân dương", "khu công nghệ thông tin", "trung tâm ocop", "bảo tàng",
                "viện công nghệ sinh học")


def _kinds(name: str) -> set[str]:
    lowered = name.lower()
    return ({"private"} if any(k in lowered for k in PRIVATE_KINDS) else set()) | (
        {"public"} if any(k in lowered for k in PUBLIC_KINDS) else set())


def test_every_project_has_a_funding():
    assert {p["funding"] for p in rows("plan_projects.csv")} == {"public", "private"}


def test_project_funding_follows_the_text_and_the_nature_of_the_project():
    for section, phrase in PRIVATE_FRAMING.items():
        assert phrase in SECTION_TEXT[section], section
    for project in rows("plan_projects.csv"):
        code, name = project["project_code"], project["name_vi"]
        # the name says what kind of project it is, and only one kind
        assert _kinds(name) == {project["funding"]}, (code, name, _kinds(name))
        if project["funding"] == "private":
            assert project["section"] in PRIVATE_FRAMING, code
    # the An Vân Dương projects of II.9.1 are led by the public investor there,
    # whose own remit (II.3.4) is public investment to disburse
    assert "giải ngân các dự án đầu tư công" in SECTION_TEXT["II.3.4"]
    avd = [p for p in rows("plan_projects.csv") if p["section"] == "II.9.1"
           and "An Vân Dương" in p["name_vi"]]
    assert [(p["lead_agency_code"], p["funding"]) for p in avd] == [("BQLDAXD", "public")]


def test_funding_counts():
    funding = Counter(p["funding"] for p in rows("plan_projects.csv"))
    assert funding == {"private": N_PRIVATE_PROJECTS, "public": N_PROJECTS - N_PRIVATE_PROJECTS}
    assert {p["project_code"] for p in rows("plan_projects.csv") if p["funding"] == "private"} == {
        f"DA-{n:02d}" for n in [*range(1, 13), *range(23, 36)]}


# Named facilities the plan asks to invest in or build, without calling them
# "dự án": name -> (lead, section, the words of that section naming them).
INVESTMENT_ITEMS = {
    "Khu công nghệ thông tin tập trung": (
        "STTTT", "II.4.2",
        "Tiếp tục triển khai xây dựng phát triển Khu công nghệ thông tin tập trung"),
    "Trung tâm OCOP miền Trung tại Huế": (
        "SKHCN", "II.4.1", "huy động nguồn lực đầu tư hạ tầng Khu công nghệ thông tin tập trung; "
                           "Trung tâm OCOP miền Trung tại Huế"),
    "Bảo tàng Thiên nhiên duyên hải miền Trung": (
        "SKHCN", "II.4.1", "xây dựng Bảo tàng Thiên nhiên duyên hải miền Trung"),
    "Viện Công nghệ sinh học": (
        "DHH", "II.5.3", "Thực hiện các bước đầu tư Viện Công nghệ sinh học"),
}
# Named in the same places but not investment projects: an organisation to
# form, a facility or platform to make use of or to upgrade technically, a
# school to make excellent (words of the plan -> why not).
NOT_PROJECTS = {
    "hình thành Trung tâm khởi nghiệp đổi mới sáng tạo và xúc tiến đầu tư tỉnh": "form a unit",
    "phát huy giá trị Bảo tàng thiên nhiên Duyên hải miền Trung": "make use of (built above)",
    "Nâng cấp Trung tâm Giám sát, điều hành đô thị thông minh theo hướng bổ sung công nghệ mới":
        "technology upgrade of an operating centre",
    "nâng cấp nền tảng Hue-S": "software platform",
    "Phát huy vai trò chuỗi Công viên phần mềm Quang Trung": "make use of",
    "Xây dựng Trường THPT Chuyên Quốc học Huế trở thành điểm sáng": "quality, not works",
    "trở thành hạt nhân của Trung tâm khoa học công nghệ miền Trung": "a role, not works",
}


@pytest.mark.parametrize("name", sorted(INVESTMENT_ITEMS))
def test_investment_items_are_projects(name):
    lead, section, words = INVESTMENT_ITEMS[name]
    assert words in SECTION_TEXT[section]
    matches = [p for p in rows("plan_projects.csv") if p["name_vi"] == name]
    assert len(matches) == 1, name
    project = matches[0]
    assert (project["lead_agency_code"], project["section"], project["is_key_project"],
            project["funding"], project["district_code"]) == (lead, section, "false", "public", "")


def test_named_twice_investment_items_are_listed_once_where_their_lead_builds_them():
    # Khu CNTT tập trung: II.4.1 (SKHCN coordinates raising the capital) and
    # II.4.2 (STTTT builds it); Viện Công nghệ sinh học: II.4.1 (SKHCN works
    # with Đại học Huế on its Đề án) and II.5.3 (Đại học Huế invests in it)
    assert "Khu công nghệ thông tin tập trung" in SECTION_TEXT["II.4.1"]
    assert "Viện Công nghệ sinh học" in SECTION_TEXT["II.4.1"]
    assert by_code("plan_projects.csv")["DA-44"]["section"] == "II.4.2"
    assert by_code("plan_projects.csv")["DA-47"]["section"] == "II.5.3"


def test_named_items_that_are_not_projects():
    names = " | ".join(p["name_vi"].lower() for p in rows("plan_projects.csv"))
    for words in NOT_PROJECTS:
        assert words in READING_TEXT, words
    for unit in ("trung tâm khởi nghiệp", "giám sát, điều hành", "hue-s", "công viên phần mềm",
                 "quốc học", "trung tâm khoa học công nghệ miền trung"):
        assert unit not in names, unit


# Project names the plan does not write as one phrase, with the words they are
# made of (a list heading and its item, or an item with its phase).
COMPOSED_PROJECT_NAMES = {
    "DA-06": "giai đoạn II của dự án Laguna Lăng Cô",
    "DA-31": "hạ tầng kỹ thuật cụm công nghiệp: Điền Lộc,",
    "DA-32": "hạ tầng kỹ thuật cụm công nghiệp: Điền Lộc, Điền Lộc 2,",
    "DA-33": "hạ tầng kỹ thuật cụm công nghiệp: Điền Lộc, Điền Lộc 2, Bình Thành,",
    "DA-34": "hạ tầng kỹ thuật cụm công nghiệp: Điền Lộc, Điền Lộc 2, Bình Thành, Phú Diên,",
    "DA-36": "các dự án nâng cấp, sửa chữa các cơ sở khám chữa bệnh: Trung tâm Kiểm soát bệnh tật;",
    "DA-38": "Bệnh viện Bình Điền và Trung tâm Y tế (TTYT) Quảng Điền;",
    "DA-39": "Bệnh viện Bình Điền và Trung tâm Y tế (TTYT) Quảng Điền;",
    "DA-40": "TTYT thành phố Huế;",
    "DA-42": "cải tạo, nâng cấp Trung tâm TTYT huyện Nam Đông,",
}


def test_project_names_come_from_their_section():
    for project in rows("plan_projects.csv"):
        code, name, text = (project["project_code"], project["name_vi"],
                            SECTION_TEXT[project["section"]])
        if code in COMPOSED_PROJECT_NAMES:
            assert COMPOSED_PROJECT_NAMES[code] in text, code
        else:
            # verbatim, but for a capital first letter
            assert name in text or name[0].lower() + name[1:] in text, code


def test_other_projects_sample():
    projects = {p["name_vi"]: p for p in rows("plan_projects.csv")}
    assert projects["Dự án Khu du lịch sinh thái biển Hải Dương"]["lead_agency_code"] == "SDL"
    assert projects["Hạ tầng kỹ thuật cụm công nghiệp Điền Lộc 2"]["lead_agency_code"] == "SCT"
    assert projects["Mở rộng Bệnh viện Mắt Huế"]["section"] == "II.5.4"
    assert projects["Công trình cai nghiện tập trung"]["lead_agency_code"] == "SLDTBXH"
    assert projects["Cải tạo, nâng cấp Trung tâm Y tế huyện Nam Đông"]["district_code"] == "NAMDONG"
    # a project named in several places is listed once
    assert sum("Aeon Mall" in name for name in projects) == 1
    assert sum("Kanglongda" in name for name in projects) == 1
