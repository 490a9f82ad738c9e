"""Where to send a user after login: only a path on this site, whatever the Host header says."""
from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a local path ("/people/?page=2"), else ``fallback``.

    Anything with a scheme or host, protocol-relative ("//evil"), backslash tricks ("/\\evil")
    or control characters is refused, so neither ``next`` nor a forged Host header can send the
    user off-site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
