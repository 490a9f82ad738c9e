"""VC-JWT as Open Badges 3.0 has it: the credential is the JWT payload, signed RS256 by the
province's current key, whose id is the header's ``kid``."""
from __future__ import annotations

from typing import Any

import jwt

from portal.credentials import keys


def sign(payload: dict[str, Any]) -> tuple[str, str]:
    """(compact JWS, key id)."""
    key = keys.signing_key()
    return jwt.encode(payload, key.key, algorithm=keys.ALGORITHM, headers={"kid": key.kid, "typ": "JWT"}), key.kid
