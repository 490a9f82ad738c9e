"""Base classes that plugins implement, the values events hand them, and what the core lends a
login method. A plugin author needs this module, portal/hookspecs.py and one example plugin
(plugins/credit_types/research.py); of the rest of portal/, a plugin may import only what
PLUGIN_IMPORTS (at the end) lists."""
from __future__ import annotations

import datetime as dt
import enum
import functools
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, BinaryIO, ClassVar, TypedDict

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, DecimalField, Field, Form, IntegerField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

# Credit classes: I类, II类, 其他.
CREDIT_CLASSES = ("I", "II", "other")
CLASS_LABELS = {"I": _l("Class I"), "II": _l("Class II"), "other": _l("Other")}
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


def round_credits(value: Any) -> Decimal:
    """Credits have two decimals (rounded half up): ``round_credits(Decimal(2500) / 1500)`` is 1.67."""
    return Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


def round_hours(value: Any) -> Decimal:
    """Hours (学时) have one decimal (rounded half up)."""
    return Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def credits_text(value: Any) -> str:
    """The one way credits are printed, on every page, export, form and certificate: 8.00, 2.50
    (also the template filter ``credits``)."""
    return f"{round_credits(value):f}"


def hours_text(value: Any) -> str:
    """The one way hours are printed: 6.0, 2.5 (also the template filter ``hours``)."""
    return f"{round_hours(value):f}"


class AtMostPlaces:
    """A WTForms validator for a DecimalField: refuses a number with more decimals than
    ``places`` (2.555 credits), which the field would otherwise round without a word."""

    def __init__(self, places: int, message: str):
        self.places, self.message = places, message

    def __call__(self, form, field) -> None:
        raw = (field.raw_data or [""])[0]
        try:
            number = Decimal(str(raw).strip())
            rounded = number.quantize(Decimal(1).scaleb(-self.places))
        except (InvalidOperation, ValueError):
            return  # not a number (the field's own check says so), or too large to round
        if number != rounded:  # 2.50 is fine, 2.555 is not
            raise StopValidation(self.message)


class Contract:
    """Something a plugin registers: identified by a unique ``slug``, shown by ``label``."""

    slug: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""


# --- credit types -------------------------------------------------------------------------------

# A record deems years from its activity date's year up to this many after it (a stay of at most
# 24 months spans three calendar years); the summary reads the deeming records of a year within it.
DEEMS_YEARS_AFTER = 2


@dataclass(frozen=True)
class Score:
    """What a record is worth. ``credit_class`` None means "the category's configured class"."""

    credits: Decimal
    hours: Decimal = Decimal("0.0")
    credit_class: str | None = None
    deems_compliant: bool = False
    # The years a record with a period deems compliant (empty: the year of its activity date), each
    # within DEEMS_YEARS_AFTER of the activity date's year.
    deems_years: tuple[int, ...] = ()
    note: str = ""  # shown to the learner, e.g. why a per-project maximum cut the credits

    def __post_init__(self):
        object.__setattr__(self, "credits", round_credits(self.credits))
        object.__setattr__(self, "hours", round_hours(self.hours))
        if self.credit_class is not None and self.credit_class not in CREDIT_CLASSES:
            raise ValueError(f"unknown credit class {self.credit_class!r}")


@dataclass(frozen=True)
class EvidenceRules:
    """What proof a record of this type needs. The portal enforces the limits and checks every
    file by its content (JPEG, PNG or PDF), whatever its name says."""

    required: bool = True
    max_files: int = 5
    max_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class WizardRule:
    """A 具体规定 of the wizard: ``fields`` are the learner-field values choosing it fixes;
    ``credits`` is None when the credits depend on what the learner then enters (hours ...)."""

    key: str
    name: str
    credits: Decimal | None
    fields: Mapping[str, Any] = field(default_factory=dict)
    hours: Decimal | None = None

    def __post_init__(self):
        if self.credits is not None:
            object.__setattr__(self, "credits", round_credits(self.credits))
        if self.hours is not None:
            object.__setattr__(self, "hours", round_hours(self.hours))


