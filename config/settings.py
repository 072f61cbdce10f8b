"""Settings, read from the environment (django-environ).

With nothing set the app runs on the embedded default: a SQLite file under the project and
Celery tasks executed eagerly.  DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and
Redis; DJANGO_ENV=production turns on the hardened production mode.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY",
        default="dev-only-secret-key-not-for-production-0123456789abcdefghijklmnop",
    )
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "import_export",
    "simple_history",
    "axes",
    "personnel",
    "appointments",
    "assessments",
    "talent",
    "secondments",
    "django_fsm_log",
    "publicity",
    "notifications",
    "tasks",
    "demotions",
    "rounds",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "tasks.middleware.ForgetTaskCountAfterWrites",
]

if PRODUCTION:
    # Static files straight from gunicorn, compressed and cache-busted (collectstatic at build).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "personnel.context_processors.navigation",
                "notifications.context_processors.notifications",
                "tasks.context_processors.tasks",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "personnel.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# --- Authentication (accounts): password policy, lockout, session timeout, second factor, API keys ---
# Password policy (等保 2.0): length, at least PASSWORD_MIN_CLASSES of upper/lower/digit/symbol, none of
# the last PASSWORD_HISTORY_COUNT passwords again (0 = off), a change every PASSWORD_EXPIRY_DAYS (0 = off).
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
PASSWORD_MIN_CLASSES = env.int("PASSWORD_MIN_CLASSES", default=3)
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
PASSWORD_EXPIRY_DAYS = env.int("PASSWORD_EXPIRY_DAYS", default=90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
    {"NAME": "accounts.validators.PasswordHistoryValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes): AXES_FAILURE_LIMIT failures per user name and address lock that pair
# for AXES_COOLOFF_MINUTES; a success resets the count; `manage.py axes_reset_username` unlocks.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=60)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (accounts.middleware) and when
# the browser closes; the last-activity stamp is rewritten at most every SESSION_ACTIVITY_RESAVE s.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ACTIVITY_RESAVE = env.int("SESSION_ACTIVITY_RESAVE", default=60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT + SESSION_ACTIVITY_RESAVE
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Second factor (django-otp TOTP): roles that may enrol, roles that must (empty = optional).
OTP_ALLOWED_ROLES = env.list("OTP_ALLOWED_ROLES", default=["commission_admin"])
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = "聘任通"

# API keys (per client): default validity, overlap of the old key after a rotation, default rate.
API_KEY_DEFAULT_DAYS = env.int("API_KEY_DEFAULT_DAYS", default=365)
API_KEY_ROTATION_GRACE_HOURS = env.int("API_KEY_ROTATION_GRACE_HOURS", default=24)
API_KEY_RATE_LIMIT = env.int("API_KEY_RATE_LIMIT", default=600)

INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "accounts"]
_auth_at = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_auth_at:_auth_at] = [
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "accounts.middleware.AccountSecurityMiddleware",
]
# --- end of the authentication block ---

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded evidence (case materials, signed agreements): personal data, served only through
# scoped download views, never by a public URL.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "personnel.api.authentication.InstitutionAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["personnel.api.permissions.RoleScopedPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "personnel.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "personnel.api.exceptions.exception_handler",
    # Per API key (InstitutionAPIKey.rate_limit or API_KEY_RATE_LIMIT a minute), in the cache.
    "DEFAULT_THROTTLE_CLASSES": ["personnel.api.throttling.APIKeyRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "聘任通 API",
    "DESCRIPTION": "卫生专业技术人员职称聘任管理系统接口。HIS 客户端使用 `Authorization: Api-Key <key>`。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several fields or models get one stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "InstitutionKindEnum": "personnel.choices.InstitutionKind",
        "AppointmentKindEnum": "appointments.choices.AppointmentKind",
        "CategoryEnum": "personnel.choices.Category",
        "PeriodKindEnum": "assessments.choices.PeriodKind",
        "SchemeKindEnum": "assessments.choices.SchemeKind",
    },
    # Every operation documents its error answers (400/401/403/404/412/429), checked by tests/fuzz.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "personnel.api.schema.document_error_responses",
    ],
}

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message a worker took but never acknowledged (the worker was killed) goes back to the queue
# after the visibility timeout, and at once when the worker process is lost under a live worker.
# The timeout must exceed the longest task (a 50,000-row import, a sweep chunk: minutes).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # The lock a worker takes to put back expired messages; a worker killed holding it must not
    # block the others longer than the visibility timeout (kombu's default is 300 s).
    "unacked_mutex_expire": min(300, CELERY_VISIBILITY_TIMEOUT),
    # How often a worker looks for expired messages to put back (kombu's default: every 100 s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=60),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues a job must not hang while Redis is down: two quick tries, then the job
# goes to the database outbox (ops.outbox) and is sent when Redis is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# ops: the job outbox, the cache that survives Redis being down, backup/restore (SECURITY.md).
INSTALLED_APPS += ["ops"]

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # ops.cache.ResilientRedisCache: Redis down is a cache miss (logged), never a 500.
    CACHES = {
        "default": {
            "BACKEND": "ops.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Web hardening (issue 10; SECURITY.md "Web hardening and uploads") -----------------------------
# Content-Security-Policy (django-csp): scripts and styles only from this origin, no inline <script>
# or on*="" handler (tests/security/test_csp.py checks every page), no plugins, no framing, forms
# post only here.  Inline style="" attributes stay allowed (style-src-attr): a few templates set a
# computed width or indent, and ECharts writes its tooltips with them; <style> elements are not.
# img-src data: for the TOTP QR code (an SVG data: URL).
INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The CSRF cookie stays readable by our own scripts (they send X-CSRFToken); the session cookie never is.
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading binds the domain to HTTPS in browsers for good: only when the operator asks for it.
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # check --deploy warns that the site cannot join the preload list: a deliberate choice here.
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Uploads (uploads.validation): request bodies and in-memory files are bounded; each kind of upload
# has its own size and the types its content (magic bytes, not the name) must be.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=10000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=20)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_PERMISSIONS = 0o640
UPLOAD_KINDS = {
    "roster": {"types": ["xlsx"], "max_bytes": env.int("ROSTER_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)},
    "evidence": {
        "types": ["pdf", "jpg", "png", "docx", "xlsx"],
        "max_bytes": env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024),
    },
    "signed_agreement": {
        "types": ["pdf", "jpg", "png"],
        "max_bytes": env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024),
    },
}
# An Office file (a zip) is refused before anything is inflated when its members declare more than
# this in total, or a member inflates more than UPLOAD_MAX_ZIP_RATIO times (a zip bomb).
UPLOAD_MAX_UNZIPPED_BYTES = env.int("UPLOAD_MAX_UNZIPPED_BYTES", default=400 * 1024 * 1024)
UPLOAD_MAX_ZIP_RATIO = env.int("UPLOAD_MAX_ZIP_RATIO", default=200)
UPLOAD_MAX_ZIP_MEMBERS = env.int("UPLOAD_MAX_ZIP_MEMBERS", default=2000)
# --- end of web hardening ----------------------------------------------------------------------------

# Roster import (personnel.roster): limits on what HR may upload in one file.
ROSTER_MAX_UPLOAD_BYTES = env.int("ROSTER_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
ROSTER_MAX_ROWS = env.int("ROSTER_MAX_ROWS", default=200_000)
ROSTER_MAX_UNZIPPED_BYTES = env.int("ROSTER_MAX_UNZIPPED_BYTES", default=400 * 1024 * 1024)

# Notifications by e-mail: printed to the console in development, SMTP in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="聘任通 <noreply@pinrentong.local>")
# In-app notifications are also e-mailed (immediately, or in a daily digest at 07:30 for users who
# chose it) when NOTIFICATIONS_EMAIL is true; it defaults to true when EMAIL_HOST is set in the
# environment (an SMTP server is configured), false otherwise.
NOTIFICATIONS_EMAIL = env.bool("NOTIFICATIONS_EMAIL", default=bool(env.str("EMAIL_HOST", default="")))
# The site's address, put before the links in e-mails (e.g. https://pinrentong.example.cn).
SITE_URL = env("SITE_URL", default="")
# How long the top bar's unread and to-do counts are cached (seconds).
NOTIFICATIONS_BADGE_SECONDS = env.int("NOTIFICATIONS_BADGE_SECONDS", default=60)

# --- Personal data (issue 10; SECURITY.md "Personal data"; app accesslog) -------------------------
# Every view of a full 身份证号/phone is logged (accesslog.AccessLog); the rows are kept
# ACCESS_LOG_RETENTION_DAYS days. AUDIT_LOG_RETENTION_DAYS bounds the simple-history and
# django-fsm-log tables: unset keeps them forever (the dashboard's 5-year trend reads history).
# The system check accesslog.E001/E002 refuses anything below 183 days (6 months).
INSTALLED_APPS += ["accesslog"]
TEMPLATES[0]["OPTIONS"]["context_processors"].append("accesslog.context_processors.navigation")
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=365)
AUDIT_LOG_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=None)
