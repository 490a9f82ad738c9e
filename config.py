"""Settings. Every value comes from the environment (PORTAL_*); the defaults are the embedded
set-up: SQLite and local files in the instance folder."""
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask_appbuilder.const import AUTH_DB


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class MissingSecretKey(RuntimeError):
    """Production without its key: a new one would sign everyone out and void every token."""


def instance_secret_key(instance: Path, production: bool = False) -> str:
    """The key kept (mode 0600) in the instance folder. Made once when missing, with a warning,
    except in production, where a missing key is a start-up error naming the file."""
    path = instance / "secret_key"
    if not path.exists():
        if production:
            raise MissingSecretKey(
                f"{path} is missing: restore it from the backup (or set PORTAL_SECRET_KEY). A new key would sign "
                "everyone out and make every issued token invalid, so the portal does not make one in production.")
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        logging.getLogger("portal").warning(
            "No secret key was found: made a new one in %s. Sessions and tokens signed with any earlier key "
            "are no longer valid.", path)
    return path.read_text().strip()


INSTANCE_PATH = Path(os.environ.get("PORTAL_INSTANCE_PATH", "instance")).resolve()
# None: create_app() uses the key generated once in the instance folder (instance_secret_key).
SECRET_KEY = os.environ.get("PORTAL_SECRET_KEY")
# The keys sealing ID numbers (portal.models.sealed); None: id_keys.json in the instance folder.
ID_KEYS_PATH = os.environ.get("PORTAL_ID_KEYS_PATH")
# None: create_app() uses SQLite in the instance folder.
SQLALCHEMY_DATABASE_URI = os.environ.get("PORTAL_DATABASE_URL")
SQLALCHEMY_TRACK_MODIFICATIONS = False
HOST = os.environ.get("PORTAL_HOST", "127.0.0.1")
PORT = int(os.environ.get("PORTAL_PORT", "5000"))
DEMO_DATA = _flag("PORTAL_DEMO_DATA", False)
REDIS_URL = os.environ.get("PORTAL_REDIS_URL", "")
# Exports of more rows than this run as a job (on RQ when REDIS_URL is set) with a progress page.
EXPORT_INLINE_ROWS = int(os.environ.get("PORTAL_EXPORT_INLINE_ROWS", "50000"))
# How long an Idempotency-Key's answer is kept for repeats (and a form's one-time token).
IDEMPOTENCY_KEEP_HOURS = int(os.environ.get("PORTAL_IDEMPOTENCY_KEEP_HOURS", "24"))
# The RQ queue background jobs (exports ...) go to; the workers are started on the same name
# (``rq worker portal``).
RQ_QUEUE = os.environ.get("PORTAL_RQ_QUEUE", "portal")
# An export job's file (and its row) is deleted this many days after it finished.
EXPORT_KEEP_DAYS = int(os.environ.get("PORTAL_EXPORT_KEEP_DAYS", "7"))
# A running export job beats every few seconds; one silent this long lost its worker and is marked failed.
EXPORT_STALE_SECONDS = float(os.environ.get("PORTAL_EXPORT_STALE_SECONDS", "60"))

# How many reverse proxies sit in front of the portal: their X-Forwarded-For gives the client
# address that login rate limits count by. 0 = none (the address is the TCP peer's).
PROXY_COUNT = int(os.environ.get("PORTAL_PROXY_COUNT", "0"))
# Certificates: the address the QR code's verification URL starts with, the title's suffix (the
# province unit's name is put before it), the awarding body, and the verification page's per-IP limit.
BASE_URL = os.environ.get("PORTAL_BASE_URL", "").rstrip("/") or f"http://{HOST}:{PORT}"
# The time zone organisers type session times in and learners read them in (stored as UTC).
TIME_ZONE = os.environ.get("PORTAL_TIME_ZONE", "Asia/Shanghai")


def trusted_hosts(listed: str, base_url: str) -> list[str] | None:
    """Host names the portal answers to: those listed (comma-separated), else the host of the
    public address when one is set, else any (None: development)."""
    hosts = [h.strip() for h in listed.split(",") if h.strip()]
    if not hosts and base_url:
        hosts = [urlsplit(base_url).hostname or ""]
    return [h for h in hosts if h] or None


