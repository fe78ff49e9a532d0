"""The case store's key: a random data key, wrapped by the officer's passphrase.

The store is encrypted with a random 256-bit data key (SQLCipher raw key). The data key is
never written in the clear: ``cases.key.json`` next to the store holds it wrapped (AES-256-GCM)
under a key derived from the passphrase with scrypt (``SCRYPT_N``/``_R``/``_P``: 128 MiB and
about 0.3 s on an office PC), and optionally a second time under a recovery key for the
bank's IT. Changing the passphrase rewraps the data key; the store itself is not touched.

Wrong passphrases are counted in ``cases.key.attempts``; from the ``FREE_ATTEMPTS``-th wrong
one on, every further attempt waits (doubling up to ``MAX_DELAY`` seconds) before the key
derivation is even tried. A correct passphrase resets the count.

An unlocked data key is remembered for the process (``remember``), so every connection the
app opens on that store (the window, workers, documents) can use it without asking again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visitdesk.atomic import atomic_write_text
from visitdesk.core.errors import InputError
from visitdesk.i18n import tr

KEY_FILE = "cases.key.json"
PENDING_KEY_FILE = "cases.key.pending.json"
ATTEMPTS_FILE = "cases.key.attempts"
FORMAT = 1

SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
_SCRYPT_MAXMEM = 256 * 1024 * 1024
FREE_ATTEMPTS = 3
MAX_DELAY = 60.0
_AAD_PASSPHRASE = b"visitdesk store data key, passphrase wrap v1"
_AAD_RECOVERY = b"visitdesk store data key, recovery wrap v1"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class StoreLocked(InputError):
    """The store is encrypted and no passphrase (or a wrong one) was given."""


class WrongPassphrase(StoreLocked):
    """The passphrase (or recovery key) does not open the store; the message counts attempts."""

    def __init__(self, message: str, failures: int) -> None:
        super().__init__(message)
        self.failures = failures


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def derive_key(passphrase: str, salt: bytes, *, n: int = SCRYPT_N, r: int = SCRYPT_R,
               p: int = SCRYPT_P) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=max(_SCRYPT_MAXMEM, 256 * n * r), dklen=32)


def _wrap(kek: bytes, data_key: bytes, aad: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "wrapped": _b64(AESGCM(kek).encrypt(nonce, data_key, aad))}


def _unwrap(kek: bytes, entry: dict[str, Any], aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
    except InvalidTag:
        return None


def _recovery_kek(recovery_key: str, salt: bytes) -> bytes:
    """The recovery key has 160 random bits: a plain salted hash is enough to derive from it."""
    normal = "".join(ch for ch in recovery_key.upper() if ch in _RECOVERY_ALPHABET)
    return hashlib.sha256(salt + normal.encode("ascii")).digest()


def key_check(data_key: bytes) -> str:
    """A short fingerprint of the data key (tells which key a file belongs to, reveals nothing)."""
    return hashlib.sha256(b"visitdesk key check\0" + data_key).hexdigest()[:16]


def new_recovery_key() -> str:
    """32 characters of a 32-letter alphabet (160 bits) in groups of four, easy to type."""
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(32))
    return "-".join(chars[i:i + 4] for i in range(0, 32, 4))


@dataclass
class KeyFile:
    """The wrapped data key and how to unwrap it (the contents of ``cases.key.json``)."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreLocked(tr("privacy.key.unreadable", path=str(path))) from exc
        if data.get("format") != FORMAT:
            raise StoreLocked(tr("privacy.key.unreadable", path=str(path)))
        return cls(path, data)

    @classmethod
    def create(cls, path: Path, data_key: bytes, passphrase: str) -> KeyFile:
        kf = cls(path, {"format": FORMAT, "cipher": "sqlcipher4-raw-key",
                        "check": key_check(data_key)})
        kf._set_passphrase(data_key, passphrase)
        return kf

    def save(self, path: Path | None = None) -> None:
        from visitdesk.private_files import make_private

        target = path or self.path
        atomic_write_text(target, json.dumps(self.data, indent=2) + "\n")
        make_private(target)

    def _set_passphrase(self, data_key: bytes, passphrase: str) -> None:
        salt = secrets.token_bytes(16)
        kek = derive_key(passphrase, salt)
        self.data["passphrase"] = {
            "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt),
            **_wrap(kek, data_key, _AAD_PASSPHRASE),
        }

    def unwrap_with_passphrase(self, passphrase: str) -> bytes | None:
        entry = self.data["passphrase"]
        kek = derive_key(passphrase, _unb64(entry["salt"]), n=int(entry["n"]),
                         r=int(entry["r"]), p=int(entry["p"]))
        return _unwrap(kek, entry, _AAD_PASSPHRASE)

    def unwrap_with_recovery(self, recovery_key: str) -> bytes | None:
        entry = self.data.get("recovery")
        if not entry:
            return None
        return _unwrap(_recovery_kek(recovery_key, _unb64(entry["salt"])), entry, _AAD_RECOVERY)

    @property
    def has_recovery(self) -> bool:
        return bool(self.data.get("recovery"))

    def set_recovery(self, data_key: bytes) -> str:
        """Wrap the data key under a new recovery key (replacing any earlier one); returns it."""
        recovery = new_recovery_key()
        salt = secrets.token_bytes(16)
        self.data["recovery"] = {"salt": _b64(salt),
                                 **_wrap(_recovery_kek(recovery, salt), data_key, _AAD_RECOVERY)}
        return recovery


