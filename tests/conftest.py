from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.factories import World, build_world

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables that select services or settings: cleared for settings subprocesses so that each
# test states exactly the environment it means.
# DJANGO_ALLOW_ASYNC_UNSAFE (set for the browser tests) is itself a deployment error (async.E001).
SETTINGS_ENV = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS",
                "DJANGO_DEBUG", "DJANGO_CSRF_TRUSTED_ORIGINS", "BANGFU_DATA_DIR", "BANGFU_STATIC_ROOT",
                "BANGFU_MEDIA_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    """Two settings for speed and quiet, nothing the tests are about:

    * a fast password hasher: the deployment's PBKDF2 takes half a second per hash, and every
      test world creates eleven users and logs some of them in (minutes over the suite);
    * tests run without `collectstatic`, and WhiteNoise warns that STATIC_ROOT is missing (an
      error under filterwarnings=error); in autorefresh mode it looks files up per request.
    """
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                           WHITENOISE_AUTOREFRESH=True):
        yield


def unavailable(reason: str) -> None:
    """A missing service skips a test on a developer's machine but fails it in CI."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def live_world(transactional_db, django_db_serialized_rollback) -> World:
    """The test world, committed, for tests whose other threads read it (live server, Celery worker).

    Transactional tests empty every table afterwards, the reference data of the data migrations
    included; serialized rollback puts that back. A test with its own ``django_db`` marker must
    say ``pytest.mark.django_db(transaction=True, serialized_rollback=True)``.
    """
    return build_world()


@pytest.fixture
def api(world):
    """``api("village1")``: an API client with that user's token."""
    from rest_framework.test import APIClient

    from tests.api.conftest import token_for

    def make(name: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(name)}")
        return client

    return make


@pytest.fixture
def login(world):
    """``login("village1")``: a new browser client logged in as that user, pages in Chinese."""
    from django.test import Client

    def make(name: str) -> Client:
        client = Client()
        client.force_login(world.users[name])
        client.cookies["django_language"] = "zh-hans"
        return client

    return make


# --- settings in a fresh interpreter --------------------------------------------------------------------


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run Python code in a new interpreter at the project root with a controlled environment.

    Settings are read once per process, so env-driven settings can only be tested this way.
    The settings module is config.settings.base and BANGFU_DATA_DIR the test's tmp_path unless
    the caller says otherwise.
    """

    def run(code: str, **env: str) -> subprocess.CompletedProcess:
        clean = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
        clean["BANGFU_DATA_DIR"] = str(tmp_path / "data")
        clean["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
        clean.update(env)
        return subprocess.run(
            [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120,
        )

    return run


# --- a real Celery worker on Redis ------------------------------------------------------------------------


@dataclass
class CeleryWorker:
    queue: str
    app: object


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue() -> Iterator[str | None]:
    """Route every task message of this test run to a queue of its own, purged and deleted at the
    end, and close the run's broker and result-backend connections.

    Acts committed by transactional tests queue real messages (notifications) on REDIS_URL even
    without a worker; in the default queue they piled up across runs, and a connection left open
    at exit (a ResourceWarning, an error under filterwarnings) made the exit code depend on the
    garbage collector. ``celery_worker`` consumes ``<queue>-worker`` while it runs. Ledger exports
    are routed by size to two queues of their own (``export_queues``), also per run.
    """
    if not settings.REDIS_URL:
        yield None
        return
    from django.test.utils import override_settings

    from config.celery import app

    queue = f"bangfu-test-{uuid.uuid4().hex[:12]}"
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with override_settings(LEDGER_EXPORT_QUEUES=export_queues(queue)):
            yield queue
    finally:
        app.conf.task_default_queue = saved
        worker = f"{queue}-worker"
        _delete_queues([queue, worker, *export_queues(queue).values(), *export_queues(worker).values()])
        _close_celery_connections(app)


def export_queues(queue: str) -> dict[str, str]:
    """The run's ledger export queues (settings.LEDGER_EXPORT_QUEUES, ledgers/jobs.py)."""
    return {"small": f"{queue}-exports-small", "large": f"{queue}-exports-large"}


def _delete_queues(names: list[str]) -> None:
    """Drop the run's queues (their messages and kombu's bindings) straight from Redis."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for name in names:
            patterns = (name, f"{name}\x06\x16*", f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
            keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def _close_celery_connections(app: object) -> None:
    """Close what publishing left open: the broker pool and this thread's result backend."""
    pool = getattr(app, "_pool", None)
    if pool is not None:
        pool.force_close_all()
    _close_result_backend(app)


