"""The portal's roles, as Flask-AppBuilder built-in roles: permissions are matched in memory
by regular expressions over (view, permission) names, with no database query per check.

Views name their permission key with ``class_permission_name``; menu entries use the same key,
so one pattern grants a page, its API and its menu item."""

PROVINCE_ADMIN = "ProvinceAdmin"
UNIT_ADMIN = "UnitAdmin"
LEARNER = "Learner"
# The credit self-entry permission (学分管理需单位开通权限), granted per person by their unit.
SELF_ENTRY = "SelfEntry"
# 外省人员: signs in by SMS code and may only list their approved records and download certificates
# (on the portal's page or in the phone app, where they also scan in at activities).
OUT_OF_PROVINCE = "OutOfProvince"
# 项目管理员: organises their unit's CME activities, granted per person by their unit's admin.
PROJECT_ADMIN = "ProjectAdmin"
PUBLIC = "Public"

# The learners' roles: the only accounts of their own unit whose password, roles or details a
# unit admin may change (an out-of-province learner their unit organised included). The province: anyone.
UNIT_ADMIN_GRANTS = frozenset({LEARNER, SELF_ENTRY, OUT_OF_PROVINCE, PROJECT_ADMIN})

# The API's names for the two roles a person account can have.
API_ROLES = {"learner": LEARNER, "unit_admin": UNIT_ADMIN}


def _keys(*names: str) -> list[list[str]]:
    return [[f"^{name}$", ".*"] for name in names]


# The learner's attendance pages in the menu (考勤: 考勤登记, 考勤记录查询, 我的二维码).
_ATTENDANCE_MENU = ("AttendanceMenu", "AttendanceUpcoming", "AttendanceRecords", "MyCode")

# A learner's side of an activity beside attendance: 项目评价 and 在线考试.
_LEARNER_ACTIVITY = ("Evaluate", "EvaluationApi", "Exam", "ExamApi")

# What every signed-in person may use: their own account, the dictionaries and categories
# that forms need, and exports (each table shows only what its reader may see).
_OWN_ACCOUNT = _keys("Profile", "Password", "MeApi", "Settings", "DictionaryApi", "CreditCategoryApi", "CreditEntry",
                     "CreditApi", "Exports", "ExportApi", "Statistics", "CreditQuery", "ComplianceQuery",
                     "ComplianceApi", "StandardsBrowse", "CertificateFiles",
                     "CertificateApi", "CreditForms", "CreditFormApi", "VerificationTable", "Notices",
                     "NoticeApi", "Mobile", "Attendance", "AttendanceApi", "Face",  # Face: plugins/faces/, when on
                     *_LEARNER_ACTIVITY, *_ATTENDANCE_MENU) + [["^RuleSetApi$", "^can_get$"]]
# Organising CME activities: the pages and the API (each scoped to the actor's unit).
_ORGANISER = _keys("Activities", "ActivityApi", "Evaluations", "ExamAdmin")

# Menu entries of pages about one's own records, profile and notices: the provincial admin is no
# person, so their menu leaves them out.
_PERSONAL_MENU = ("CreditManagement", "CreditEntryFree", "CreditEntryWizard", "MyCredits", "Profile", "Notices",
                  *_ATTENDANCE_MENU)

ROLES = {
    # Everything but the out-of-province learners' own page; the menu leaves out the pages about
    # one's own records and notices (the 统计查询 pages about one person ask whose: people.views.pick_person).
    PROVINCE_ADMIN: [["^(?!OutOfProvince$)", "^(?!menu_access$)"],
                     [f"^(?!(OutOfProvince|{'|'.join(_PERSONAL_MENU)})$)", "^menu_access$"]],
    UNIT_ADMIN: _OWN_ACCOUNT + _keys("People", "PeopleApi", "ReviewApi", "Review", "UnitDashboard", "Reminders",
                                   "Transfers", "AuditTrail", "FaceReset") + _ORGANISER,
    LEARNER: _OWN_ACCOUNT,
    # The entry pages themselves are open to every learner (and explain how to get the
    # permission); self-entry adds their menu.
    SELF_ENTRY: [["^(CreditManagement|CreditEntryFree|CreditEntryWizard|MyCredits)$", "menu_access"]],
    # They attend activities (their only way to credits) and check in like everyone.
    OUT_OF_PROVINCE: _keys("OutOfProvince", "CertificateFiles", "Mobile", "Attendance", "AttendanceApi", *_LEARNER_ACTIVITY,
                           *_ATTENDANCE_MENU),
    PROJECT_ADMIN: _ORGANISER,
    PUBLIC: [],
}
