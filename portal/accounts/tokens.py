"""The API token manager: Flask-JWT-Extended's, checking a token in one decode instead of three."""
from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_jwt_extended.tokens import _decode_jwt
from jwt import PyJWTError


class OneDecodeJWTManager(JWTManager):
    """Before its checked decode, the library decodes every token twice more without checking
    (claims, then header) only to hand both to the decode-key callback; with the default callback
    (one configured key) they are not needed, and the three decodes were a sixth of an autosave's
    time. A token that fails the check takes the library's own way, which adds to the error what
    its handlers read. (Flask-JWT-Extended is pinned: this follows its 4.7 internals.)"""

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if self._decode_key_callback is not default_decode_key_callback:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        try:
            return _decode_jwt(algorithms=config.decode_algorithms, allow_expired=allow_expired,
                               audience=config.decode_audience, csrf_value=csrf_value, encoded_token=encoded_token,
                               identity_claim_key=config.identity_claim_key, issuer=config.decode_issuer,
                               leeway=config.leeway, secret=config.decode_key,
                               verify_aud=config.decode_audience is not None, verify_sub=config.verify_sub)
        except (PyJWTError, JWTExtendedException):
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
