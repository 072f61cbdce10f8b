"""gunicorn settings of the production shape (Dockerfile, docker-compose.yml, bench/load.py).

    gunicorn config.wsgi:application -c config/gunicorn.py

Each value can be overridden from the environment.  The defaults come from bench/load.py's sizing
run on the 2-core machine (bench/RESULTS.md): see GUNICORN_WORKERS below.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers for the 2-core machine.  A request is CPU-bound here (Python, and PostgreSQL on the
# same cores), so processes beyond the cores add no throughput, only memory (~120-140 MB each at
# 300,000 staff) and connections; one more than the cores keeps a slow request (a report, an
# import preview) from blocking the rest.  bench/load.py --sizing compares 2-5 sync workers and
# gthread ×4; on 2026-11-25 at load average ~10 (other work on the machine) the figures were
# within noise of each other (7.9-15.3 req/s, not monotonic in the worker count), so the setting
# stays at 3 until a run on a quiet machine says otherwise (bench/RESULTS.md).
workers = int(os.environ.get("GUNICORN_WORKERS", os.environ.get("WEB_CONCURRENCY", "3")))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (jittered so they do not all restart at once):
# a guard against slow growth of a worker's memory (target < 300 MB, measured by bench/load.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
