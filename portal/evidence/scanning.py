"""The virus scan of evidence: the scanner plugins (``scan_upload``, e.g. clamd) look at a file
that passed the content checks, before it is stored. Without a configured scanner nothing happens."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from portal.evidence.checks import EvidenceRejected


def scan(data: bytes, filename: str) -> None:
    """EvidenceRejected when a scanner finds something, or cannot answer (a configured scanner
    that is down must not let files through)."""
    try:
        findings = [f for f in current_app.extensions["portal"].pm.hook.scan_upload(data=data, filename=filename) if f]
    except Exception:
        current_app.logger.exception("the virus scan of an upload failed: the upload is refused")
        raise EvidenceRejected(_("%(name)s could not be checked for viruses just now; try again later.",
                                 name=filename)) from None
    if findings:
        current_app.logger.warning("the virus scan refused an upload: %s", ", ".join(findings))
        raise EvidenceRejected(_("%(name)s was refused by the virus scan.", name=filename))
