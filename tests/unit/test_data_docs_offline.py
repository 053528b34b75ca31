"""GX Data Docs made to work offline: nothing fetched from a CDN, no newsletter
banner, the logo from the site's own static folder."""

from __future__ import annotations

import re
from pathlib import Path

from planwatch.reporting.data_docs_pages import make_offline

HEAD = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<link rel="stylesheet" type="text/css" href="//unpkg.com/bootstrap-table@1.19.0/x.css">
<style>.inline{color:red}</style>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js"
  integrity="sha384-x" crossorigin="anonymous"></script>
<link rel="icon" href="./static/images/favicon.ico">
</head><body>
<img class="NO-CACHE"
 src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long-vector.svg?d=1&dataContextId=abc"
 alt="Great Expectations">
<div class="container-fluid pt-4 pb-4 pl-5 pr-5"><table><tr><td>8</td></tr></table></div>
<script>function keep() {}</script>
<footer>
  <p>Stay current on everything GX with our newsletter <a href="https://greatexpectations.io/newsletter?utm_source=datadocs">Subscribe</a></p>
</footer>
</body></html>"""


def test_pages_fetch_nothing_and_lose_the_banner(tmp_path: Path) -> None:
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "logo-long-vector.svg").write_text("<svg/>")
    nested = tmp_path / "validations" / "tasks" / "run" / "20240101T000000Z"
    nested.mkdir(parents=True)
    for page in (tmp_path / "index.html", nested / "tasks.html"):
        page.write_text(HEAD, encoding="utf-8")
    make_offline(tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    inner = (nested / "tasks.html").read_text(encoding="utf-8")
    for text in (index, inner):
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
        assert "newsletter" not in text and "<footer" not in text
        assert ".inline{color:red}" in text and "function keep()" in text  # inline kept
        assert 'href="./static/images/favicon.ico"' in text
    assert 'src="static/images/logo-long-vector.svg"' in index
    assert 'src="../../../../static/images/logo-long-vector.svg"' in inner
    assert "planwatch-offline-note" in index and "planwatch-offline-note" not in inner
    make_offline(tmp_path)  # twice: nothing more changes
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == index
