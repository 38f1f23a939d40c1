"""Settings for 帮扶资产.

With no environment set this is the embedded default: SQLite in ./data, Celery tasks run
in-process, DEBUG off (DJANGO_DEBUG=1 turns it on for development). Set DATABASE_URL
(PostgreSQL) and REDIS_URL to use the real services; config.settings.production hardens the
rest for deployment.
"""

import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.settings.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("BANGFU_DATA_DIR", str(BASE_DIR / "data")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
# Off unless asked for: a debug page shows the settings (DATABASE_URL, REDIS_URL) to anyone.
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "simple_history",
    "assets",
    "workflow",
    "audits",
    "ledgers",
    "transfers",
    "revenue",
    "disposals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "assets.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assets.passwords.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "assets.middleware.ChangeContextMiddleware",
    # last: turns a login that django-axes refused into the lockout answer (assets/auth.py)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.menu.menu",
            ],
        },
    },
]

# --- Database: SQLite in ./data unless DATABASE_URL names PostgreSQL -----------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "bangfu.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, passwords, lockout, sessions -----------------------------------------------------
AUTH_USER_MODEL = "assets.User"
AUTHENTICATION_BACKENDS = [
    "assets.auth.LockoutModelBackend",  # django-axes' lockout in front of the model backend
    "guardian.backends.ObjectPermissionBackend",
]
# Argon2id first (OWASP's parameters: cheaper per login than PBKDF2); PBKDF2 stays so that older
# hashes still verify, and they are rehashed with Argon2 at the next login.
PASSWORD_HASHERS = [
    "assets.passwords.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# The password policy (assets/passwords.py): 12+ characters of at least 3 of the 4 classes, not
# the user name or like it, not a common password or one with a common or local word as its
# only letters ("Maigaiti2026"), not one of the last PASSWORD_HISTORY_COUNT passwords.
PASSWORD_MIN_LENGTH = env_int("BANGFU_PASSWORD_MIN_LENGTH", 12)
PASSWORD_HISTORY_COUNT = env_int("BANGFU_PASSWORD_HISTORY", 5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "assets.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["username", "full_name", "email", "phone"]}},
    {"NAME": "assets.passwords.UsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "assets.passwords.CommonWordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "assets.passwords.PasswordHistoryValidator", "OPTIONS": {"count": PASSWORD_HISTORY_COUNT}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins (django-axes, assets/auth.py): LOCKOUT_FAILURES failures of one account from one
# client address lock that pair for LOCKOUT_MINUTES (the same account from another address is
# not affected); LOCKOUT_ADDRESS_FAILURES failures from one address, whatever the account names,
# hold that address up for LOCKOUT_MINUTES, except for accounts that have logged in from it before.
LOCKOUT_FAILURES = env_int("BANGFU_LOCKOUT_FAILURES", 5)
LOCKOUT_MINUTES = env_int("BANGFU_LOCKOUT_MINUTES", 15)
LOCKOUT_ADDRESS_FAILURES = env_int("BANGFU_LOCKOUT_ADDRESS_FAILURES", 20)
# Addresses (or networks) of the reverse proxies whose X-Forwarded-For is believed; a request
# from anywhere else is taken at its REMOTE_ADDR. None by default: runserver has no proxy.
TRUSTED_PROXIES = env_list("BANGFU_TRUSTED_PROXIES")
AXES_HANDLER = "assets.auth.LockoutHandler"
AXES_FAILURE_LIMIT = "assets.auth.failure_limit"
AXES_COOLOFF_TIME = "assets.auth.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "assets.auth.axes_username"
AXES_CLIENT_IP_CALLABLE = "assets.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "assets.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
# a lockout lasts LOCKOUT_MINUTES from the failure that caused it; more tries do not extend it
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False  # no banner on every start and management command
# API tokens (django-rest-knox, stored as SHA-512 digests): a token lapses after
# API_TOKEN_IDLE_MINUTES without use and API_TOKEN_MAX_HOURS after it was issued, whichever
# comes first; a password change revokes all of a user's tokens.
KNOX_TOKEN_MODEL = "assets.ApiToken"
# knox's own migrations create its default token table even when the model is swapped: skip them
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": "assets.ApiToken",
    "TOKEN_TTL": datetime.timedelta(minutes=env_int("BANGFU_API_TOKEN_IDLE_MINUTES", 120)),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": datetime.timedelta(hours=env_int("BANGFU_API_TOKEN_MAX_HOURS", 24)),
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
}
# Sessions end after 30 idle minutes (each request renews the cookie).
SESSION_COOKIE_AGE = env_int("BANGFU_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# guardian: per-object exceptions only; no anonymous-user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- i18n: Simplified Chinese first, English switchable -------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("BANGFU_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("BANGFU_MEDIA_ROOT", str(DATA_DIR / "media")))
# Stored files are never served from MEDIA_URL: only by download views that check scope
# (assets/files.py). With nginx in front, BANGFU_X_ACCEL_REDIRECT names its internal location
# aliasing MEDIA_ROOT (e.g. /protected-media/) and nginx sends the bytes (deploy/nginx.conf.example).
FILES_X_ACCEL_REDIRECT = env_str("BANGFU_X_ACCEL_REDIRECT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Cache: Redis when configured, else in-process -------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: Redis when configured, else tasks run in-process ---------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600, "socket_timeout": 5, "socket_connect_timeout": 5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# --- Ledger exports (ledgers/jobs.py) ---------------------------------------------------------
# Exports one user may have queued or running at once; more are refused with a message (0: no limit).
LEDGER_EXPORT_MAX_ACTIVE_PER_USER = env_int("BANGFU_EXPORTS_PER_USER", 3)
# Queued exports of more rows than this go to the "large" queue, the others to the "small" one, so
# that a village's export does not wait behind county ledgers. The worker consumes both queues
# (`celery -A config worker -Q celery,exports_small,exports_large`).
LEDGER_EXPORT_LARGE_ROWS = env_int("BANGFU_EXPORT_LARGE_ROWS", 10000)
LEDGER_EXPORT_QUEUES = {"small": "exports_small", "large": "exports_large"}

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assets.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "assets.pagination.ScopedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "assets.api.base.ScopedAutoSchema",  # drf-spectacular, made truthful
    "COERCE_DECIMAL_TO_STRING": True,
    # errors under /api/ are JSON, never an HTML page (config/errors.py)
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "帮扶资产 API",
    "DESCRIPTION": "Register of assets formed by poverty-alleviation projects (麦盖提县).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # one schema name per choice set of the register, however many fields (and apps) use it
    "ENUM_NAME_OVERRIDES": {
        "AssetClassEnum": "assets.choices.AssetClass",
        "AssetFormEnum": "assets.choices.AssetForm",
        "AssetStatusEnum": "assets.choices.AssetStatus",
        "DepreciationMethodEnum": "assets.choices.DepreciationMethod",
        "FundingSourceEnum": "assets.choices.FundingSource",
        "OwnershipTypeEnum": "assets.choices.OwnershipType",
        "RegistrationSystemEnum": "assets.choices.RegistrationSystem",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # "Task … succeeded" for every in-process task would drown the commands' own output
    "loggers": {"django.db.backends": {"level": "INFO"}, "celery.app.trace": {"level": "WARNING"},
                # django-axes: failed logins and lockouts (WARNING) yes, every successful login no
                "axes": {"level": "WARNING"}},
}

# Composite (history_date, id) indexes serve the as-of ledgers (as_of on big history
# tables is slow: django-simple-history #758).
SIMPLE_HISTORY_DATE_INDEX = "Composite"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = False

DATA_DIR.mkdir(parents=True, exist_ok=True)
