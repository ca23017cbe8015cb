"""Password hashing (Argon2id) and generation."""

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: list[str] = []


def _dummy() -> str:
    """Verified against when the user does not exist, so a wrong name costs as long as a wrong password."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("zuoxi-timing-equaliser"))
    return _dummy_hash[0]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password(length: int = 12) -> str:
    """Letters and digits without look-alikes, so it can be read aloud or copied from a screen."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
