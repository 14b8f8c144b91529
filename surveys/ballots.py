"""Sealing and opening ballots: AES-256-GCM with a key derived from a secret outside the
database (``SURVEYS_BALLOT_KEY``, or ``SECRET_KEY`` when it is unset), so a database reader
cannot read an answer sheet while it waits in the ballot box next to the claimed invitation.

Written here rather than taken from a Django package: the two functions are a thin use of the
``cryptography`` library's AEAD primitive, and the field packages on PyPI either encrypt with a
deterministic scheme or keep the key in the database settings table.
"""

from __future__ import annotations

import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES = 12


def _key() -> bytes:
    secret = getattr(settings, "SURVEYS_BALLOT_KEY", "") or settings.SECRET_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"im-portal ballot box").derive(secret.encode())


def seal(payload: dict, *, wave_id: int) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    data = json.dumps(payload, separators=(",", ":")).encode()
    return nonce + AESGCM(_key()).encrypt(nonce, data, str(wave_id).encode())


def unseal(sealed: bytes, *, wave_id: int) -> dict:
    sealed = bytes(sealed)
    nonce, data = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return json.loads(AESGCM(_key()).decrypt(nonce, data, str(wave_id).encode()))
