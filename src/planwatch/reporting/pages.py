"""The one way planwatch writes a page: Jinja2 templates in ``templates/``.

Every page (a receipt, a reminder, the auditor's report, the Data Docs runs
index) is a template that extends ``base.html``: one stylesheet
(``templates/style.css``, inline), one Content-Security-Policy (``CSP``), one
way of writing a time for people (the ``when`` filter: ``14:18 18/05/2024`` in
the plan's zone). Python builds plain data (dicts, the dataclasses below) and
calls ``render``; no module writes HTML by hand.

The environment escapes everything (``autoescape``), fails on a name the data
does not have (``StrictUndefined``) and passes every value it prints through
``text.shown`` (no bidirectional, zero-width or control character reaches a
reader); ``None`` is printed as ``—``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from planwatch.reporting.vietnamese import (
    DASH,
    date_vi,
    datetime_vi,
    machine_number_vi,
    number_vi,
    percent_vi,
    zone_vi,
)
from planwatch.text import shown

# What a page may load: nothing from anywhere (no script at all, no remote
# style, font or image); its own inline style, and for the Data Docs (GX's
# pages, which carry inline styles of their own) the site's own stylesheets
# and images. Styles stay inline ('unsafe-inline'): a hash would turn off the
# style attributes GX writes, and a style cannot run code or, with
# default-src 'none', fetch anything.
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'")


def _finalize(value: Any) -> Any:
    """What every ``{{ … }}`` prints: ``—`` for None, text without the
    characters that disguise it (``text.shown``), HTML built by a template as is."""
    if value is None:
        return DASH
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return shown(value)
    return value


@pass_context
def _when(context: Any, value: dt.datetime | str | None, timezone: str | None = None) -> str:
    """The one way a time is written for people: ``14:18 18/05/2024`` in the
    page's zone (``timezone`` in its data, else UTC); an ISO text is read first."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return datetime_vi(value, timezone or context.get("timezone") or "UTC")


def href(path: str) -> str:
    """A relative link to a file: its path percent-encoded (it may hold spaces,
    ``#`` or Vietnamese letters)."""
    return quote(path, safe="/")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("planwatch.reporting", "templates"),
        autoescape=lambda name: bool(name and name.endswith(".html")),
        undefined=StrictUndefined, finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(
        when=_when, shown=shown, zone=zone_vi, date=date_vi, number=number_vi,
        machine_number=machine_number_vi, percent=percent_vi, href=href,
    )
    # A constant of planwatch's, with no character to escape: written as it is.
    env.globals.update(CSP=Markup(CSP))
    return env


def drawn(svg: str) -> Markup:
    """A chart matplotlib drew (``reporting.briefing_charts.svg``), shown as it is:
    an ``<svg>`` element whose every letter is a glyph path (no text node, no
    comment, no script), so that no data in it is markup."""
    if not svg.startswith("<svg") or re.search(r"<script|<!--|<foreignObject|\bon\w+=", svg,
                                                re.I):
        raise ValueError("not a chart as briefing_charts draws one")
    return Markup(svg)


def render(template: str, **data: Any) -> str:
    """The page ``template`` (a file of ``templates/``) with ``data``."""
    return environment().get_template(template).render(**data)


# -- the parts a page is made of ------------------------------------------------------
# Plain data a section builds; ``templates/_parts.html`` says how each is shown.
# A cell of a table, or what a paragraph holds, is any of these, a plain value,
# or a list of them (shown one after another).


@dataclass(frozen=True)
class Badge:
    """A status shown as a coloured label (``s s-<code>``)."""

    kind: ClassVar[str] = "badge"
    code: str
    label: Any


@dataclass(frozen=True)
class Link:
    """A link by relative path; just the text when there is no path."""

    kind: ClassVar[str] = "link"
    path: str | None
    text: Any


@dataclass(frozen=True)
class Code:
    """Text in a monospace span (a file name, a hash); ``title`` on hover."""

    kind: ClassVar[str] = "code"
    text: Any
    title: str | None = None
    tag: str = "span"


@dataclass(frozen=True)
class Bold:
    kind: ClassVar[str] = "bold"
    text: Any


@dataclass(frozen=True)
class Lines:
    """Parts one below another (``<br>`` between them), or each in a ``<div>``
    (``boxes``) with an optional ``cls``."""

    kind: ClassVar[str] = "lines"
    parts: Sequence[Any]
    boxes: bool = False
    cls: str | None = None


@dataclass(frozen=True)
class Para:
    kind: ClassVar[str] = "para"
    content: Any
    cls: str | None = None


@dataclass(frozen=True)
class Table:
    """A table; ``numeric`` columns (by index) are right-aligned; ``widths`` (CSS
    lengths, one per column) fix the layout; ``row_attrs`` are data attributes."""

    kind: ClassVar[str] = "table"
    headers: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    cls: str | None = None
    numeric: frozenset[int] = frozenset()
    id: str | None = None
    widths: Sequence[str] = ()
    row_attrs: Sequence[Mapping[str, str]] = ()

    @property
    def classes(self) -> str | None:
        """Its class, and ``fixed`` when its widths are."""
        return " ".join(c for c in (self.cls, "fixed" if self.widths else None) if c) or None


@dataclass(frozen=True)
class Definitions:
    """A two-column table of label and value."""

    kind: ClassVar[str] = "definitions"
    pairs: Sequence[tuple[Any, Any]]
    cls: str = "meta"


@dataclass(frozen=True)
class Cards:
    """Counts as cards: ``(status code, number, label)``."""

    kind: ClassVar[str] = "cards"
    cards: Sequence[tuple[str, Any, Any]]


@dataclass(frozen=True)
class Block:
    """A titled group of blocks (``<div class=file>`` and its ``<h3>``)."""

    kind: ClassVar[str] = "block"
    heading: Any
    blocks: Sequence[Any]
    cls: str = "file"
    data_file: str | None = None


@dataclass(frozen=True)
class Section:
    kind: ClassVar[str] = "section"
    anchor: str
    title: str
    blocks: Sequence[Any] = field(default_factory=list)


def table(headers: Sequence[Any], rows: Sequence[Sequence[Any]], *, cls: str | None = None,
          numeric: Any = (), id_: str | None = None, widths: Sequence[str] = (),
          row_attrs: Sequence[Mapping[str, str]] = ()) -> Table:
    return Table(headers, [list(r) for r in rows], cls=cls, numeric=frozenset(numeric),
                 id=id_, widths=list(widths), row_attrs=list(row_attrs))
