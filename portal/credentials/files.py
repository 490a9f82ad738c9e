"""A credential as a download: JSON (the credential with its VC-JWT beside it) or the bare JWT."""
from __future__ import annotations

import io
import json

from flask import Response

from portal.credentials import services
from portal.exports.responses import send_attachment
from portal.models import VerifiableCredential

JWT_MEDIA_TYPE = "application/jwt"


def document(credential: VerifiableCredential) -> dict:
    return {"credential": services.payload(credential), "jwt": credential.jwt}


def send_json(credential: VerifiableCredential, number: str) -> Response:
    data = json.dumps(document(credential), ensure_ascii=False, indent=2).encode("utf-8")
    return send_attachment(io.BytesIO(data), "application/json", f"{number}.json")


def send_jwt(credential: VerifiableCredential, number: str) -> Response:
    return send_attachment(io.BytesIO(credential.jwt.encode("ascii")), JWT_MEDIA_TYPE, f"{number}.jwt")
