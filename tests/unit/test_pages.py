"""One way to write a page: every page planwatch writes is a Jinja2 template of
``reporting/templates`` that extends ``base.html`` (one Content-Security-Policy,
one stylesheet); a clerk's hostile text comes out of each as inert text; every
page writes a time one way (``14:18 18/05/2024`` in the plan's zone); and no
module writes HTML by hand (a source scan, as ``test_import_direction``)."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures.plans import FIXTURE, FIXTURE_PLAN

from planwatch.catalog import load_catalogs
from planwatch.reporting.auditor_report import Links, render_index, render_month
from planwatch.reporting.data_docs_pages import write_runs_index
from planwatch.reporting.pages import CSP, environment, render
from planwatch.reporting.receipts import receipt_of, render_html
from planwatch.reporting.reminders import agency_reminder, department_summary, summary_content
from planwatch.vocabulary.problems import Problem
from planwatch.warehouse.auditor_report import IndexData
from planwatch.warehouse.deadlines import MonthRow
from planwatch.warehouse.submissions import FileWrite, SubmissionWrite

sys.path.insert(0, str(Path(__file__).parent))
from test_auditor_report_pages import month_data  # noqa: E402  (the report's plain data)

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "planwatch"
TEMPLATES = PACKAGE / "reporting" / "templates"
UTC = dt.UTC
ZONE = "Asia/Ho_Chi_Minh"
SCRIPT = "<script>document.title='x'</script>"
HANDLER = "<img src=x onerror=alert(1)>"
BIDI = "bao_cao_\u202egpj.xlsx"  # shows as "bao_cao_xlsx.jpg"
HOSTILE = f"{SCRIPT}{HANDLER}{BIDI}"
RECEIVED = dt.datetime(2024, 5, 18, 7, 18, 15, tzinfo=UTC)  # 14:18 18/05/2024 in Hanoi
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


class Page(HTMLParser):
    """What a browser builds: elements, their attributes, the text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


# -- every page, with hostile text in what a clerk controls ---------------------------


def _receipt() -> str:
    bad = Problem("unknown_task_code", "block", f"Mã {HOSTILE} không có.", sheet=HOSTILE,
                  row=5, value=HOSTILE, fix_vi=HOSTILE)
    sub = SubmissionWrite("tasks", "SDL", "2024-05", "rejected", plan_code="P-2024",
                          rows=[{"source_row": 5}], problems=[bad])
    write = FileWrite(file_name=HOSTILE, inbox_path="2024-05/x.csv", file_sha256="ab" * 32,
                      file_size=10, archive_path="data/archive/x", received_at=RECEIVED,
                      receipt_path="data/reports/receipts/x.html", code_version="t",
                      submissions=[sub], received_at_kind="file_time", file_modified_at=RECEIVED)
    return render_html(receipt_of(write, HOSTILE, timezone=ZONE))


def _catalog():
    catalog = load_catalogs(FIXTURE).get(FIXTURE_PLAN)
    agencies = tuple(dataclasses.replace(a, name_vi=HOSTILE, contact_name=HOSTILE)
                     for a in catalog.agencies)
    return dataclasses.replace(catalog, agencies=agencies)


DEADLINE = dt.datetime(2031, 3, 19, 17, 0, tzinfo=UTC)  # 00:00 20/03/2031 in Hanoi
ROWS = [MonthRow("CUCA", "tasks", "rejected", DEADLINE, DEADLINE),
        MonthRow("VIENB", "tasks", "missing", DEADLINE, DEADLINE)]
WHEN = {"deadline_at": DEADLINE, "on_time_before_at": DEADLINE, "timezone": ZONE}


def _reminder() -> str:
    owed = [{"template": "tasks", "status": "rejected"}]
    return agency_reminder(_catalog(), "CUCA", "2031-03", owed, **WHEN).html


def _summary() -> str:
    catalog = _catalog()
    return department_summary(catalog, "2031-03", summary_content(catalog, ROWS), **WHEN).html


LINKS = Links(home=Path("/srv/p"), here=Path("/srv/p/data/reports/auditor/P-1"),
              reports=Path("/srv/p/data/reports"))


