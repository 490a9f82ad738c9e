"""Antivirus scan of uploaded evidence through clamd's INSTREAM command, off unless
PORTAL_CLAMD_SOCKET names clamd's Unix socket (a path) or its TCP address (host:port)."""
from __future__ import annotations

import socket

from flask import current_app

from portal.hookspecs import hookimpl

CHUNK = 64 * 1024
TIMEOUT = 30  # seconds: a large PDF takes clamd a few


class ClamdError(RuntimeError):
    """clamd could not scan the file (unreachable, over its size limit, or an error)."""


def _connect(address: str) -> socket.socket:
    if "/" in address:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: str | tuple[str, int] = address
    else:
        host, _, port = address.rpartition(":")
        connection = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        target = (host.strip("[]"), int(port))
    connection.settimeout(TIMEOUT)
    try:
        connection.connect(target)
    except OSError:
        connection.close()
        raise
    return connection


def scan(address: str, data: bytes) -> str | None:
    """None when clamd finds ``data`` clean, else the signature it found; ClamdError otherwise."""
    try:
        with _connect(address) as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                connection.sendall(len(chunk).to_bytes(4, "big") + chunk)
            connection.sendall(b"\0\0\0\0")
            reply = b""
            while not reply.endswith(b"\0"):
                received = connection.recv(4096)
                if not received:
                    break
                reply += received
    except OSError as e:
        raise ClamdError(f"clamd at {address} cannot be reached: {e}") from e
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: <signature> FOUND", or "... ERROR" (e.g. over StreamMaxLength)
    if answer.endswith(" OK"):
        return None
    if answer.endswith(" FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ClamdError(f"clamd at {address} answered {answer!r}")


@hookimpl
def scan_upload(data, filename):
    address = current_app.config.get("CLAMD_SOCKET", "")
    return scan(address, data) if address else None
