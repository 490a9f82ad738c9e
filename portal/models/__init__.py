"""SQLAlchemy models, one module per aggregate. Importing this package registers them all
on Flask-AppBuilder's metadata, which Alembic reads."""
from portal.models.accounts import AccountSession, AccountState, CaptchaChallenge, LoginThrottle
from portal.models.activities import Activity, ActivityAllowed, ActivitySession, Attendance, AttendanceRefusal, PersonalCodeKey
from portal.models.audit import AuditEntry
from portal.models.categories import CreditCategory
from portal.models.certificates import Certificate
from portal.models.credentials import VerifiableCredential
from portal.models.credit_forms import CreditForm
from portal.models.credits import CreditRecord, CreditYear, CreditYearBucket, EvidenceFile
from portal.models.dictionaries import DictionaryEntry
from portal.models.evaluations import ActivityEvaluated, ActivityEvaluation, EvaluationAnswer, EvaluationForm
from portal.models.exams import AttemptSlot, Exam, ExamAttempt, Question, QuestionVersion
from portal.models.exports import ExportJob
from portal.models.faces import FaceEnrollment
from portal.models.idempotency import IdempotencyKey
from portal.models.notices import Notice
from portal.models.people import Person, PersonHistory
from portal.models.reference import ReferenceStamp
from portal.models.sms import SmsCode
from portal.models.standards import JudgedYear, RuleSet, RuleSetVersion
from portal.models.tallies import PersonYearVerdict, TallyRun, UnitYearTally
from portal.models.transfers import Transfer
from portal.models.units import Unit

__all__ = [
    "AccountSession", "AccountState", "Activity", "ActivityAllowed", "ActivityEvaluated", "ActivityEvaluation",
    "ActivitySession", "AttemptSlot", "Attendance", "EvaluationAnswer", "EvaluationForm", "Exam", "ExamAttempt",
    "Question", "QuestionVersion",
    "AttendanceRefusal", "AuditEntry", "CaptchaChallenge", "Certificate", "CreditCategory", "CreditForm",
    "CreditRecord", "CreditYear", "CreditYearBucket", "DictionaryEntry", "EvidenceFile", "ExportJob", "FaceEnrollment",
    "IdempotencyKey", "JudgedYear", "LoginThrottle", "Notice", "Person", "PersonHistory", "PersonalCodeKey", "RuleSet",
    "PersonYearVerdict", "ReferenceStamp", "RuleSetVersion", "SmsCode", "TallyRun", "Transfer", "Unit", "UnitYearTally",
    "VerifiableCredential",
]