@dataclass(frozen=True)
class WizardGroup:
    """A 具体名称 of the wizard with its rules."""

    name: str
    rules: tuple[WizardRule, ...]


class Entry(enum.Flag):
    """How a learner enters a record of a type: ``FORM`` (非向导录入: one page with the common
    fields and the type's ``Fields``), ``WIZARD`` (向导录入: 学分类别 → 具体名称 → 具体规定,
    then that page with what the rule fixes filled in), or ``FORM | WIZARD``."""

    FORM = enum.auto()
    WIZARD = enum.auto()


@dataclass(frozen=True)
class Common:
    """The fields every record shares, whatever its type, beside the type's own ``Fields``.
    The portal asks for them on every entry and fills this from the entry or the stored
    record; codes are dictionary codes (``credit_level``: a 学分级别 code ...). A record's
    hours are its ``Score``'s; its first and last day are ``CreditType.period``'s."""

    activity_name: str = ""
    activity_number: str = ""
    activity_date: dt.date | None = None
    credit_level: str = ""
    hosting_method: str = ""
    discipline: str = ""
    sub_discipline: str = ""
    issuing_unit_id: int | None = None  # the issuing body (发证机构), a unit of the portal
    issuer_name: str = ""  # or, when it is none of ours (中华医学会, another province's organiser), its name
    remarks: str = ""


@dataclass(frozen=True)
class Period:
    """The first and last day of what a record stands for (a project, a stay away ...)."""

    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class ScoringContext:
    """What the portal knows that scoring may need: the record's common fields and the credit
    class of each 学分级别 code."""

    common: Common = field(default_factory=Common)
    level_classes: Mapping[str, str] = field(default_factory=dict)


class PointsTableWidget:
    def __call__(self, field: PointsTableField, **kwargs) -> Markup:
        head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in field.column_labels)
        body = []
        for row in field.rows:
            cells = "".join(
                f"<td><input class='form-control' inputmode='decimal' name='{escape(field.cell_name(row, i))}' "
                f"aria-label='{escape(row)} {escape(label)}' value='{escape(field.cell_text(row, i))}'></td>"
                for i, label in enumerate(field.column_labels)
            )
            body.append(f"<tr><th scope='row'>{escape(row)}</th>{cells}</tr>")
        return Markup(f"<table class='table points-table' id='{escape(field.id)}'><thead><tr><th></th>{head}</tr></thead>"
                      f"<tbody>{''.join(body)}</tbody></table>")