def _close_result_backend(app: object) -> None:
    """The Redis result backend is one per thread; publishing a task whose result is kept
    subscribes it to a pub/sub channel. Close its connections (without creating one)."""
    backend = app._backend
    if backend is None:
        return
    consumer = getattr(backend, "result_consumer", None)
    if consumer is not None and getattr(consumer, "_pubsub", None) is not None:
        consumer.stop()
    client = backend.__dict__.get("client")  # a cached_property: only if this thread made one
    if client is not None:
        client.connection_pool.disconnect()
        client.close()


def close_thread_connections() -> None:
    """For the end of a thread a test started: its database connections, and its Celery result
    backend's sockets (left to the garbage collector they raise ResourceWarning, an error here,
    in whichever test happens to be running then)."""
    connections.close_all()
    if settings.REDIS_URL:
        from config.celery import app

        _close_result_backend(app)


@dataclass
class _WorkerThread:
    queue: str
    app: object
    in_flight: list[int]  # tasks the worker has started and not finished (one counter, mutable)


@pytest.fixture(scope="session")
def _celery_worker_thread(celery_test_queue: str | None) -> Iterator[_WorkerThread]:
    """The worker thread itself, started once per session (a start costs seconds). Messages reach it
    only while a test holds ``celery_worker``: between such tests nothing is routed to its queues,
    so it cannot write to the database while another test's teardown empties the tables."""
    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set (./bin/test sets it): no broker for a real worker")
    import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping for start_worker's check
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun, task_prerun

    from config.celery import app

    in_flight = [0]

    def started(**kwargs: object) -> None:
        in_flight[0] += 1

    def finished(**kwargs: object) -> None:
        # the worker thread's connections would otherwise keep the test database from being dropped
        connections.close_all()
        in_flight[0] -= 1

    queue = f"{celery_test_queue}-worker"  # deleted with the run's queue at the end of the session
    saved_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    saved_queue = app.conf.task_default_queue
    task_prerun.connect(started, weak=False)
    task_postrun.connect(finished, weak=False)
    try:
        app.conf.task_default_queue = queue  # start_worker's ping check goes to the default queue
        with start_worker(app, pool="solo", queues=[queue, *export_queues(queue).values()],
                          perform_ping_check=True, shutdown_timeout=30, loglevel="WARNING"):
            app.conf.task_default_queue = saved_queue
            yield _WorkerThread(queue=queue, app=app, in_flight=in_flight)
    finally:
        app.conf.task_default_queue = saved_queue
        task_prerun.disconnect(started)
        task_postrun.disconnect(finished)
        app.conf.task_always_eager = saved_eager


def _wait_until_idle(worker: _WorkerThread, timeout: float = 30.0) -> None:
    """Wait until the worker's queues are empty and it runs nothing (stable for a moment)."""
    import time

    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    names = [worker.queue, *export_queues(worker.queue).values()]
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    try:
        while time.monotonic() < deadline:
            idle = worker.in_flight[0] == 0 and not any(client.llen(name) for name in names)
            now = time.monotonic()
            if not idle:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= 0.3:
                return
            time.sleep(0.05)
    finally:
        client.close()


@pytest.fixture
def celery_worker(transactional_db, _celery_worker_thread: _WorkerThread) -> Iterator[CeleryWorker]:
    """A real Celery worker (a solo-pool thread) consuming queues of its own on REDIS_URL.

    The queue names are unique per test session (``celery_test_queue``), so test runs that share
    one Redis cannot take each other's tasks. For the test's duration the default queue and the
    ledger export queues are routed to the worker; afterwards routing goes back to the run's
    unconsumed queue and the fixture waits until the worker is idle, before the test database is
    emptied (hence ``transactional_db`` here: set up before, torn down after this fixture) and
    before the next test. The worker thread has its own database connection and sees only
    committed rows, which is why its tests are transactional.
    """
    from django.test.utils import override_settings

    worker = _celery_worker_thread
    app = worker.app
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = worker.queue
    try:
        with override_settings(LEDGER_EXPORT_QUEUES=export_queues(worker.queue)):
            yield CeleryWorker(queue=worker.queue, app=app)
    finally:
        app.conf.task_default_queue = saved
        _wait_until_idle(worker)


# --- Debian's chromium through Playwright -------------------------------------------------------------


@pytest.fixture
def chromium_browser() -> Iterator[object]:
    """Debian's chromium (never `playwright install`: downloads are blocked), started for each test that uses it.

    Not once per session: while Playwright's sync API runs, the test thread sees another
    contextvars context, so Django's connection handler hands out fresh connection objects
    without the serialized reference data, and every later ``serialized_rollback`` test would
    start from empty tables. Stopping Playwright after each test gives the old context back;
    the connections opened in Playwright's context are closed first (they would keep the test
    database from being dropped).
    """
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing (./bin/test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; ORM calls beside it are safe
    # (./bin/test sets this too).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium_browser) -> Iterator[object]:
    """A fresh browser context (no cookies) and page per test, in Chinese, laptop-sized."""
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
