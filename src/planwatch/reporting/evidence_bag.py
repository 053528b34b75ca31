"""The shape of an evidence pack on disk: a BagIt bag (RFC 8493), its tag manifest
signed in minisign's format. Shared by the writer and the verifier.

```
<pack>/bagit.txt                      BagIt-Version: 1.0, UTF-8
<pack>/bag-info.txt                   what the pack is of: plan, agency, period, made
                                      by and at, the previous pack's hash (the chain),
                                      the signing key's id (or "none": unsigned)
<pack>/manifest-sha256.txt            every payload file (data/...), its SHA-256: the
                                      one list of the payload's sums
<pack>/tagmanifest-sha256.txt         the SHA-256 of bagit.txt, bag-info.txt,
                                      manifest-sha256.txt, HUONG_DAN.txt, keys/*.pub
<pack>/tagmanifest-sha256.txt.minisig the signature of the tag manifest (signed packs)
<pack>/HUONG_DAN.txt                  the auditor's guide (Vietnamese)
<pack>/keys/<KEY ID>.pub              a copy of the signing key's public key
<pack>/data/...                       the payload; data/pack.json says what each file is
```

The pack's hash, recorded in ``audit.evidence_packs`` and named by the next pack,
is the SHA-256 of ``tagmanifest-sha256.txt``: it covers every byte of the bag.
Packs made before bags (``manifest.json`` + ``SHA256SUMS``: ``evidence_manifest``)
still verify, as unsigned.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from planwatch.reporting.evidence_keys import Signer

FORMAT = "planwatch-evidence-pack/2"
BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = f"{TAG_MANIFEST}.minisig"
GUIDE = "HUONG_DAN.txt"
KEYS = "keys"
PAYLOAD = "data"
CONTENTS = "pack.json"  # under data/: what each payload file is
BAGIT_TEXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
# Tag files every pack's tag manifest must cover (a rewrite cannot leave one out).
COVERED = (BAGIT, BAG_INFO, MANIFEST)
UNSIGNED = "none"

# bag-info.txt labels of planwatch's own (RFC 8493 §2.2.2 allows any), and the
# key of each in what the verifier reports.
INFO_LABELS = {
    "Planwatch-Format": "format",
    "Planwatch-Plan": "plan_code",
    "Planwatch-Agency": "agency_code",
    "Planwatch-Agency-Name": "agency_name_vi",
    "Planwatch-Period": "period",
    "Planwatch-Created-At": "created_at",
    "Planwatch-Created-By": "created_by",
    "Planwatch-Previous-Pack-Sha256": "previous_manifest_sha256",
    "Planwatch-Signing-Key-Id": "key_id",
}


@dataclass(frozen=True)
class PackInfo:
    plan_code: str
    agency_code: str
    agency_name_vi: str
    period: str
    created_at: str
    created_by: str
    previous: str | None  # the previous pack's hash
    key_id: str | None  # None: unsigned
    software: str  # planwatch's version
    payload_bytes: int
    payload_files: int

    def fields(self) -> list[tuple[str, str]]:
        """bag-info.txt's lines: RFC 8493's reserved labels, then planwatch's."""
        values = {"format": FORMAT, "plan_code": self.plan_code,
                  "agency_code": self.agency_code, "agency_name_vi": self.agency_name_vi,
                  "period": self.period, "created_at": self.created_at,
                  "created_by": self.created_by,
                  "previous_manifest_sha256": self.previous or UNSIGNED,
                  "key_id": self.key_id or UNSIGNED}
        return [
            ("Source-Organization", "planwatch"),
            ("Bag-Software-Agent", f"planwatch {self.software}"),
            ("Bagging-Date", self.created_at[:10]),
            ("Payload-Oxum", f"{self.payload_bytes}.{self.payload_files}"),
            ("External-Identifier",
             f"planwatch-evidence/{self.plan_code}/{self.agency_code}/{self.period}"),
            ("External-Description", "Gói chứng cứ của planwatch (xem HUONG_DAN.txt)"),
            *((label, values[key]) for label, key in INFO_LABELS.items()),
        ]

    def trusted_comment(self) -> str:
        """What the signature's trusted comment says (signed with the tag manifest)."""
        return (f"planwatch evidence pack plan={self.plan_code} agency={self.agency_code} "
                f"period={self.period} key={self.key_id} created={self.created_at}")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def one_line(text: str) -> str:
    """A tag value on one line: no control character (a newline would forge a label)."""
    return "".join(c if c.isprintable() else " " for c in text).strip()