class PointsTableField(Field):
    """A table of credits, e.g. project level × member rank. Its data is
    ``{row: [Decimal, ...]}`` with one value per column."""

    widget = PointsTableWidget()

    def __init__(self, label=None, validators=None, rows=(), column_labels=(), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.rows = tuple(rows)
        self.column_labels = tuple(column_labels)

    def cell_name(self, row: str, column: int) -> str:
        return f"{self.name}-{self.rows.index(row)}-{column}"

    def cell_text(self, row: str, column: int) -> str:
        values = (self.data or {}).get(row) or []
        return str(values[column]) if column < len(values) else ""

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(None, data, extra_filters)
        # The cells arrive under their own names (name-row-column), not under the field's name.
        if formdata is not None and any(key.startswith(f"{self.name}-") for key in formdata):
            try:
                self.data = {row: [self._cell(formdata, row, c) for c in range(len(self.column_labels))]
                             for row in self.rows}
            except ValueError as e:
                self.process_errors.append(str(e))

    def _cell(self, formdata, row: str, column: int) -> Decimal:
        text = (formdata.get(self.cell_name(row, column)) or "").strip()
        try:
            value = round_credits(text)
        except InvalidOperation:
            value = None
        if value is None or value < 0:
            raise ValueError(_l("%(cell)s: enter a number of credits, 0 or more.", cell=f"{row} {self.column_labels[column]}"))
        return value


class CreditType(Contract):
    """Behaviour of a kind of credit. A provincial admin's category picks one type and fills its
    ``Params``; a learner's record fills its ``Fields`` besides the common fields (``Common``);
    ``score`` turns both into credits. ``entry`` says how learners enter it.

    Records keep the parameters they were scored with, so a changed category never rescores an
    approved record. Caps over several records (a yearly cap) are applied where credits are
    counted, not here."""

    evidence: ClassVar[EvidenceRules] = EvidenceRules()
    # How learners enter it. A type without a wizard is entered through the free form.
    entry: ClassVar[Entry] = Entry.FORM

    class Params(Form):
        """The parameters a category of this type takes, rendered in the category editor."""

    class Fields(Form):
        """The learner's fields for a record of this type."""

    def default_params(self) -> dict[str, Any]:
        """The parameters a new category starts with, JSON-ready (from the Params defaults)."""
        return to_json({name: f.default for name, f in _param_fields(type(self)).items()})

    def params(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Stored (JSON) parameters as typed values, defaults filling what is missing."""
        fields = _param_fields(type(self))
        merged = {**self.default_params(), **stored}
        return {name: _typed(f, merged.get(name)) for name, f in fields.items()}

    def wizard(self, params: Mapping[str, Any]) -> list[WizardGroup]:
        """The wizard's 具体名称 → 具体规定 choices for a category with these parameters (asked
        only when ``entry`` includes ``Entry.WIZARD``)."""
        return []

    def period(self, common: Common, data: Mapping[str, Any]) -> Period:
        """The record's first and last day (``data``: its own fields as stored, JSON values);
        by default the activity date for both."""
        return Period(common.activity_date, common.activity_date)

    def deeming(self, params: Mapping[str, Any]) -> str:
        """Which years a deeming record of this type deems compliant, in words for 达标标准浏览
        (empty: the year of its activity date)."""
        return ""

    def validate(self, data: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, list[str]]:
        """Checks beyond field types: field name → messages for the learner (empty when fine)."""
        return {}

    def score(self, data: Mapping[str, Any], params: Mapping[str, Any], context: ScoringContext) -> Score:
        raise NotImplementedError


@functools.cache
def _param_fields(credit_type: type[CreditType]) -> dict[str, Field]:
    """The fields of a type's Params, bound once: reading stored parameters needs only their kinds
    and defaults, and building the form each time cost judging a page 4 ms (a form per category)."""
    return dict(credit_type.Params()._fields)


def _typed(f: Field, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(f, PointsTableField):
        return {row: [round_credits(v) for v in values] for row, values in value.items()}
    if isinstance(f, DecimalField):
        return Decimal(str(value))
    if isinstance(f, IntegerField):
        return int(value)
    if isinstance(f, BooleanField):
        return bool(value)
    return value


def to_json(value: Any) -> Any:
    """Parameters or field values with Decimals as strings, ready to store as JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


# --- exporters, login methods and SMS senders ---------------------------------------------------

COLUMN_KINDS = ("text", "date", "credits", "hours", "integer")


@dataclass(frozen=True)
class Column:
    """A column of a table to export. ``kind`` says how to write its values: text; date
    (``datetime.date``); credits (Decimal, two places); hours (Decimal, one place); integer."""

    label: str
    kind: str = "text"
    width: int = 12

    def __post_init__(self):
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    """What an exporter writes: a title, columns, rows (an iterable, read once, so that a large
    result streams from the database), and an optional totals row. ``filename`` has no extension."""

    title: str
    filename: str
    columns: tuple[Column, ...]
    rows: Iterable[tuple[Any, ...]]
    totals: tuple[Any, ...] | None = None
    # How many rows there will be, when known: exporters report progress against it.
    expected_rows: int | None = None


class DocumentKind(enum.StrEnum):
    """What an exporter writes. The core asks for "the exporter of certificates", never for a slug:
    one exporter per kind of issued document, any number of table exporters (each is offered)."""

    TABLE = "table"  # a query result: a ``Table``
    CERTIFICATE = "certificate"  # 电子学分证书: a ``CertificateStatement``
    REGISTRATION_FORM = "registration_form"  # 学分登记表: a ``RegistrationFormStatement``
    VERIFICATION_TABLE = "verification_table"  # 多年度学分验证表: a ``VerificationTableStatement``


class Exporter(Contract):
    """Turns a table (a query result) into a file."""

    media_type: ClassVar[str]
    file_extension: ClassVar[str]
    document: ClassVar[DocumentKind] = DocumentKind.TABLE

    def write(self, table: Table, out: BinaryIO, progress: Callable[[int], None] | None = None) -> None:
        """Write ``table`` to the binary file ``out`` (leave it open); call ``progress(rows written)``
        at least every 1,000 rows and once at the end."""
        raise NotImplementedError


# What an issued document states, frozen when it was issued and stored as JSON: every value is
# text (figures formatted, dates ISO), except where a type says otherwise. A document exporter
# receives a list of these.

class CertificateStatement(TypedDict):
    number: str
    title: str
    person_name: str
    sex: str
    project_start: str
    project_end: str
    organiser: str
    credit_level: str
    project_number: str
    project_name: str
    credit_class: str  # I类, II类 or 其他
    credits: str  # "8.00"
    hours: str  # "12.0"
    awarding_body: str
    issued_on: str
    verify_url: str  # what the QR code carries


class PersonLine(TypedDict):
    """人员编号, 姓名, 单位, 科室, 职称, 性别, 出生日期, 状态 as the forms print them."""

    person_no: str
    name: str
    unit: str
    department: str
    title: str
    sex: str
    birth_date: str
    status: str


class YearFigures(TypedDict):
    """A year's counted totals (after caps), its result and what is missing."""

    year: int
    period_start: str
    period_end: str
    records: int
    credits: str
    class_1: str
    class_2: str
    other: str
    hours: str
    compliant: bool | None  # None: no compliance standard applies
    result: str  # the result in words (达标 ...)
    rule_set: str
    shortfalls: list[str]


class FormRecord(TypedDict):
    """A counted record on a registration form."""

    date: str
    number: str
    name: str
    credit_class: str
    category: str
    unit: str
    credits: str
    hours: str


class MultiYearLine(TypedDict):
    """A multi-year requirement and the credits the window ending that year holds."""

    year: int
    requirement: str
    have: str
    need: str
    met: bool
    # False while the person has been under a cycle fewer years than it lasts: progress, not a
    # failure (absent from forms frozen before cycles: judged).
    judged: bool


class FormStatement(TypedDict):
    kind: str  # "registration" or "verification"
    number: str
    title: str
    person: PersonLine
    issued_on: str
    verify_url: str


class RegistrationFormStatement(FormStatement):
    year: int
    figures: YearFigures
    records: list[FormRecord]
    deemed_by: str  # the record that deems the year compliant, or ""


class VerificationTableStatement(FormStatement):
    years: list[YearFigures]
    multi_year: list[MultiYearLine]


Statement = CertificateStatement | RegistrationFormStatement | VerificationTableStatement
STATEMENTS: dict[DocumentKind, type] = {
    DocumentKind.CERTIFICATE: CertificateStatement,
    DocumentKind.REGISTRATION_FORM: RegistrationFormStatement,
    DocumentKind.VERIFICATION_TABLE: VerificationTableStatement,
}


class DocumentExporter(Contract):
    """Turns issued documents of its ``document`` kind (each the statement frozen when it was
    issued, as ``STATEMENTS`` declares it) into one file, a page or more per document. Registered
    through ``register_exporters`` like table exporters; one exporter per kind."""

    media_type: ClassVar[str]
    file_extension: ClassVar[str]
    document: ClassVar[DocumentKind]

    def html(self, documents: list[Statement], toolbar: str = "") -> str:
        """The documents as one self-contained HTML page (no other file needed), laid out as in
        the file: what a print-friendly page shows. ``toolbar`` (markup: buttons, links) is shown
        above them on screen and left out when printing."""
        raise NotImplementedError

    def write(self, documents: list[Statement], out: BinaryIO) -> None:
        raise NotImplementedError


class LoginMethod(Contract):
    """A way to sign in, shown as a tab on the login page.

    ``endpoint`` is the Flask endpoint of its login page; ``views`` are Flask-AppBuilder view
    classes the portal registers for it (may be empty when the core already serves the page)."""

    endpoint: ClassVar[str]
    views: ClassVar[tuple] = ()


class SmsSender(Contract):
    """Sends text messages (the codes of the out-of-province learners' login).

    The portal makes one instance per app at start-up, ``sender_class(app)`` with the Flask app,
    for the slug that ``PORTAL_SMS_SENDER`` names; read settings there (``app.config``, or the
    environment for settings of your own). ``send`` is called during a request, after the code
    is saved: raise when the message could not be handed over (the portal logs it; the learner
    sees the same answer as always)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


SMS_SENDER = "portal_sms_sender"  # the app's SmsSender instance (PORTAL_SMS_SENDER), in app.extensions


class Notifier(Contract):
    """Delivers a notice beyond the portal's own notice box (which always has it): SMS, e-mail, a
    messaging app. ``PORTAL_NOTIFIERS`` names the slugs in use; the portal makes one instance per
    app, ``notifier_class(app)``. ``send`` is called after the notice is saved, at most
    ``PORTAL_NOTICE_DAILY_LIMIT`` times a day per person and notifier: return False when the person
    cannot be reached this way (no mobile number ...), raise when delivery failed (the portal logs
    it without personal data; the notice stays in the box)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, person: PersonInfo, notice: NoticeInfo) -> bool:
        raise NotImplementedError


