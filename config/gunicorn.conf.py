"""gunicorn settings for ValueLens (docker-compose and the load benchmark use this file)."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # the command line -b wins
# Two per core: the workers share the cores with PostgreSQL on small hosts, and more processes
# than that only queue on the CPU (measured with benchmarks/assignment_load.py on 2 cores).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None


def post_fork(server, worker):
    # Objects loaded with the app live for the whole process: keeping them out of the collector's
    # generations spares every request the cost of scanning them (and copy-on-write page faults).
    gc.freeze()
    # A request allocates tens of thousands of short-lived objects; with the default threshold
    # (700) the young generation is collected dozens of times per request. Reference counting
    # frees almost all of them anyway.
    gc.set_threshold(50_000, 20, 20)


access_log_format = os.environ.get("GUNICORN_ACCESS_FORMAT", '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)sus')
