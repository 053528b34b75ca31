"""The shape of an evidence pack made before packs were BagIt bags (format 1),
which ``--verify`` still checks (as unsigned); packs are now written as bags
(``evidence_bag``).

```
<pack>/manifest.json      every other file of the pack (path, SHA-256, size), what the
                          pack is of, and previous_manifest_sha256 (the chain)
<pack>/manifest.sha256    the manifest's SHA-256, in ``sha256sum`` format
<pack>/SHA256SUMS         every file, the manifest included, in ``sha256sum`` format
```

Only the manifest's listing is authoritative; ``SHA256SUMS`` repeats it so that an
auditor needs nothing but ``sha256sum -c`` (the verifier checks the two agree).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = "planwatch-evidence-pack/1"
MANIFEST = "manifest.json"
MANIFEST_SHA = "manifest.sha256"
SUMS = "SHA256SUMS"
GUIDE = "HUONG_DAN.txt"
# Files that describe the pack and are not listed in its manifest.
UNLISTED = (MANIFEST, MANIFEST_SHA, SUMS)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> tuple[str, int]:
    """A file's SHA-256 (hex) and size in bytes."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def is_safe_path(path: str) -> bool:
    """A relative POSIX path inside the pack, of names ``sha256sum`` reads as
    written (no backslash, no newline)."""
    pure = PurePosixPath(path)
    return (bool(path) and not pure.is_absolute() and ".." not in pure.parts
            and "\\" not in path and "\n" not in path and "\r" not in path
            and path not in UNLISTED and str(pure) == path)


def render_manifest(manifest: dict[str, Any]) -> bytes:
    """The manifest's bytes: what is hashed, exactly as written."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def sha_line(sha256: str, path: str) -> str:
    """One line of ``sha256sum`` output (text mode: two spaces)."""
    return f"{sha256}  {path}\n"


def render_sums(files: list[dict[str, Any]], manifest_sha256: str) -> str:
    """``SHA256SUMS``: every listed file, then the manifest."""
    lines = [sha_line(f["sha256"], f["path"]) for f in sorted(files, key=lambda f: f["path"])]
    return "".join(lines) + sha_line(manifest_sha256, MANIFEST)


def read_sha_file(text: str, name: str) -> str | None:
    """The hash a ``sha256sum`` line names for ``name`` (``manifest.sha256``)."""
    for line in text.splitlines():
        sha, _, path = line.partition("  ")
        if path.lstrip("*") == name and len(sha) == 64:
            return sha.lower()
    return None