# --- events: what the portal tells plugins (portal/hookspecs.py) -----------------------------------

@dataclass(frozen=True)
class ActorInfo:
    """Who caused an event: their account, their role as the REST API names it (``"province_admin"``,
    ``"unit_admin"`` or ``"learner"``), and their person and unit when the account has a person."""

    user_id: int
    username: str
    role: str
    person_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class PersonInfo:
    """A person as events show them: no ID number and no password."""

    id: int
    person_no: str
    name: str
    unit_id: int
    username: str
    mobile: str = ""
    email: str = ""
    out_of_province: bool = False


@dataclass(frozen=True)
class RecordInfo:
    """A credit record as events show it, at the moment of the event. ``status`` is ``"submitted"``,
    ``"approved"`` or ``"rejected"``; ``review_comment`` says why a record was rejected."""

    id: int
    status: str
    person: PersonInfo
    unit_id: int
    category_id: int
    category: str
    activity_name: str
    activity_date: dt.date
    credits: Decimal
    hours: Decimal
    credit_class: str
    review_comment: str = ""


@dataclass(frozen=True)
class NoticeInfo:
    """A notice as notifiers see it: ``kind`` is ``"review"``, ``"reminder"`` or ``"deadline"``;
    ``title`` and ``body`` are in the portal's language, with no ID number in them."""

    id: int
    kind: str
    title: str
    body: str