def _month() -> str:
    data = month_data()
    data.plan = {**(data.plan or {}), "plan_title_vi": HOSTILE}
    data.files[0]["file_name"] = HOSTILE
    return render_month(data, links=LINKS, timezone=ZONE, generated_at=RECEIVED)


def _index() -> str:
    months = [{"period": "2024-03", "action": "close", "occurred_at": RECEIVED, "actor": HOSTILE}]
    unattributed = [{"agency_code": HOSTILE, "file_name": HOSTILE, "received_at": RECEIVED,
                     "status": "rejected", "receipt_path": None}]
    plan = IndexData("P-1", {"plan_title_vi": HOSTILE}, months, unattributed)
    return render_index([plan], links=dataclasses.replace(LINKS, here=LINKS.here.parent),
                        timezone=ZONE, generated_at=RECEIVED)


def _runs_index(tmp_path: Path) -> str:
    (tmp_path / HANDLER).mkdir()
    (tmp_path / HANDLER / "index.html").write_text("x", encoding="utf-8")
    return write_runs_index(tmp_path).read_text(encoding="utf-8")


PAGES = {"receipt": lambda _: _receipt(), "reminder": lambda _: _reminder(),
         "summary": lambda _: _summary(), "auditor month": lambda _: _month(),
         "auditor index": lambda _: _index(), "data docs runs": _runs_index}


@pytest.mark.parametrize("name", PAGES)
def test_hostile_text_comes_out_of_every_page_inert(name: str, tmp_path: Path) -> None:
    text = PAGES[name](tmp_path)
    page = Page(text)
    assert "script" not in page.tags and "img" not in page.tags  # no element it brought
    assert not any(k.startswith("on") for a in page.attrs for k in a)  # no handler
    if name == "data docs runs":  # a run's folder name is safe_label'd: markup at most
        assert HANDLER in page.all_text
    else:
        assert f"{SCRIPT}{HANDLER}bao_cao_gpj.xlsx" in page.all_text  # shown, as text
    assert "\u202e" not in text  # nor anything that disguises a name


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_the_one_policy_and_the_one_stylesheet(name: str,
                                                              tmp_path: Path) -> None:
    text = PAGES[name](tmp_path)
    page = Page(text)
    policies = [a["content"] for a in page.attrs
                if a.get("http-equiv") == "Content-Security-Policy"]
    assert policies == [CSP]
    assert "script-src" not in CSP and "default-src 'none'" in CSP  # no script at all
    assert page.tags.count("style") == 1 and page.tags.count("link") == 0
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    assert css.strip() in text


def test_every_page_writes_a_time_one_way() -> None:
    """Local time, ``HH:MM dd/mm/yyyy``, never the ISO form stored in the JSON."""
    receipt = Page(_receipt()).all_text
    assert "14:18 18/05/2024 (giờ Việt Nam (UTC+07:00))" in receipt
    reminder, summary = Page(_reminder()).all_text, Page(_summary()).all_text
    # A deadline is a day (the last one to send; vocabulary.calendar), told as such.
    assert "chậm nhất trong ngày Thứ Tư, 19/03/2031 (giờ Việt Nam)" in reminder
    assert "chậm nhất trong ngày Thứ Tư, 19/03/2031" in summary
    assert "2031-03-" not in reminder and "2031-03-" not in summary  # no ISO time
    month, index = Page(_month()).all_text, Page(_index()).all_text
    assert "lúc 14:18 18/05/2024" in month and "lúc 14:18 18/05/2024" in index
    for text in (receipt, reminder, summary, month, index):
        assert not ISO_TIME.search(text), ISO_TIME.search(text)


def test_the_one_time_filter() -> None:
    when = environment().from_string("{{ t|when }}")
    assert when.render(t=RECEIVED, timezone=ZONE) == "14:18 18/05/2024"
    assert when.render(t=RECEIVED.isoformat(), timezone=ZONE) == "14:18 18/05/2024"
    assert when.render(t=RECEIVED.replace(tzinfo=None), timezone=ZONE) == "14:18 18/05/2024"
    assert when.render(t=RECEIVED, timezone=None) == "07:18 18/05/2024"  # no zone: UTC
    assert when.render(t=None, timezone=ZONE) == "—"


