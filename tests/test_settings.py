"""Settings from the environment: the embedded default with nothing set, the real services with
DATABASE_URL / REDIS_URL, and production settings that refuse to start half-configured.

Settings are read once per process, so each case runs in a fresh interpreter (``run_python``)."""

from __future__ import annotations

import json
import secrets

import pytest

from config.settings.env import database_from_url, env_bool, env_list

DUMP = """
import json
from config.settings import {module} as s
print(json.dumps({{
    "db": {{k: str(v) for k, v in s.DATABASES["default"].items() if k != "OPTIONS"}},
    "cache": s.CACHES["default"],
    "broker": s.CELERY_BROKER_URL,
    "results": s.CELERY_RESULT_BACKEND,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "debug": s.DEBUG,
    "data_dir": str(s.DATA_DIR),
    "language": s.LANGUAGE_CODE,
    "time_zone": s.TIME_ZONE,
}}))
"""


def dump(run_python, module: str = "base", **env: str) -> dict:
    result = run_python(DUMP.format(module=module), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_environment_gives_the_embedded_default(run_python, tmp_path):
    s = dump(run_python)

    assert s["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["db"]["NAME"] == str(tmp_path / "data" / "bangfu.sqlite3")
    assert (tmp_path / "data").is_dir()  # created on start, so a fresh checkout just runs
    assert s["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["eager"] is True  # Celery tasks run in-process: no broker needed
    assert s["broker"] == "memory://"
    assert s["debug"] is False  # a debug page would show the settings; DJANGO_DEBUG=1 turns it on
    assert dump(run_python, DJANGO_DEBUG="1")["debug"] is True
    assert (s["language"], s["time_zone"]) == ("zh-hans", "Asia/Shanghai")


def test_database_url_selects_postgresql(run_python):
    s = dump(run_python, DATABASE_URL="postgres://bangfu:s%40cret@db.example.org:5433/bangfu_prod")

    assert s["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert (s["db"]["NAME"], s["db"]["USER"], s["db"]["PASSWORD"]) == ("bangfu_prod", "bangfu", "s@cret")
    assert (s["db"]["HOST"], s["db"]["PORT"]) == ("db.example.org", "5433")


def test_redis_url_selects_redis_cache_broker_and_results(run_python):
    url = "redis://127.0.0.1:6379/3"
    s = dump(run_python, REDIS_URL=url)

    assert s["cache"] == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    assert s["broker"] == url
    assert s["results"] == url
    assert s["eager"] is False  # a worker runs the tasks


def test_celery_app_reads_the_django_settings(run_python):
    url = "redis://127.0.0.1:6379/4"
    result = run_python(
        "import django; django.setup(); from config.celery import app; "
        "print(app.conf.broker_url, app.conf.task_always_eager, app.conf.task_acks_late, app.conf.timezone)",
        REDIS_URL=url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [url, "False", "True", "Asia/Shanghai"]


def test_database_url_parsing():
    db = database_from_url("postgresql://u%20x:p%2Fw@localhost/name?sslmode=require&connect_timeout=5")

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == ("u x", "p/w", "localhost", "", "name")
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}
    assert db["CONN_HEALTH_CHECKS"] is True
    # a Unix socket: no host, the driver's default socket directory
    assert database_from_url("postgres:///bangfu")["HOST"] == ""


def test_database_url_rejects_other_databases():
    with pytest.raises(ValueError, match="mysql"):
        database_from_url("mysql://u:p@localhost/name")


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    monkeypatch.setenv("X_HOSTS", " a.org, ,b.org ")
    assert env_bool("X_FLAG") is True
    assert env_bool("X_MISSING", True) is True
    assert env_list("X_HOSTS") == ["a.org", "b.org"]


# --- production ---------------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "DATABASE_URL": "postgres://bangfu@127.0.0.1:5432/bangfu",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_settings_with_full_environment(run_python):
    s = dump(run_python, "production", DJANGO_SECRET_KEY=secrets.token_urlsafe(45), **PRODUCTION_ENV)

    assert s["debug"] is False
    assert s["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert s["eager"] is False


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"),
        ("DATABASE_URL", "DATABASE_URL"),
        ("REDIS_URL", "REDIS_URL"),
    ],
)
def test_production_refuses_to_start_half_configured(run_python, missing, message):
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(45), **PRODUCTION_ENV}
    del env[missing]

    result = run_python("import config.settings.production", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.parametrize("key", ["change-me", "x" * 60, "dev-only-" + secrets.token_urlsafe(45)])
def test_production_refuses_placeholder_secret_keys(run_python, key):
    result = run_python("import config.settings.production", DJANGO_SECRET_KEY=key, **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
