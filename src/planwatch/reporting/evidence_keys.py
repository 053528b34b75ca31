"""The Department's signing keys for evidence packs, in minisign's format (Ed25519).

* A **secret key** is a minisign secret key file that the operator keeps where
  the service's user alone reads it (a mounted secret; mode 0600, owned by that
  user), outside the data planwatch keeps and the packs it writes. Its path comes
  from ``PLANWATCH_SIGNING_KEY``. A service key is normally stored unencrypted (it
  is the mount that protects it); an encrypted one is read with the password in
  the file ``PLANWATCH_SIGNING_KEY_PASSWORD_FILE`` names (never argv or a log).
* The **published key history** is a folder of public keys, ``<KEY ID>.pub`` in
  minisign's format (``PLANWATCH_PUBLIC_KEYS``, default ``<home>/keys``). A new
  key is a new id; old public keys stay, so every pack an old key signed still
  verifies. A pack names its key id; ``--verify`` takes the key of that id from
  the history, never the copy inside the pack.

Key ids are written as minisign writes them: the 8 id bytes as a little-endian
64-bit number, 16 upper-case hex digits.
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import minisign

from planwatch.config import Settings
from planwatch.errors import UserError
from planwatch.private_files import write_private

PUBLIC_SUFFIX = ".pub"


class SignatureProblem(Exception):
    """A signature that does not prove what a pack claims (the reason, in English)."""


@dataclass(frozen=True)
class Signer:
    """A secret key ready to sign, and the id of its public key in the history."""

    key_id: str
    secret: minisign.SecretKey
    public_file: Path  # its public key in the published history

    def sign(self, data: bytes, trusted_comment: str) -> bytes:
        """A ``.minisig`` file's bytes for ``data`` (prehashed, as minisign signs)."""
        signature = self.secret.sign(data, prehash=True, trusted_comment=trusted_comment,
                                     untrusted_comment=f"signature from planwatch key "
                                                       f"{self.key_id}")
        return bytes(signature) + b"\n"


def key_id_of(key: minisign.PublicKey | minisign.Signature) -> str:
    """A key's (or a signature's key's) id as minisign prints it."""
    raw = key._keynum_pk.key_id if isinstance(key, minisign.PublicKey) else key._key_id
    return f"{struct.unpack('<Q', raw)[0]:016X}"


def public_key_text(key: minisign.PublicKey) -> str:
    """A ``.pub`` file as ``minisign -G`` writes it."""
    return (f"untrusted comment: minisign public key {key_id_of(key)}\n"
            f"{key.to_base64().decode('ascii')}\n")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _forbidden_places(settings: Settings) -> dict[str, Path]:
    """Where a secret key must never be: beside the data it signs, in the
    published keys, in the source tree."""
    return {"the data folder": settings.data_dir,
            "the published key history": settings.public_keys_dir,
            "planwatch's source tree": settings.project_dir}


def _refuse_place(settings: Settings, path: Path, extra: dict[str, Path]) -> None:
    for what, folder in {**_forbidden_places(settings), **extra}.items():
        if _inside(path, folder):
            raise UserError(f"the signing key {path} lies inside {what} ({folder}): a secret "
                            "key is kept apart from the data it signs (a mounted secret, "
                            "e.g. /run/secrets/planwatch_signing_key)")


def _private_bytes(path: Path, what: str) -> bytes:
    """A secret's bytes, if only its owner (this process's user) can read it."""
    try:
        info = path.stat()
    except OSError as exc:
        raise UserError(f"{what} {path} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{what} {path} is not a regular file")
    if info.st_mode & 0o077:
        raise UserError(f"{what} {path} has mode {stat.S_IMODE(info.st_mode):04o}: others "
                        "may read it; make it 0600 (chmod 600) and owned by the service's user")
    if info.st_uid != os.geteuid():
        raise UserError(f"{what} {path} belongs to another user (uid {info.st_uid}): it must "
                        "be the service's user's own")
    return path.read_bytes()


def published_key(settings: Settings, key_id: str) -> minisign.PublicKey | None:
    """The public key of ``key_id`` in the published history, if there."""
    return published_key_in(settings.public_keys_dir, key_id)


def published_key_in(folder: Path, key_id: str) -> minisign.PublicKey | None:
    path = folder / f"{key_id}{PUBLIC_SUFFIX}"
    if len(key_id) != 16 or not all(c in "0123456789ABCDEF" for c in key_id):
        return None
    if not path.is_file():
        return None
    try:
        key = minisign.PublicKey.from_bytes(path.read_bytes())
    except (minisign.Error, ValueError):
        return None
    return key if key_id_of(key) == key_id else None


