"""The province's credential signing keys, in the instance folder's ``credential_keys/``.

Each key is an RSA pair (RS256, the algorithm Open Badges 3.0 requires every verifier to
support) named by its key id: ``<kid>.pem`` is the private key (mode 0600), ``<kid>.pub.pem`` its
public half. Only the current key keeps its private file; rotating writes a new pair and deletes
the old private file, so a stolen backup of old keys can sign nothing, while every public key
stays published (JWKS, issuer profile) and the credentials it signed keep verifying.

Key ids start with the UTC time of creation, so the newest private key is the current one.
Parsed keys are cached on the app, keyed by file and modification time, so every worker sees a
rotation made by the CLI at its next signature."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from jwt.algorithms import RSAAlgorithm

ALGORITHM = "RS256"
FOLDER = "credential_keys"
PRIVATE, PUBLIC = ".pem", ".pub.pem"


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: rsa.RSAPublicKey
    created: dt.datetime
    current: bool

    def jwk(self) -> dict[str, Any]:
        return {**RSAAlgorithm.to_jwk(self.key, as_dict=True), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    key: rsa.RSAPrivateKey


def folder(app: Flask | None = None) -> Path:
    return Path((app or current_app).instance_path) / FOLDER


def ensure(app: Flask | None = None) -> None:
    """Make the first key pair when there is none (set-up, or the first credential)."""
    app = app or current_app
    if not _privates(folder(app)):
        _generate(folder(app), app.config["CREDENTIAL_KEY_BITS"])
        app.logger.warning("generated a credential signing key in %s", folder(app))


def rotate() -> str:
    """A new current key; the old ones keep only their public halves. Returns the new key id."""
    path = folder()
    old = _privates(path)
    kid = _generate(path, current_app.config["CREDENTIAL_KEY_BITS"])
    for private in old:
        private.unlink()
    return kid


def signing_key() -> SigningKey:
    ensure()
    try:
        private = _privates(folder())[-1]
        key = _cached(private, serialization.load_pem_private_key, password=None)
    except FileNotFoundError:
        # A rotation deleted it between listing and reading: the new key is there now.
        private = _privates(folder())[-1]
        key = _cached(private, serialization.load_pem_private_key, password=None)
    return SigningKey(private.name.removesuffix(PRIVATE), key)


def published() -> list[PublicKey]:
    """Every key's public half, oldest first; the newest one with a private file is current."""
    ensure()
    path = folder()
    current = _privates(path)[-1].name.removesuffix(PRIVATE)
    keys = []
    for public in sorted(path.glob(f"*{PUBLIC}")):
        kid = public.name.removesuffix(PUBLIC)
        keys.append(PublicKey(kid, _cached(public, serialization.load_pem_public_key), _created(kid), kid == current))
    return keys


def public_key(kid: str) -> PublicKey | None:
    return next((k for k in published() if k.kid == kid), None)


def jwks() -> dict[str, Any]:
    return {"keys": [k.jwk() for k in published()]}


def _privates(path: Path) -> list[Path]:
    return sorted(p for p in path.glob(f"*{PRIVATE}") if not p.name.endswith(PUBLIC)) if path.is_dir() else []


def _generate(path: Path, bits: int) -> str:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    created = dt.datetime.now(dt.UTC)
    kid = f"{created:%Y%m%dT%H%M%S%fZ}-{_thumbprint(key.public_key())[:16]}"
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _write(path / f"{kid}{PUBLIC}", public, 0o644)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write(path / f"{kid}{PRIVATE}", private, 0o600)
    return kid


def _write(target: Path, content: bytes, mode: int) -> None:
    """Written under a temporary name with its mode from the start, then renamed into place,
    so no reader ever sees half a key and a private key is never readable by others."""
    temporary = target.with_name(f".{target.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.replace(temporary, target)


def _thumbprint(key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def _created(kid: str) -> dt.datetime:
    return dt.datetime.strptime(kid.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)


def _cached(path: Path, load, **options):
    cache = current_app.extensions.setdefault("portal_credential_keys", {})
    stamp = (path, path.stat().st_mtime_ns)
    if stamp not in cache:
        cache[stamp] = load(path.read_bytes(), **options)
    return cache[stamp]