# --- what the core lends login methods ----------------------------------------------------------

@dataclass(frozen=True)
class Learner:
    """An out-of-province learner (外省人员) who may sign in without a password: ``id`` is the person's id."""

    id: int


@dataclass(frozen=True)
class SmsNotice:
    """The answer to a request for an SMS code: ``sent`` for the one answer that says a code may be
    on its way (given whether or not the number belongs to someone); ``wait``, the seconds before
    another may be asked for (0 when waiting will not do)."""

    sent: bool
    message: str
    wait: int = 0


class LoginServices:
    """What the core does for a login method that signs out-of-province learners in without a
    password (the SMS login, plugins/auth/sms/): one instance per app, :func:`login_services` during
    a request. The codes are the core's, shared with its other uses of SMS codes: 6 digits, valid 5
    minutes, 5 tries, used once, only their HMAC stored; asking for one is limited by the portal (a
    minute between two for one ID number and phone; so many a day per address, per pair, and per ID
    number and per phone among the codes sent)."""

    def id_number(self, text: str) -> str:
        """The ID number as stored (GB 11643, check character verified); ValueError with a message
        for the learner when it cannot be right."""
        raise NotImplementedError

    def learner(self, person_id: int) -> Learner | None:
        """The person, while they are still an active out-of-province learner; None otherwise."""
        raise NotImplementedError

    def sign_in(self, learner: Learner) -> str:
        """Sign the learner's account in for this session; the URL of the page to send them to."""
        raise NotImplementedError

    def request_code(self, id_number: str, phone: str, text: Callable[[str, int], str], sent: str) -> SmsNotice:
        """Ask for a sign-in code for (``id_number``, ``phone``): unless a limit refuses, a code is
        written and, when the two belong to an active out-of-province learner, ``text(code,
        minutes)`` goes to the phone by SMS. ``sent`` is the answer either way."""
        raise NotImplementedError

    def check_code(self, id_number: str, phone: str, code: str) -> Learner | None:
        """The learner the latest sign-in code for (``id_number``, ``phone``) was sent to, when it
        is ``code``, still valid and not tried too often; the code is then used up. None otherwise
        (every call counts as a try)."""
        raise NotImplementedError


