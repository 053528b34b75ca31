"""SHA-256 of a file, read in blocks: the one way planwatch fingerprints a file
(an agency's upload in the inbox and archive, a seed file of the catalog)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