# Any other Host header is refused (400): PORTAL_TRUSTED_HOSTS, else the host of PORTAL_BASE_URL.
TRUSTED_HOSTS = trusted_hosts(os.environ.get("PORTAL_TRUSTED_HOSTS", ""), os.environ.get("PORTAL_BASE_URL", ""))
# Production: served on https, or said so. Then a missing secret key stops start-up.
PRODUCTION = os.environ.get("PORTAL_ENV", "").strip().lower() == "production" or BASE_URL.startswith("https://")
CERTIFICATE_TITLE = os.environ.get("PORTAL_CERTIFICATE_TITLE", "继续医学教育学分电子证书")
AWARDING_BODY = os.environ.get("PORTAL_AWARDING_BODY", "省继续医学教育委员会")
VERIFY_RATE_LIMIT = os.environ.get("PORTAL_VERIFY_RATE_LIMIT", "30 per minute")
# Verifiable credentials (Open Badges 3.0): the RSA key size of the signing keys made at set-up
# and at each rotation, and the largest credential file the public verifier page takes.
CREDENTIAL_KEY_BITS = int(os.environ.get("PORTAL_CREDENTIAL_KEY_BITS", "3072"))
CREDENTIAL_UPLOAD_MAX = int(os.environ.get("PORTAL_CREDENTIAL_UPLOAD_MAX", str(64 * 1024)))
# The largest request body anything accepts (an entry form with five 10 MB evidence files fits);
# a larger one is refused with 413 before it is read, whatever the page.
MAX_CONTENT_LENGTH = int(os.environ.get("PORTAL_MAX_REQUEST_MB", "60")) * 1024 * 1024
# Out-of-province learners' SMS login: the sender plugin (by slug), codes sent per ID number and per
# phone number and codes asked for per address in 24 hours, and the per-IP limit on the login page's POSTs.
SMS_SENDER = os.environ.get("PORTAL_SMS_SENDER", "log")
# 人脸建档 (plugins/faces/, needs the `faces` extra): off unless PORTAL_FACES=1.
FACES = _flag("PORTAL_FACES", False)
SMS_DAILY_LIMIT_PER_ID = int(os.environ.get("PORTAL_SMS_DAILY_LIMIT_PER_ID", "10"))
SMS_DAILY_LIMIT_PER_PHONE = int(os.environ.get("PORTAL_SMS_DAILY_LIMIT_PER_PHONE", "10"))
SMS_DAILY_LIMIT_PER_IP = int(os.environ.get("PORTAL_SMS_DAILY_LIMIT_PER_IP", "30"))
SMS_RATE_LIMIT = os.environ.get("PORTAL_SMS_RATE_LIMIT", "20 per minute")
# How many full ID or phone numbers one admin may reveal in an hour (each is audited).
REVEALS_PER_HOUR = int(os.environ.get("PORTAL_REVEALS_PER_HOUR", "60"))
# Notifier plugins (by slug) that deliver notices beside the portal's notice box, e.g. "sms".
NOTIFIERS = [s.strip() for s in os.environ.get("PORTAL_NOTIFIERS", "").split(",") if s.strip()]
NOTICE_DAILY_LIMIT = int(os.environ.get("PORTAL_NOTICE_DAILY_LIMIT", "3"))
# Log lines as JSON objects ("json", the default in production) or plain text ("text").
LOG_FORMAT = os.environ.get("PORTAL_LOG_FORMAT", "json" if PRODUCTION else "text")
# Uploaded evidence is scanned by clamd at this Unix socket path or host:port (empty: no scan).
CLAMD_SOCKET = os.environ.get("PORTAL_CLAMD_SOCKET", "").strip()
# /readyz answers "not ready" when the evidence folder has less free space than this.
MIN_FREE_MB = int(os.environ.get("PORTAL_MIN_FREE_MB", "500"))
# Addresses (or networks) that may read /metrics; anyone else gets a 404.
METRICS_ALLOW = [a.strip() for a in os.environ.get("PORTAL_METRICS_ALLOW", "127.0.0.1,::1").split(",") if a.strip()]
# Plugins (by name) not to load, comma-separated; a broken plugin listed here does not stop start-up.
DISABLED_PLUGINS = [p.strip() for p in os.environ.get("PORTAL_DISABLED_PLUGINS", "").split(",") if p.strip()]

# Flask-AppBuilder
APP_NAME = "继续医学教育学分管理平台"
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "ProvinceAdmin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
FAB_CREATE_DB = False          # the schema is made by Alembic migrations only
FAB_UPDATE_PERMS = False       # roles and permissions are synced in an explicit step after upgrade
FAB_ADD_SECURITY_API = True    # POST /api/v1/security/login gives the JWT
FAB_API_SWAGGER_UI = True     # FAB registers /api/v1/_openapi only with its Swagger view
FAB_PASSWORD_HASH_METHOD = "scrypt"  # FAB's own user forms, which the portal does not serve
# Chosen passwords (portal.accounts.passwords): Argon2id at OWASP's minimum.
PASSWORD_HASH_METHOD = "argon2id"
# Generated initial passwords (random, changed at first sign-in): see portal.accounts.services._set_hash.
GENERATED_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
FAB_BASE_TEMPLATE = "portal/base.html"
FAB_INDEX_VIEW = "portal.home.views.HomeView"
FAB_SECURITY_MANAGER_CLASS = "portal.accounts.security.PortalSecurityManager"
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("PORTAL_SECURE_COOKIES", False)
JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=2)
JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=int(os.environ.get("PORTAL_REFRESH_TOKEN_DAYS", "30")))
# Tokens travel in the Authorization header only, never in cookies: the double-submit CSRF claim
# the library adds for cookies by default would only lengthen every token (and each check of it).
JWT_TOKEN_LOCATION = ["headers"]
JWT_COOKIE_CSRF_PROTECT = False
# Server-side sessions (portal/accounts/sessions.py): a browser session ends after this many
# minutes without a request, and this many hours after sign-in in any case.
SESSION_IDLE_MINUTES = int(os.environ.get("PORTAL_SESSION_IDLE_MINUTES", "30"))
SESSION_ABSOLUTE_HOURS = int(os.environ.get("PORTAL_SESSION_ABSOLUTE_HOURS", "12"))

# Login protection
RATELIMIT_ENABLED = True
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("PORTAL_LOGIN_RATE_LIMIT", "30 per minute")
CAPTCHA_RATE_LIMIT = os.environ.get("PORTAL_CAPTCHA_RATE_LIMIT", "60 per minute")
RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
# With Redis away, limits are kept in each process's memory (with a warning) rather than refusing
# every login and verification.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# A refusal says when to try again (portal.errors); other answers carry no limit headers.
RATELIMIT_HEADERS_ENABLED = False
CAPTCHA_TTL = timedelta(minutes=5)

# Languages: Simplified Chinese by default, English available.
BABEL_DEFAULT_LOCALE = "zh"
BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "portal" / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}
# A form's CSRF token lasts no longer than the session it belongs to (and a new one is made at sign-in).
WTF_CSRF_TIME_LIMIT = SESSION_ABSOLUTE_HOURS * 3600
