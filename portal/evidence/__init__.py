"""Evidence files of credit records: content checks and storage."""
from portal.evidence.checks import Checked, EvidenceRejected, inspect
from portal.evidence.storage import EvidenceStore, LocalEvidenceStore, evidence_store

__all__ = ["Checked", "EvidenceRejected", "EvidenceStore", "LocalEvidenceStore", "evidence_store", "inspect"]
