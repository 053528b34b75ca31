"""Self-contained HTML pages: every value escaped unless it is ``Markup``.

A page carries its style inline, loads nothing (its Content-Security-Policy
allows no script, no remote font, image or style) and prints on A4. Pure.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planwatch.reporting.vietnamese import DASH
from planwatch.text import shown


class Markup(str):
    """Text that is already HTML (built here from escaped parts)."""


def esc(value: Any) -> Markup:
    """``value`` as HTML text: ``—`` for None, everything else escaped."""
    if isinstance(value, Markup):
        return value
    return Markup(DASH if value is None else html.escape(shown(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Markup:
    return Markup(html.escape(sep).join(esc(p) for p in parts))


def attrs(values: Mapping[str, Any] | None) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"'
                   for k, v in (values or {}).items() if v is not None)


def tag(name: str, content: Any = "", **attributes: Any) -> Markup:
    return Markup(f"<{name}{attrs(attributes)}>{esc(content)}</{name}>")


def href(path: str) -> str:
    """A relative link to a file: its path percent-encoded (it may hold spaces,
    ``#`` or Vietnamese letters)."""
    return urllib.parse.quote(path, safe="/")


def link(path: str | None, text: Any) -> Markup:
    """``<a href=path>text</a>``, or just the text when there is no path."""
    if not path:
        return esc(text)
    return Markup(f'<a href="{esc(href(path))}">{esc(text)}</a>')


def table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *,
          cls: str | None = None, row_attrs: Sequence[Mapping[str, Any]] | None = None,
          numeric: Iterable[int] = (), id_: str | None = None,
          widths: Sequence[str] | None = None) -> Markup:
    """A table; ``numeric`` columns (by index) are right-aligned; ``widths``
    (CSS lengths, one per column) fix the layout."""
    right = set(numeric)
    cols = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width:{esc(w)}">' for w in widths) + \
            "</colgroup>"
        cls = f"{cls} fixed" if cls else "fixed"

    def cells(values: Sequence[Any], name: str) -> str:
        num = ' class="num"'
        return "".join(f"<{name}{num if i in right else ''}>{esc(v)}</{name}>"
                       for i, v in enumerate(values))

    body = []
    for i, row in enumerate(rows):
        extra = attrs(row_attrs[i]) if row_attrs else ""
        body.append(f"<tr{extra}>{cells(row, 'td')}</tr>")
    return Markup(f"<table{attrs({'class': cls, 'id': id_})}>{cols}<thead><tr>"
                  f"{cells(headers, 'th')}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def definitions(pairs: Iterable[tuple[Any, Any]], *, cls: str = "meta") -> Markup:
    """A two-column table of label and value."""
    rows = "".join(f"<tr><th scope=\"row\">{esc(k)}</th><td>{esc(v)}</td></tr>"
                   for k, v in pairs)
    return Markup(f'<table class="{esc(cls)}"><tbody>{rows}</tbody></table>')


# Nothing may be fetched: no script, no remote style, font or image.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " \
      "form-action 'none'"

CSS = """
:root{--ink:#1b1f24;--muted:#5b6470;--line:#c9ced6;--head:#eef1f5;--ok:#1d6b35;
--okbg:#e3f3e7;--warn:#8a5300;--warnbg:#fff2d6;--bad:#a11b1b;--badbg:#fde4e4;
--none:#56606b;--nonebg:#eceef1}
*{box-sizing:border-box}
html{font-size:15px}
body{font-family:"Segoe UI","Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif;
color:var(--ink);margin:0 auto;padding:1.5rem 2rem 3rem;max-width:84rem;line-height:1.45}
h1{font-size:1.7rem;margin:.2rem 0 .6rem}
h2{font-size:1.3rem;margin:2.2rem 0 .6rem;padding-bottom:.25rem;border-bottom:2px solid var(--ink)}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
p{margin:.4rem 0}
a{color:#0b4f9c}
.kicker{color:var(--muted);text-transform:uppercase;letter-spacing:.06em;font-size:.8rem;margin:0}
.lead{font-size:1rem;max-width:60rem}
.muted,.note{color:var(--muted)}
.note{font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.88rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;vertical-align:top;text-align:left}
thead th{background:var(--head);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.num{text-align:right}
table.meta{width:auto;min-width:40rem}
table.meta th{background:var(--head);width:14rem;font-weight:600}
code,.code{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.82rem;
overflow-wrap:anywhere}
table.fixed{table-layout:fixed}
.via{font-size:.8rem;color:var(--muted)}
table.fixed .s{white-space:normal}
table.fixed td{overflow-wrap:anywhere}
.nowrap{white-space:nowrap}
.not-owed{color:var(--muted);font-size:.82rem}
nav.toc{border:1px solid var(--line);background:#fafbfc;padding:.6rem 1rem;margin:1rem 0}
nav.toc ol{margin:.3rem 0;padding-left:1.4rem;columns:2}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:.6rem 0 1rem}
.card{border:1px solid var(--line);border-radius:4px;padding:.45rem .8rem;min-width:9rem}
.card b{display:block;font-size:1.35rem}
.s{display:inline-block;border-radius:3px;padding:0 .35rem;font-weight:600;white-space:nowrap}
.s-on_time,.s-accepted{color:var(--ok);background:var(--okbg)}
.s-late,.s-accepted_with_warnings,.s-warn,.s-reopen{color:var(--warn);background:var(--warnbg)}
.s-rejected,.s-missing,.s-block{color:var(--bad);background:var(--badbg)}
.s-not_yet_due,.s-duplicate,.s-superseded,.s-not_owed{color:var(--none);background:var(--nonebg)}
.s-close{color:var(--ok);background:var(--okbg)}
.empty{font-style:italic;color:var(--muted);border-left:3px solid var(--line);padding-left:.6rem}
.missing-data{color:var(--warn);border-left:3px solid var(--warn);padding-left:.6rem}
.file{margin-top:1.2rem}
footer{margin-top:3rem;border-top:1px solid var(--line);padding-top:.6rem;color:var(--muted);
font-size:.85rem}
@page{size:A4 landscape;margin:12mm}
@media print{
 html{font-size:11px}
 body{padding:0;max-width:none}
 nav.toc,.noprint{display:none}
 a{color:inherit;text-decoration:none}
 h2{break-after:avoid}
 h3{break-after:avoid}
 tr{break-inside:avoid}
 thead{display:table-header-group}
 .s{border:1px solid currentColor}
}
"""


def page(title: str, body: Any, *, lang: str = "vi") -> str:
    """A whole HTML document: ``body`` (Markup) under ``title``."""
    return (
        "<!doctype html>\n"
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f"<body>\n{esc(body)}\n</body></html>\n"
    )
