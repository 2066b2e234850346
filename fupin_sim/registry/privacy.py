"""Pseudonymous household keys and the secret behind them.

A household's key is a keyed hash (HMAC-SHA256) of its head's ID number with a secret kept in a
local key file, created on the first import. The same registry imported again with the same key
file gives the same keys, so plans and results can be matched across years; without the key file
nobody can recompute a key from an ID. The key file and the optional re-identification table
(key → head's name and ID, written only on request) must live outside every output folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from fupin_sim.errors import UserError

KEY_FILE_ENV = "FUPIN_KEY_FILE"
DEFAULT_KEY_FILE = Path("~/.config/fupin/registry.key")
KEY_HEX_DIGITS = 16
SECRET_BYTES = 32


def default_key_file() -> Path:
    """``$FUPIN_KEY_FILE``, else ``~/.config/fupin/registry.key``."""
    return Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE).expanduser()


def load_or_create_secret(path: Path) -> tuple[bytes, bool]:
    """The secret in ``path``, created (readable by its owner only) when the file does not exist.

    Returns:
        The secret and whether it was created now.

    Raises:
        UserError: the file exists but is not a key file, or cannot be written.
    """
    if path.exists():
        try:
            return bytes.fromhex(path.read_text(encoding="ascii").strip()), False
        except (ValueError, UnicodeDecodeError):
            raise UserError(f"{path}: not a registry key file (expected hexadecimal digits)") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(SECRET_BYTES)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secret.hex() + "\n")
    except OSError as err:
        raise UserError(f"cannot create the key file {path}: {err.strerror}") from None
    return secret, True


def household_keys(secret: bytes, head_ids: pd.Series) -> pd.Series:
    """Pseudonymous keys (``H`` and 16 hexadecimal digits) of households from their heads' IDs."""
    return head_ids.map(
        lambda id_number: "H" + hmac.new(secret, id_number.encode(), hashlib.sha256).hexdigest()[:KEY_HEX_DIGITS]
    )


def refuse_inside(path: Path, out: Path, what: str) -> None:
    """Refuse to put the key file or the re-identification table inside the output folder.

    Raises:
        UserError: ``path`` is ``out`` or below it.
    """
    resolved, folder = path.expanduser().resolve(), out.expanduser().resolve()
    if resolved == folder or folder in resolved.parents:
        raise UserError(f"the {what} {path} would be inside the output folder {out}; put it somewhere else")


def write_reidentification(path: Path, table: pd.DataFrame) -> None:
    """Write the re-identification table (key, head's name, head's ID) for the office's own use."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, index=False, encoding="utf-8-sig")
        os.chmod(path, 0o600)
    except OSError as err:
        raise UserError(f"cannot write the keys file {path}: {err.strerror}") from None
