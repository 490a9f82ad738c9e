"""Evidence files of credit records: content checks, storage and the sweep of what is left over."""
from portal.evidence.checks import Checked, EvidenceRejected, inspect
from portal.evidence.scanning import scan
from portal.evidence.storage import EvidenceStore, LocalEvidenceStore, StorageFull, evidence_store, save_in_transaction

__all__ = ["Checked", "EvidenceRejected", "EvidenceStore", "LocalEvidenceStore", "StorageFull", "evidence_store",
           "inspect", "save_in_transaction", "scan"]
