"""Deployment settings: everything of base, hardened. Passes `manage.py check --deploy` with no
warnings.

Required environment: DJANGO_SECRET_KEY (50+ random characters), DJANGO_ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL) and REDIS_URL (cache, Celery broker and results). TLS ends at a
reverse proxy that sets X-Forwarded-Proto; DJANGO_CSRF_TRUSTED_ORIGINS lists the https origins
when the proxy's host differs from the allowed hosts. See deploy/env.example.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASE_URL, REDIS_URL, SECRET_KEY
from config.settings.env import env_bool, env_int, env_list


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ImproperlyConfigured(message)


DEBUG = False
_require(
    not SECRET_KEY.startswith("dev-only") and len(SECRET_KEY) >= 50 and len(set(SECRET_KEY)) >= 5,
    "Set DJANGO_SECRET_KEY to a random string of at least 50 characters.",
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
_require(bool(ALLOWED_HOSTS), "Set DJANGO_ALLOWED_HOSTS to the site's host names (comma-separated).")
# The embedded default (SQLite, in-process tasks) is for one laptop, not for a county.
_require(bool(DATABASE_URL), "Set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:5432/name).")
_require(bool(REDIS_URL), "Set REDIS_URL (redis://host:6379/0) for the cache and the Celery worker.")

# HTTPS only; the proxy in front of gunicorn says which requests came in over TLS.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The client address for the login lockout (assets/auth.py) is read from X-Forwarded-For only
# when the request comes from one of these proxies: by default the host's own (gunicorn behind a
# proxy on the same machine). docker-compose: add the compose network (deploy/env.example).
TRUSTED_PROXIES = env_list("BANGFU_TRUSTED_PROXIES", "127.0.0.1,::1")
# seed_demo refuses to run here unless told --allow-production
PRODUCTION_SETTINGS = True

# Hashed, compressed static files served by WhiteNoise (collected when the image is built).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