LOGIN_SERVICES = "portal_login_services"  # the app's LoginServices, in app.extensions


def login_services() -> LoginServices:
    """The current app's :class:`LoginServices`."""
    return current_app.extensions[LOGIN_SERVICES]


def page_nonce() -> str:
    """This response's Content-Security-Policy nonce. A page a plugin renders for the browser
    marks each inline ``<script>`` and ``<style>`` with ``nonce="..."`` of it, or the browser
    ignores them (the portal allows no other inline script or style sheet). Outside a request, ""."""
    if not has_request_context():
        return ""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


# --- what the core keeps for a face plugin -------------------------------------------------------

class FaceStore:
    """What the core does for a face plugin (人脸建档, plugins/faces/): one enrollment a person, kept
    as the plugin seals it (bytes the core cannot read and never logs); each enrollment, withdrawal
    and reset is audited. One instance per app, :func:`face_store` during a request."""

    def learner(self) -> Learner | None:
        """The signed-in account's own person; None for an account without one (the province)."""
        raise NotImplementedError

    def sealed(self, person_id: int) -> bytes | None:
        """The person's enrollment as the plugin sealed it; None when they have none."""
        raise NotImplementedError

    def enroll(self, person_id: int, sealed: bytes) -> bool:
        """Keep the person's first enrollment and commit; False, with nothing changed, when they
        already have one (an enrollment is never replaced: withdraw or reset it first)."""
        raise NotImplementedError

    def withdraw(self, person_id: int) -> bool:
        """The person withdraws their consent: their enrollment is deleted and the change committed;
        False when they had none."""
        raise NotImplementedError

    def reset(self, person_id: int) -> bool:
        """The signed-in unit admin deletes the enrollment of a person of their own unit and commits;
        False when the person is not theirs (answer as if they did not exist) or has none."""
        raise NotImplementedError

    def offer_checks(self, function: str, seal: Callable[[bytes], bytes]) -> None:
        """From now on (call it in ``register_views``) organisers may ask for a face check at a
        session's check-in, and the check-in takes a photo. For each check-in with a photo the core
        runs ``function(attendance_id, person_id, seal(photo))`` (``function`` named by its dotted
        path) outside the request, through the portal's background work, so that the queue holds
        the photo only as ``seal`` encrypted it; the check-in itself is never held up."""
        raise NotImplementedError

    def flag(self, attendance_id: int, flag: str) -> None:
        """Add ``flag`` to a check-in for its organiser to see (``face_mismatch`` ...) and commit."""
        raise NotImplementedError


FACE_STORE = "portal_face_store"  # the app's FaceStore, in app.extensions


def face_store() -> FaceStore:
    """The current app's :class:`FaceStore`."""
    return current_app.extensions[FACE_STORE]


# --- the phone app's grid ------------------------------------------------------------------------

@dataclass(frozen=True)
class AppEntry:
    """An entry of the phone app's grid (学员入口) that a plugin adds (``register_app_entries``):
    its label, the Flask endpoint it opens and a symbol of the app's icon set
    (portal/templates/portal/mobile/_icons.svg)."""

    label: str
    endpoint: str
    icon: str


# --- what a plugin may import from portal/ ------------------------------------------------------

# Module → the names a plugin may import from it (None: any name). Nothing else under ``portal``:
# tests/test_architecture.py checks every file under plugins/ against this.
PLUGIN_IMPORTS: Mapping[str, frozenset[str] | None] = {
    "portal.contracts": None,
    "portal.hookspecs": None,
}
