"""Settings for the GP Leadership Portal.

Everything is configured by environment variables (listed in the README). With none set the portal runs
embedded: SQLite, Celery tasks run eagerly in the web process, email printed to the console. Secrets have no
default once DEBUG is off.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Demo mode prints demo passwords and shows the demo banner; never on in production.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "simple_history",
    "csp",
    "members",
    "decisions",
    "priorities",
    "representation",
    "gpleadership",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.PlaceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "gpleadership.urls"
WSGI_APPLICATION = "gpleadership.wsgi.application"

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
                "gpleadership.context_processors.portal",
            ],
        },
    },
]
# Forms render with NHS.UK frontend markup (templates/django/forms/ overrides Django's widgets).
FORM_RENDERER = "gpleadership.forms.NHSFormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Postgres compiles a query to machine code (JIT) when its estimated cost is high; on a page's short queries the
    # compiling costs more than it saves (90 ms of the dashboard's at national scale, for a query that runs in 5 ms).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get("DATABASE_OPTIONS", "-c jit=off")
else:
    # The covering indexes (INCLUDE columns) are for PostgreSQL at national scale; SQLite, `make run`'s demo
    # database, builds them as plain indexes, which is all the demo needs: not a warning on every start.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# members.prepared also prepares its SQL on the PostgreSQL server (PREPARE once per connection, then EXECUTE): off
# behind a pooler that shares server connections a transaction at a time (PgBouncer's transaction mode).
DATABASE_SERVER_PREPARE = os.environ.get("DATABASE_SERVER_PREPARE", "1") != "0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "about"

# django-allauth: email is the login, nobody signs up without an invitation, every address is verified.
ACCOUNT_ADAPTER = "members.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[GP Leadership] "
# A reset for an address with no account sends nothing (allauth would otherwise invite the person to sign up).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's default rate limits stay on (login failures, password resets, …); they need a shared cache.
# Over a limit, sign-in answers 429 with the time to try again. The "key" of login_failed is the client address
# and the email, and login_failed_account (the portal's own) caps failures per email from all addresses
# together; members/adapters.py explains why.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_account": "10/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}

# Error pages: templates/400.html, 403.html, 404.html and 500.html; a failed CSRF check gets a page of its own.
CSRF_FAILURE_VIEW = "gpleadership.views.csrf_failure"

INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))

# The largest BLT ballot file count_blt reads: reading and counting take memory and time in proportion to the file
# (README, "Counting"), and a council ward's ballots are some 40 kB.
BLT_MAX_BYTES = int(os.environ.get("BLT_MAX_BYTES", "5000000"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "gpl"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A web request that queues an email must not hang while Redis is down: one quick retry, then the outbox row waits
# for the sweep (members.outbox). Without this kombu retries for several seconds per request.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = "Europe/London"
# The outbox (members.outbox): how long a worker holds a row it is sending, how often and after how long the sweep
# sends rows whose task was lost, and how many attempts before a row is marked failed for the chair to see.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
OUTBOX_SWEEP_SECONDS = int(os.environ.get("OUTBOX_SWEEP_SECONDS", "60"))
OUTBOX_SWEEP_GRACE_SECONDS = int(os.environ.get("OUTBOX_SWEEP_GRACE_SECONDS", "60"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
# Rows sent by one task over one SMTP connection (the weekly digest, the sweep).
OUTBOX_BATCH = int(os.environ.get("OUTBOX_BATCH", "100"))
# How long a one-click link in an email ("acknowledge for …", "open my ballot") keeps working (members.email_links).
EMAIL_LINK_MAX_AGE_DAYS = int(os.environ.get("EMAIL_LINK_MAX_AGE_DAYS", "14"))
# The beat schedule lives here and nowhere else.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "members.tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "weekly-digest": {
        "task": "gpleadership.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    # Hourly, so a round closes soon after its deadline and each reminder goes close to two days before it.
    "decisions-round-housekeeping": {
        "task": "decisions.tasks.round_housekeeping",
        "schedule": crontab(minute=5),
    },
    # Every quarter hour: count priority votes whose closing time has passed, and send 48-hour reminders.
    "priorities-close-and-remind": {
        "task": "priorities.tasks.close_and_remind",
        "schedule": crontab(minute="*/15"),
    },
    # Every morning: remind owners of actions that fall due, and gather the next leadership meeting's agenda.
    "representation-action-reminders": {
        "task": "representation.tasks.queue_action_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "representation-gather-agenda": {
        "task": "representation.tasks.gather_next_agenda",
        "schedule": crontab(hour=6, minute=45),
    },
}

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "GP Leadership Group <noreply@gpleadership.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"  # absolute: a place's pages are under /<place-slug>/
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles and images come only from our own static files, so an
# injected <script> or style="" does nothing. No 'unsafe-inline': page scripts live in static/js/ and styles in
# static/portal.css. No data: in img-src: neither NHS.UK frontend's CSS nor ours uses data: URIs. base-uri,
# form-action and frame-ancestors do not fall back to default-src, so they are set (frame-ancestors is
# X_FRAME_OPTIONS for browsers that read CSP); object-src 'none' shuts out plugins even from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# Rate limit for the public request form (single point of access): submissions per address per window.
REQUEST_FORM_LIMIT = int(os.environ.get("REQUEST_FORM_LIMIT", "5"))
REQUEST_FORM_WINDOW_SECONDS = int(os.environ.get("REQUEST_FORM_WINDOW_SECONDS", "3600"))
# A person takes longer than this to fill the form in; a bot does not.
REQUEST_FORM_MIN_SECONDS = int(os.environ.get("REQUEST_FORM_MIN_SECONDS", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Papers (members.papers): files attached to decision items, forum meetings, agenda items, briefings and requests.
# They are kept in the "papers" storage: a local folder (PAPERS_ROOT, outside the static files and served by no URL:
# every download goes through the owner's access rule), or with PAPERS_STORAGE=s3 a private bucket of any
# S3-compatible store. Keys are random; nothing is ever deleted or overwritten.
PAPER_MAX_BYTES = int(os.environ.get("PAPER_MAX_BYTES", str(20 * 1024 * 1024)))
PAPERS_STORAGE = os.environ.get("PAPERS_STORAGE", "local").strip().lower()
PAPERS_ROOT = Path(os.environ.get("PAPERS_ROOT", BASE_DIR / "papers"))
if PAPERS_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when PAPERS_STORAGE is s3.")
    STORAGES["papers"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # Empty: AWS itself; otherwise the address of another S3-compatible store (MinIO, Ceph, …).
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Empty: boto3 finds credentials itself (an instance role, ~/.aws, its own environment variables).
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif PAPERS_STORAGE == "local":
    STORAGES["papers"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PAPERS_ROOT, "base_url": None, "file_permissions_mode": 0o640,
                    "directory_permissions_mode": 0o750},
    }
else:
    raise ImproperlyConfigured("PAPERS_STORAGE must be local or s3.")
# A file over PAPER_MAX_BYTES is read and dropped as it arrives (the form says the limit); Django's own handlers
# keep the rest, small files in memory and larger ones in a temporary file.
FILE_UPLOAD_HANDLERS = [
    "members.papers.PaperUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


# Sign in with NHSmail (OpenID Connect through django-allauth's openid_connect provider). Off unless the issuer and
# the client id are set: then the sign-in page shows the button and /accounts/oidc/nhsmail/… answers; otherwise
# those addresses give 404. The socialaccount apps are always installed so that their tables (allauth's own
# migrations) exist whichever way a deployment is configured. Only invited people get in: members/adapters.py.
# Next to allauth.account: members/admin.py re-registers their admin, so theirs must be loaded first.
_after_account = INSTALLED_APPS.index("allauth.account") + 1
INSTALLED_APPS[_after_account:_after_account] = [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
NHSMAIL_OIDC_ISSUER = os.environ.get("NHSMAIL_OIDC_ISSUER", "").rstrip("/")
NHSMAIL_OIDC_CLIENT_ID = os.environ.get("NHSMAIL_OIDC_CLIENT_ID", "")
NHSMAIL_OIDC_SECRET = os.environ.get("NHSMAIL_OIDC_SECRET", "")
NHSMAIL_OIDC_LABEL = os.environ.get("NHSMAIL_OIDC_LABEL", "Sign in with NHSmail")
SOCIALACCOUNT_ADAPTER = "members.adapters.InvitedOnlySocialAccountAdapter"
# The adapter admits only addresses the provider says are verified, so allauth asks for no second verification.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False


def nhsmail_oidc_providers(*, issuer: str, client_id: str, secret: str, label: str) -> dict:
    """SOCIALACCOUNT_PROVIDERS for these values: no app at all when the issuer or the client id is missing.
    A function so that tests can switch the provider on with a settings override."""
    if not (issuer and client_id):
        return {"openid_connect": {"APPS": []}}
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "nhsmail",
                    "name": label,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {"server_url": issuer, "oauth_pkce_enabled": True},
                }
            ]
        }
    }


def nhsmail_oidc_csp(issuer: str) -> dict:
    """CONTENT_SECURITY_POLICY with the provider's origin allowed as a form target: the NHSmail button posts to the
    portal, which redirects the browser to the provider, and browsers apply form-action to that redirect too."""
    from urllib.parse import urlsplit

    issuer_url = urlsplit(issuer)
    directives = dict(CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["form-action"] = [*directives["form-action"], f"{issuer_url.scheme}://{issuer_url.netloc}"]
    return {**CONTENT_SECURITY_POLICY, "DIRECTIVES": directives}


SOCIALACCOUNT_PROVIDERS = nhsmail_oidc_providers(
    issuer=NHSMAIL_OIDC_ISSUER, client_id=NHSMAIL_OIDC_CLIENT_ID, secret=NHSMAIL_OIDC_SECRET, label=NHSMAIL_OIDC_LABEL
)
if NHSMAIL_OIDC_ISSUER and NHSMAIL_OIDC_CLIENT_ID:
    if not NHSMAIL_OIDC_SECRET and not DEBUG:
        raise ImproperlyConfigured("NHSMAIL_OIDC_SECRET must be set when NHSmail sign-in is on and DEBUG is off.")
    CONTENT_SECURITY_POLICY = nhsmail_oidc_csp(NHSMAIL_OIDC_ISSUER)
