"""gunicorn settings for the web container (docker-compose.yml); every value can be set from the
environment. gunicorn listens on plain HTTP inside the compose network; TLS ends at the reverse
proxy in front of it, which must set X-Forwarded-Proto (config/settings/production.py)."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# ledger exports and PDFs of a whole township are rendered in-request up to this limit;
# anything longer belongs in a Celery task
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then so that a slow leak cannot grow without bound
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# heartbeat files on tmpfs: a container's overlay filesystem can stall them
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# the published port is bound to 127.0.0.1 (docker-compose.yml): only the local proxy reaches us
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")


def post_fork(server, worker) -> None:
    # keep the objects loaded at start-up out of the garbage collector's generations: fewer and
    # shorter collections, which were the p95 tail of the list pages (tests/benchmarks)
    gc.freeze()