def test_the_environment_escapes_strips_and_refuses_a_missing_name() -> None:
    from jinja2 import UndefinedError

    assert render("reminder.html", subject=HOSTILE, blocks=[]).count("&lt;script&gt;") == 1
    with pytest.raises(UndefinedError):
        render("reminder.html", blocks=[])  # no subject: an error, not an empty title


# -- the templates ----------------------------------------------------------------------


def _page_templates() -> list[Path]:
    """Templates that are pages; ``_name.html`` are fragments and macros."""
    return sorted(p for p in TEMPLATES.glob("*.html") if not p.name.startswith("_"))


def _extends(path: Path) -> str | None:
    found = re.search(r'{%-?\s*extends\s+"([^"]+)"', path.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def test_every_page_template_extends_the_base() -> None:
    pages = _page_templates()
    assert {p.name for p in pages} >= {"base.html", "receipt.html", "reminder.html",
                                       "auditor_month.html", "auditor_index.html",
                                       "data_docs_runs.html"}
    for page in pages:
        seen, name = [], page.name
        while name != "base.html":
            assert name not in seen and (TEMPLATES / name).is_file(), (page.name, seen)
            seen.append(name)
            name = _extends(TEMPLATES / name)
            assert name, f"{page.name} does not extend base.html"
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert '{% include "_csp_meta.html" %}' in base and '{% include "style.css" %}' in base
    for template in TEMPLATES.iterdir():  # the one policy, the one stylesheet: in base only
        if template.name not in ("base.html", "_csp_meta.html"):
            text = template.read_text(encoding="utf-8")
            assert "Content-Security-Policy" not in text and "<style" not in text, template


# -- nobody writes HTML by hand --------------------------------------------------------

# Markup in a string of Python source: a page written by hand.
HAND_WRITTEN = re.compile(
    r"(?<!\?P)<(?:!doctype|html|head|body|title|meta|style|table|thead|tbody|tr|td|th|ul|ol|li|p|br|"
    r"h[1-6]|section|nav|header|footer|main|span|b|code|a)[\s>/]"
    r"|\bhtml\.escape\b|\bMarkup\(", re.I)
# Where markup may appear in Python, and why.
ALLOWED: dict[str, tuple[str, ...]] = {
    # The rendering module: the CSP constant marked safe once.
    "planwatch/reporting/pages.py": ("markup(",),
    # Recognises an HTML page sent as a workbook (reads, never writes).
    "planwatch/ingest/xlsx_inspect.py": ("<html", "<!doctype"),
    "planwatch/ingest/xls_inspect.py": ("<html", "<!doctype", "<table", "<meta"),
    # Finds GX's own markup to clean (its footer), writes only templates.
    "planwatch/reporting/data_docs_pages.py": ("<footer",),
}


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if isinstance(value, str):
                out.append((node.lineno, value))
    return out


def test_no_module_writes_html_by_hand() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        source = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import html\b|from html import|from markupsafe import)", source,
                     re.M) and rel != "planwatch/reporting/pages.py":
            found.append(f"{rel}: imports an escaper")
        for line, value in _strings(path):
            for match in HAND_WRITTEN.finditer(value):
                if not match.group(0).lower().startswith(ALLOWED.get(rel, ())):
                    found.append(f"{rel}:{line}: {match.group(0)!r}")
    assert found == []


def test_the_scan_finds_a_page_written_by_hand(tmp_path: Path) -> None:
    """The scan above is not blind: an f-string table and an inline escape are seen."""
    module = tmp_path / "hand.py"
    module.write_text('import html\nx = f"<table><tr><td>{html.escape(v)}</td></tr>"\n',
                      encoding="utf-8")
    assert [m.group(0) for _, s in _strings(module) for m in HAND_WRITTEN.finditer(s)] == [
        "<table>", "<tr>", "<td>"]
    assert HAND_WRITTEN.search("html.escape(v)") and HAND_WRITTEN.search("Markup('<b>')")