def render_tags(fields: list[tuple[str, str]]) -> bytes:
    return "".join(f"{label}: {one_line(value)}\n" for label, value in fields).encode("utf-8")


def parse_tags(data: bytes) -> dict[str, str]:
    """A tag file's labels (the first of a repeated label; continuation lines joined)."""
    out: dict[str, str] = {}
    last = None
    for line in data.decode("utf-8").splitlines():
        if line[:1] in (" ", "\t") and last is not None:
            out[last] += " " + line.strip()
            continue
        label, sep, value = line.partition(":")
        if not sep:
            continue
        last = label.strip()
        out.setdefault(last, value.strip())
    return out


def info_facts(tags: dict[str, str]) -> dict[str, str | None]:
    """bag-info's planwatch labels as the verifier reports them ("none" is None)."""
    facts: dict[str, str | None] = {}
    for label, key in INFO_LABELS.items():
        value = tags.get(label)
        facts[key] = None if value in (None, UNSIGNED) else value
    return facts


def is_safe_path(path: str) -> bool:
    """A relative POSIX path inside the bag, of names manifests and ``sha256sum``
    read as written (no backslash, no whitespace but spaces, no ``%``: RFC 8493
    would percent-encode it)."""
    pure = PurePosixPath(path)
    return (bool(path) and not pure.is_absolute() and ".." not in pure.parts
            and str(pure) == path and not any(c in path for c in "\\\n\r\t%"))


def render_manifest(sums: dict[str, str]) -> bytes:
    """A BagIt manifest in ``sha256sum``'s format (two spaces), paths sorted."""
    return "".join(f"{sums[p]}  {p}\n" for p in sorted(sums)).encode("utf-8")


def parse_manifest(data: bytes) -> tuple[dict[str, str], list[str]]:
    """A manifest's {path: sha256}, and the lines that are not a valid entry."""
    sums: dict[str, str] = {}
    bad: list[str] = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        parts = line.strip().split(None, 1)
        path = parts[1].lstrip("*") if len(parts) == 2 else ""
        digest = parts[0].lower()
        if (len(parts) != 2 or len(digest) != 64 or not is_safe_path(path) or path in sums
                or any(c not in "0123456789abcdef" for c in digest)):
            bad.append(line)
            continue
        sums[path] = digest
    return sums, bad


def write_tag_files(root: Path, info: PackInfo, payload: dict[str, str],
                    tags: dict[str, bytes], signer: Signer | None) -> str:
    """Write the bag's tag files around ``root/data`` (whose sums are ``payload``,
    paths under ``data/``): bagit.txt, bag-info.txt, the manifests, ``tags`` (e.g.
    the guide, the public key), and the signature when ``signer`` is given.
    Returns the pack's hash."""
    covered: dict[str, str] = {}

    def put(name: str, data: bytes) -> None:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        covered[name] = sha256_bytes(data)

    put(BAGIT, BAGIT_TEXT.encode("utf-8"))
    put(BAG_INFO, render_tags(info.fields()))
    put(MANIFEST, render_manifest(payload))
    for name, data in tags.items():
        put(name, data)
    tag_manifest = render_manifest(covered)
    (root / TAG_MANIFEST).write_bytes(tag_manifest)
    if signer is not None:
        (root / SIGNATURE).write_bytes(signer.sign(tag_manifest, info.trusted_comment()))
    return sha256_bytes(tag_manifest)
