"""Administrative events in the audit trail (portal.models.audit): sign-in, sign-out and failures,
password resets and changes, role and self-entry changes, staff imports, transfers, certificate
revocations, reminders, dictionary edits, approvals of whole selections and reveals of personal
data. Written in the caller's transaction; never with a password or a code in it."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_appbuilder.security.sqla.models import User

from portal.accounts.actor import Actor
from portal.extensions import db
from portal.models import AuditEntry

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
PASSWORD_CHANGE = "password_change"
PASSWORD_RESET = "password_reset"
PASSWORD_RECOVERY = "password_recovery"
ROLE_CHANGE = "role_change"
SELF_ENTRY_GRANT = "self_entry_grant"
SELF_ENTRY_REVOKE = "self_entry_revoke"
STAFF_IMPORT = "staff_import"
TRANSFER_REQUEST = "transfer_request"
TRANSFER_APPROVE = "transfer_approve"
TRANSFER_REFUSE = "transfer_refuse"
TRANSFER_WITHDRAW = "transfer_withdraw"
CERTIFICATE_REVOKE = "certificate_revoke"
CREDENTIAL_KEY_ROTATE = "credential_key_rotate"
REMINDERS_SENT = "reminders_sent"
DICTIONARY_CHANGE = "dictionary_change"
REVIEW_BATCH = "review_batch"
PROJECT_ADMIN_GRANT = "project_admin_grant"
PROJECT_ADMIN_REVOKE = "project_admin_revoke"
ACTIVITY_SAVE = "activity_save"
ACTIVITY_CLOSE = "activity_close"
# An admin asked to see a person's full ID number or phone (masked everywhere else); ``after``
# names the field, never its value.
PERSONAL_DATA_REVEAL = "personal_data_reveal"
RULE_SET_CHANGE = "rule_set_change"
YEAR_REJUDGE = "year_rejudge"
# The provincial admin asked for the dashboards' figures to be computed again (重新计算).
TALLIES_RECOUNT = "tallies_recount"
# The list of a year's people not compliant (province-wide or a city's) was exported.
FAILING_EXPORT = "failing_export"
# 人脸建档 (plugins/faces/): made by the learner, withdrawn by them, reset by their unit admin.
FACE_ENROLL = "face_enroll"
FACE_WITHDRAW = "face_withdraw"
FACE_RESET = "face_reset"
EVALUATION_FORM_EDIT = "evaluation_form_edit"
EVALUATION_ATTACH = "evaluation_attach"
EXAM_SAVE = "exam_save"
QUESTIONS_SAVE = "questions_save"


def write(action: str, target: User | None, actor: Actor | None, unit_id: int | None = None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """An account event about ``target`` (None: an account nobody named rightly) by ``actor``
    (None: nobody signed in), from this request's address."""
    db.session.add(AuditEntry(
        user_id=actor.user.id if actor else None, role=actor.api_role if actor else "anonymous", action=action,
        target_user_id=target.id if target else None, unit_id=unit_id,
        ip=request.remote_addr if has_request_context() else None, before=before, after=after,
    ))