# --- attempts ---------------------------------------------------------------------------------
def _attempts_path(data_dir: Path) -> Path:
    return Path(data_dir) / ATTEMPTS_FILE


def failures(data_dir: Path) -> int:
    try:
        return int(_attempts_path(data_dir).read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def delay_for(failed: int) -> float:
    """Seconds to wait before the next attempt after ``failed`` wrong ones."""
    if failed < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY, 2.0 ** (failed - FREE_ATTEMPTS + 1))


def _record_failure(data_dir: Path) -> int:
    count = failures(data_dir) + 1
    atomic_write_text(_attempts_path(data_dir), f"{count}\n")
    return count


def _reset_failures(data_dir: Path) -> None:
    try:
        _attempts_path(data_dir).unlink()
    except FileNotFoundError:
        pass


# --- the session's unlocked keys --------------------------------------------------------------
_UNLOCKED: dict[Path, bytes] = {}


def _norm(data_dir: Path | str) -> Path:
    return Path(data_dir).resolve()


def remember(data_dir: Path | str, data_key: bytes) -> None:
    _UNLOCKED[_norm(data_dir)] = data_key


def forget(data_dir: Path | str | None = None) -> None:
    """Drop the remembered key of ``data_dir`` (all of them when ``None``)."""
    if data_dir is None:
        _UNLOCKED.clear()
    else:
        _UNLOCKED.pop(_norm(data_dir), None)


def remembered(data_dir: Path | str) -> bytes | None:
    return _UNLOCKED.get(_norm(data_dir))


def key_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / KEY_FILE


def is_encrypted(data_dir: Path | str) -> bool:
    """True when the store in ``data_dir`` is (or is being) protected by a passphrase."""
    return key_path(data_dir).is_file() or (Path(data_dir) / PENDING_KEY_FILE).is_file()


def unlock(data_dir: Path | str, passphrase: str, *,
           sleep: Callable[[float], None] = time.sleep) -> bytes:
    """The data key of the store in ``data_dir``, remembered for this process.

    Waits first when earlier attempts failed (see ``delay_for``); a wrong passphrase raises
    ``WrongPassphrase`` whose message says how many attempts failed and what comes next.
    """
    data_dir = Path(data_dir)
    path = key_path(data_dir)
    if not path.is_file() and (data_dir / PENDING_KEY_FILE).is_file():
        path = data_dir / PENDING_KEY_FILE
    kf = KeyFile.load(path)
    wait = delay_for(failures(data_dir))
    if wait:
        sleep(wait)
    data_key = kf.unwrap_with_passphrase(passphrase)
    if data_key is None:
        count = _record_failure(data_dir)
        nxt = delay_for(count)
        message = tr("privacy.unlock.wrong", count=count)
        if nxt:
            message += " " + tr("privacy.unlock.delay", seconds=int(nxt))
        raise WrongPassphrase(message, count)
    _reset_failures(data_dir)
    remember(data_dir, data_key)
    return data_key


def unlock_with_recovery(data_dir: Path | str, recovery_key: str, *,
                         sleep: Callable[[float], None] = time.sleep) -> bytes:
    data_dir = Path(data_dir)
    kf = KeyFile.load(key_path(data_dir))
    if not kf.has_recovery:
        raise InputError(tr("privacy.recovery.none"))
    wait = delay_for(failures(data_dir))
    if wait:
        sleep(wait)
    data_key = kf.unwrap_with_recovery(recovery_key)
    if data_key is None:
        count = _record_failure(data_dir)
        raise WrongPassphrase(tr("privacy.recovery.wrong", count=count), count)
    _reset_failures(data_dir)
    remember(data_dir, data_key)
    return data_key


def change_passphrase(data_dir: Path | str, data_key: bytes, new_passphrase: str) -> None:
    """Rewrap ``data_key`` under ``new_passphrase`` (the caller checked its strength and
    proved it may: by the old passphrase or the recovery key)."""
    kf = KeyFile.load(key_path(data_dir))
    if kf.data.get("check") != key_check(data_key):
        raise StoreLocked(tr("privacy.key.unreadable", path=str(kf.path)))
    kf._set_passphrase(data_key, new_passphrase)
    kf.save()


def create_recovery_key(data_dir: Path | str, data_key: bytes) -> str:
    kf = KeyFile.load(key_path(data_dir))
    recovery = kf.set_recovery(data_key)
    kf.save()
    return recovery
