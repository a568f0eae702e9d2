"""Reporter privacy: identity encryption, the keyed phone hash, and the one redaction function.

A reporter's name and phone are personal data. They are stored only as Fernet ciphertext, with
a key derived from ``settings.secret_key``; a keyed HMAC-SHA256 of the normalised phone number
lets analysts group reports by reporter without learning who it is.

Every export, map layer and API answer takes its rows through :func:`redact`, which knows the
caller's role and the SP4N-LAPOR! confidentiality of each report: ``rahasia`` reports never leave
the agency, ``anonim`` reports may, and the identity leaves only for roles that handle it.

Examples
--------
>>> from geo.settings import Settings
>>> s = Settings(secret_key="example-key")
>>> token = encrypt_identity("Budi", settings=s)
>>> decrypt_identity(token, settings=s)
'Budi'
>>> normalise_phone("0812-3456-7890")
'6281234567890'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, TypeVar, overload

import pandas as pd
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from geo.errors import N_, ConfigurationError, PermissionDenied, ValidationError
from geo.settings import Settings

__all__ = [
    "ROLES",
    "AGENCY_ROLES",
    "IDENTITY_ROLES",
    "IDENTITY_COLUMNS",
    "encrypt_identity",
    "decrypt_identity",
    "normalise_phone",
    "reporter_hash",
    "redact",
    "may_see_identity",
    "IdentityCache",
    "PURPOSES",
    "decrypt_for",
    "key_fingerprint",
    "reencrypt_identity",
]

#: Audiences that may receive report data, from the outside in.
ROLES: tuple[str, ...] = ("public", "partner", "field_team", "analyst", "operator", "admin")
#: Roles inside the agency: they may see ``rahasia`` reports (never the identity by that alone).
AGENCY_ROLES: frozenset[str] = frozenset({"field_team", "analyst", "operator", "admin"})
#: Roles that handle complaints and may see who reported (hotline operators, administrators).
IDENTITY_ROLES: frozenset[str] = frozenset({"operator", "admin"})
#: Columns that carry or lead to a reporter's identity.
IDENTITY_COLUMNS: tuple[str, ...] = (
    "reporter_name",
    "reporter_phone",
    "reporter_name_enc",
    "reporter_phone_enc",
)
#: Dropped for audiences outside the agency: the keyed hash links one person's reports.
_PSEUDONYM_COLUMNS: tuple[str, ...] = ("reporter_hash",)

_T = TypeVar("_T", bound=pd.DataFrame)


@lru_cache(maxsize=8)
def _derive(secret: str, purpose: bytes) -> bytes:
    """Derive an independent 32-byte key per purpose, so the hash key never decrypts."""
    if not secret:
        raise ConfigurationError("PANTAU_SECRET_KEY is empty; set a secret", field="secret_key")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pantau-tambang", info=purpose).derive(
        secret.encode("utf-8")
    )


@lru_cache(maxsize=8)
def _fernet_for(secrets: tuple[str, ...]) -> MultiFernet:
    # The first key encrypts; every key decrypts, so identities written before a key rotation
    # stay readable until ``pantau keys rotate`` has re-encrypted them (geo.reports.keys).
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(s, b"reporter-identity"))) for s in secrets]
    )


def _fernet(settings: Settings) -> MultiFernet:
    return _fernet_for((settings.secret_key, *settings.previous_secret_keys))


def key_fingerprint(settings: Settings) -> str:
    """Return a short public fingerprint of the current key (which key a rotation targets).

    Examples
    --------
    >>> from geo.settings import Settings
    >>> len(key_fingerprint(Settings(secret_key="k")))
    16
    """
    return hashlib.sha256(_derive(settings.secret_key, b"key-fingerprint")).hexdigest()[:16]


def reencrypt_identity(token: bytes | None, *, settings: Settings) -> bytes | None:
    """Return ``token`` encrypted again with the current key (it may be under a previous one).

    Raises
    ------
    ConfigurationError
        When neither the current key nor any previous key can decrypt it.
    """
    if token is None:
        return None
    try:
        return _fernet(settings).rotate(bytes(token))
    except InvalidToken:
        raise _undecryptable() from None


def _undecryptable() -> ConfigurationError:
    return ConfigurationError(
        "reporter identity cannot be decrypted with PANTAU_SECRET_KEY or any of "
        "PANTAU_PREVIOUS_SECRET_KEYS (was a key lost?)",
        field="secret_key",
    )


def encrypt_identity(value: str | None, *, settings: Settings) -> bytes | None:
    """Encrypt a name or phone number for storage; empty values stay ``None``.

    Parameters
    ----------
    value
        The clear text (stripped); ``None`` or blank gives ``None``.
    settings
        Where the secret key comes from (injected by the use case; never read here).

    Returns
    -------
    bytes or None
        A Fernet token (authenticated, timestamped ciphertext).

    Examples
    --------
    >>> encrypt_identity(" ", settings=settings) is None
    True
    """
    if value is None or not value.strip():
        return None
    return _fernet(settings).encrypt(value.strip().encode("utf-8"))


def decrypt_identity(token: bytes | None, *, settings: Settings) -> str | None:
    """Decrypt a value written by :func:`encrypt_identity`.

    Raises
    ------
    ConfigurationError
        When the token was written with another secret key.

    Examples
    --------
    >>> decrypt_identity(None, settings=settings) is None
    True
    """
    if token is None:
        return None
    try:
        return _fernet(settings).decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        raise _undecryptable() from None


#: The only reasons code outside this module may have an identity decrypted (no role is asking
#: to see it): answering a sender on the channel they wrote from, turning a channel's stored
#: message into a report, reading a raw delivery kept for audit, and re-encrypting for a new key.
PURPOSES: tuple[str, ...] = (
    "reply_to_sender",
    "report_from_channel",
    "raw_delivery",
    "key_rotation",
)


def decrypt_for(token: bytes | None, *, purpose: str, settings: Settings) -> str | None:
    """Decrypt an identity (or a sealed raw message) for one of :data:`PURPOSES`.

    The wall: outside this module nothing calls :func:`decrypt_identity`; it states why it
    needs the clear text, and a test keeps that list short.

    Raises
    ------
    PermissionDenied
        For a purpose that is not one of :data:`PURPOSES`.
    """
    if purpose not in PURPOSES:
        raise PermissionDenied(f"purpose: expected one of {', '.join(PURPOSES)}, got {purpose!r}")
    return decrypt_identity(token, settings=settings)


def normalise_phone(phone: str) -> str:
    """Return an Indonesian phone number as digits with country code 62 (``62812...``).

    ``0812-3456-7890``, ``+62 812 3456 7890`` and ``6281234567890`` are the same number. The
    error message never repeats the number.

    Raises
    ------
    ValidationError
        When fewer than 8 or more than 15 digits remain (field ``reporter_phone``).

    Examples
    --------
    >>> normalise_phone("+62 812 3456 7890")
    '6281234567890'
    """
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not 8 <= len(digits) <= 15:
        raise ValidationError.of(
            N_("{field}: expected a phone number of 8 to 15 digits, got {count} digits"),
            field="reporter_phone",
            count=len(digits),
        )
    return digits


def reporter_hash(phone: str | None, *, settings: Settings) -> str | None:
    """Return the keyed HMAC-SHA256 (hex) of the normalised phone, or ``None`` without one.

    Without the secret key the hash cannot be reversed by trying every phone number.

    Examples
    --------
    >>> same = reporter_hash("+6281234567890", settings=settings)
    >>> reporter_hash("0812-3456-7890", settings=settings) == same
    True
    """
    if phone is None or not phone.strip():
        return None
    key = _derive(settings.secret_key, b"reporter-hash")
    return hmac.new(key, normalise_phone(phone).encode("ascii"), hashlib.sha256).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise PermissionDenied(f"role: expected one of {', '.join(ROLES)}, got {role!r}")


def may_see_identity(role: str) -> bool:
    """Return whether ``role`` may see a reporter's name and phone.

    Examples
    --------
    >>> may_see_identity("analyst"), may_see_identity("operator")
    (False, True)
    """
    _check_role(role)
    return role in IDENTITY_ROLES


@overload
def redact(rows: _T, *, role: str, settings: Settings | None = None) -> _T: ...


@overload
def redact(
    rows: Iterable[Mapping[str, Any]], *, role: str, settings: Settings | None = None
) -> list[dict[str, Any]]: ...


def redact(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    role: str,
    settings: Settings | None = None,
) -> pd.DataFrame | list[dict[str, Any]]:
    """Return ``rows`` as ``role`` may see them: the one gate for exports, maps and the API.

    - Outside the agency (``public``, ``partner``) a report is shown only when its
      confidentiality is ``anonim``; a missing or blank flag counts as ``rahasia`` (the safest),
      and a table without the column loses every row. The keyed reporter hash is dropped too.
    - Identity (``reporter_name``, ``reporter_phone`` and their ciphertexts) is removed for every
      role but ``operator`` and ``admin``; for those, ciphertext columns are decrypted into
      ``reporter_name`` / ``reporter_phone``.

    Parameters
    ----------
    rows
        A (Geo)DataFrame, or an iterable of mappings (e.g. SQLAlchemy ``RowMapping``).
    role
        One of :data:`ROLES`.
    settings
        Key source for decryption (identity roles only).

    Returns
    -------
    Same kind as given (a list of dicts for mappings), never the input object itself.

    Raises
    ------
    PermissionDenied
        For an unknown role.

    Examples
    --------
    >>> rows = [{"code": "PTM-A", "confidentiality": "rahasia", "reporter_name_enc": b"x"},
    ...         {"code": "PTM-B", "confidentiality": "anonim", "reporter_name_enc": b"y"}]
    >>> redact(rows, role="public")
    [{'code': 'PTM-B', 'confidentiality': 'anonim'}]
    >>> [r["code"] for r in redact(rows, role="analyst")]
    ['PTM-A', 'PTM-B']
    """
    _check_role(role)
    if isinstance(rows, pd.DataFrame):
        return _redact_frame(rows, role=role, settings=settings)
    frame_rows = [dict(r) for r in rows]
    if not frame_rows:
        return []
    kept: list[dict[str, Any]] = []
    for row in frame_rows:
        if role not in AGENCY_ROLES and row.get("confidentiality") != "anonim":
            continue
        kept.append(_redact_mapping(row, role=role, settings=settings))
    return kept


def _key_source(settings: Settings | None) -> Settings:
    # Identity is never decrypted with a key guessed from the environment.
    if settings is None:
        raise ConfigurationError(
            "revealing a reporter's identity needs the settings (secret key) passed in"
        )
    return settings


def _redact_mapping(row: dict[str, Any], *, role: str, settings: Settings | None) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in IDENTITY_COLUMNS}
    if role not in AGENCY_ROLES:
        for column in _PSEUDONYM_COLUMNS:
            out.pop(column, None)
    if role in IDENTITY_ROLES:
        for enc, clear in (
            ("reporter_name_enc", "reporter_name"),
            ("reporter_phone_enc", "reporter_phone"),
        ):
            if enc in row:
                out[clear] = decrypt_identity(row[enc], settings=_key_source(settings))
            elif clear in row:
                out[clear] = row[clear]
    return out


def _redact_frame(frame: _T, *, role: str, settings: Settings | None) -> _T:
    out = frame.copy()
    if role not in AGENCY_ROLES:
        if "confidentiality" in out.columns:
            out = out[out["confidentiality"].eq("anonim").fillna(False).astype(bool)]
        else:
            out = out.iloc[0:0]
        out = out.drop(columns=[c for c in _PSEUDONYM_COLUMNS if c in out.columns])
    if role in IDENTITY_ROLES:
        for enc, clear in (
            ("reporter_name_enc", "reporter_name"),
            ("reporter_phone_enc", "reporter_phone"),
        ):
            if enc in out.columns:
                out[clear] = [
                    decrypt_identity(bytes(v), settings=_key_source(settings))
                    if isinstance(v, bytes | bytearray | memoryview)
                    else None
                    for v in out[enc]
                ]
        out = out.drop(
            columns=[c for c in ("reporter_name_enc", "reporter_phone_enc") if c in out.columns]
        )
    else:
        out = out.drop(columns=[c for c in IDENTITY_COLUMNS if c in out.columns])
    return out


class IdentityCache:
    """Memoised :func:`encrypt_identity` and :func:`reporter_hash` for one bulk import.

    A phone number repeats across one reporter's reports; encrypting it once per import gives
    equal ciphertexts where the keyed hash already shows the reports share a reporter, so it
    reveals nothing more. A name is reused only together with the same phone hash; a name
    without a phone is encrypted afresh each time (equal ciphertexts would link those reports).
    The stored formats are those of the uncached functions.

    Examples
    --------
    >>> from geo.settings import Settings
    >>> cache = IdentityCache(Settings(secret_key="example-key"))
    >>> cache.phone_hash("0812-3456-7890") == cache.phone_hash("+62 812 3456 7890")
    True
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._hash: dict[str, str | None] = {}
        self._phone: dict[str, bytes | None] = {}
        self._name: dict[tuple[str, str], bytes | None] = {}

    def phone_hash(self, phone: str | None) -> str | None:
        """Return :func:`reporter_hash` of ``phone`` (raises the same ``ValidationError``)."""
        if phone is None:
            return None
        try:
            return self._hash[phone]
        except KeyError:
            value = self._hash[phone] = reporter_hash(phone, settings=self.settings)
            return value

    def phone(self, phone: str | None) -> bytes | None:
        """Return :func:`encrypt_identity` of a phone number, once per distinct number."""
        if phone is None:
            return None
        try:
            return self._phone[phone]
        except KeyError:
            value = self._phone[phone] = encrypt_identity(phone, settings=self.settings)
            return value

    def name(self, name: str | None, phone_hash: str | None) -> bytes | None:
        """Return :func:`encrypt_identity` of a name, reused only for the same phone hash."""
        if name is None:
            return None
        if phone_hash is None:
            return encrypt_identity(name, settings=self.settings)
        key = (name, phone_hash)
        try:
            return self._name[key]
        except KeyError:
            value = self._name[key] = encrypt_identity(name, settings=self.settings)
            return value