def history(settings: Settings) -> list[str]:
    """The key ids of the published history, in order."""
    folder = settings.public_keys_dir
    return sorted(p.stem for p in folder.glob(f"*{PUBLIC_SUFFIX}")) if folder.is_dir() else []


def new_key(settings: Settings, secret_path: Path) -> tuple[str, Path]:
    """A new key pair: the secret key written (0600) to ``secret_path``, which must
    not exist yet, the public key published in the history. Returns its id and
    the public key's file."""
    if secret_path.exists() or secret_path.is_symlink():
        raise UserError(f"{secret_path} exists: a new key is written to a new file")
    _refuse_place(settings, secret_path, {})
    pair = minisign.KeyPair.generate()
    key_id = key_id_of(pair.public_key)
    public = settings.public_keys_dir / f"{key_id}{PUBLIC_SUFFIX}"
    if public.exists():
        raise UserError(f"a public key with the new id {key_id} is already published")
    text = bytes(pair.secret_key).decode("ascii") + "\n"
    pair.secret_key.wipe()
    write_private(secret_path, text)
    public.parent.mkdir(parents=True, exist_ok=True)
    public.write_text(public_key_text(pair.public_key), encoding="ascii")
    return key_id, public


def new_key_command(settings: Settings, secret: Path) -> str:
    """``planwatch keys new``: make the key, say where each half went."""
    key_id, public = new_key(settings, secret)
    return (f"new signing key {key_id}\n"
            f"  secret key  {secret} (mode 0600: keep it a mounted secret, named by "
            "PLANWATCH_SIGNING_KEY)\n"
            f"  public key  {public} (publish it: the key history keeps every key)")


def describe_history(settings: Settings) -> str:
    ids = history(settings)
    return "\n".join([f"published key history {settings.public_keys_dir}: {len(ids)} key(s)",
                      *(f"  {key_id}" for key_id in ids)])


def load_signer(settings: Settings, out: Path | None = None) -> Signer | None:
    """The signing key ``PLANWATCH_SIGNING_KEY`` names, checked (None: none is
    configured). Refused: a key others can read, one inside the data, the
    published keys, the source tree or the pack's folder ``out``, an encrypted
    key without its password file, a key whose public key is not published."""
    if not settings.signing_key:
        return None
    path = Path(settings.signing_key)
    _refuse_place(settings, path, {"the pack's folder": out} if out is not None else {})
    try:
        secret = minisign.SecretKey.from_bytes(_private_bytes(path, "the signing key"))
    except (minisign.Error, ValueError) as exc:
        raise UserError(f"the signing key {path} is not a minisign secret key ({exc})"
                        ) from None
    if secret.is_encrypted():
        if not settings.signing_key_password_file:
            raise UserError(f"the signing key {path} is encrypted: name the file holding its "
                            "password in PLANWATCH_SIGNING_KEY_PASSWORD_FILE (mode 0600)")
        password_file = Path(settings.signing_key_password_file)
        _refuse_place(settings, password_file, {})
        password = _private_bytes(password_file, "the signing key's password file")
        try:
            secret.decrypt(password.decode("utf-8").rstrip("\r\n"))
        except (minisign.Error, UnicodeDecodeError):
            raise UserError(f"the password in {password_file} does not open the signing "
                            f"key {path}") from None
    key_id = key_id_of(secret.get_public_key())
    public = published_key(settings, key_id)
    if public is None or public.to_base64() != secret.get_public_key().to_base64():
        raise UserError(f"the signing key's public key ({key_id}) is not in the published "
                        f"key history {settings.public_keys_dir}: publish it there first "
                        "(packs it signed could not be checked)")
    return Signer(key_id=key_id, secret=secret,
                  public_file=settings.public_keys_dir / f"{key_id}{PUBLIC_SUFFIX}")


def check_signature(keys: Path, data: bytes, signature_file: bytes) -> tuple[str, str]:
    """Check a ``.minisig`` over ``data`` against the key of its id in the history
    folder ``keys``. Returns (key id, trusted comment); raises SignatureProblem."""
    try:
        signature = minisign.Signature.from_bytes(signature_file)
    except (minisign.Error, ValueError) as exc:
        raise SignatureProblem(f"not a minisign signature ({exc})") from None
    key_id = key_id_of(signature)
    public = published_key_in(keys, key_id)
    if public is None:
        raise SignatureProblem(f"signed with key {key_id}, which is not in the published key "
                               f"history {keys}")
    try:
        public.verify(data, signature)
    except minisign.Error:
        raise SignatureProblem(f"the signature does not match (key {key_id}): the signed "
                               "file or its trusted comment was changed") from None
    return key_id, signature.trusted_comment
