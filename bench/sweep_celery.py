"""The full 能上能下 rule sweep as the night runs it: `demotions.sweep_daily` queues one
`demotions.sweep_chunk` per chunk of staff ids (a Celery group), and real Celery workers on
Redis and PostgreSQL take them — on 1 and then 2 worker processes.

    .venv/bin/python bench/sweep_celery.py [--db pr_province] [--procs 1,2] [--chunk-size 5000] [--as-of D] [--quick]

Starts a throwaway redis-server on a free port (broker and results), then for each process count
a `celery worker --concurrency N` (prefork) in production mode; sends `sweep_daily`, waits for
every chunk and prints the wall time (from sending until the last chunk is done), the chunks,
how many chunks each worker process took, and the peak RSS of the worker (its main process and
children, sampled every 0.2 s; target < 1 GB).  Before each run and at the end the database is put
back as it was (the cases, rectifications and notifications the sweep added are deleted, the
rectifications it closed are reopened).  Writes bench/results/sweep_celery.json.
--quick: chunks of 100 staff, so a small set still has several chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serve import BENCH, ROOT, VENV_BIN, Ledger, free_port, load_average, production_env, write_results  # noqa: E402

CHUNKS_KEY = "b2:sweep:chunks"


def worker_main(concurrency: int) -> None:
    """The worker process (run with --worker): Celery's own worker with a record of which process
    ran each chunk, kept in the broker's Redis."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from celery.signals import task_postrun, task_prerun

    from config.celery import app

    started: dict[str, float] = {}
    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])

    @task_prerun.connect(weak=False)
    def _before(task_id=None, task=None, **_):
        started[task_id] = time.time()

    @task_postrun.connect(weak=False)
    def _after(task_id=None, task=None, state=None, **_):
        if task.name == "demotions.sweep_chunk":
            record = {"pid": os.getpid(), "start": started.pop(task_id, None), "end": time.time(), "state": state}
            client.rpush(CHUNKS_KEY, json.dumps(record))

    app.worker_main(
        [
            "worker",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"b2sweep{concurrency}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


class RssSampler(threading.Thread):
    """Peak RSS of a process tree, sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_total, self.peak_one, self.stop = pid, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.wait(0.2):
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
                sizes = []
                for p in procs:
                    try:
                        sizes.append(p.memory_info().rss / 2**20)
                    except psutil.NoSuchProcess:
                        continue
            except psutil.NoSuchProcess:
                return
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_one = max(self.peak_one, max(sizes, default=0))


def start_redis() -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    folder = tempfile.mkdtemp(prefix="b2redis-")
    proc = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    return proc, f"redis://127.0.0.1:{port}/0", folder


def run_once(procs: int, env: dict, args, broker: str, log) -> dict:
    import redis
    from celery.result import AsyncResult

    from config.celery import app
    from demotions.tasks import sweep_daily

    client = redis.Redis.from_url(broker)
    client.delete(CHUNKS_KEY)
    worker = subprocess.Popen(
        [str(VENV_BIN / "python"), str(BENCH / "sweep_celery.py"), "--worker", str(procs)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 60
        while not app.control.ping(timeout=0.5, destination=None) and time.time() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {worker.returncode}")
        sampler = RssSampler(worker.pid)
        sampler.start()
        started = time.perf_counter()
        daily = sweep_daily.apply_async(args=[args.as_of, args.chunk_size]).get(timeout=3600)
        chunk_ids = daily["chunks"]
        results = [AsyncResult(i, app=app).get(timeout=3600) for i in chunk_ids]
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        # task_postrun runs after the result is stored: give the last records a moment.
        for _ in range(50):
            if client.llen(CHUNKS_KEY) >= len(chunk_ids):
                break
            time.sleep(0.1)
        records = [json.loads(r) for r in client.lrange(CHUNKS_KEY, 0, -1)]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    per_pid: dict[int, int] = {}
    for r in records:
        per_pid[r["pid"]] = per_pid.get(r["pid"], 0) + 1
    busy = sum((r["end"] - r["start"]) for r in records if r["start"])
    return {
        "procs": procs,
        "seconds": seconds,
        "chunks": len(chunk_ids),
        "per_process": sorted(per_pid.values(), reverse=True),
        "chunk_seconds": busy,
        "results": results,
        "rss_total": sampler.peak_total,
        "rss_one": sampler.peak_one,
    }


def summary_counts(results: list[dict]) -> dict:
    out: dict[str, int] = {}
    for r in results:
        for key, value in r.items():
            if isinstance(value, list):
                out[key] = out.get(key, 0) + len(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                out[key] = out.get(key, 0) + value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="pr_province")
    parser.add_argument("--procs", default="1,2", help="worker process counts to compare (default 1,2)")
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--as-of", default="", help="the sweep's date (default: the set's bench_sweep_as_of)")
    parser.add_argument("--quick", action="store_true", help="chunks of 100 staff")
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get("BENCH_QUICK") == "1"  # run_all below scale 1
    if args.worker:
        worker_main(args.worker)
        return
    if args.quick:
        args.chunk_size = 100
    province = BENCH / ".province" / f"{args.db}.json"
    if not args.as_of:
        data = json.loads(province.read_text(encoding="utf-8")) if province.exists() else {}
        args.as_of = data.get("bench_sweep_as_of") or time.strftime("%Y-%m-%d")

    redis_proc, broker, folder = start_redis()
    env = production_env(
        args.db, redis_cache=broker.replace("/0", "/1"), redis_broker=broker, extra={"CELERY_RESULT_BACKEND": broker}
    )
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from demotions.models import Rectification
    from demotions.sweep import in_scope_staff_ids

    log_path = Path(folder) / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in the finally below
    # What the sweep writes: cases, rectifications, their history and links, notifications.
    ledger = Ledger(only_apps={"demotions", "notifications", "django_fsm_log"})
    ledger.snapshot(Rectification.objects.all(), ["status", "closed_on"])
    scope = len(in_scope_staff_ids())
    connection.close()
    load_before = load_average()
    print(
        f"database {args.db}; sweep as of {args.as_of}; {scope} staff in scope; chunks of {args.chunk_size}; "
        f"load average {load_before}"
    )
    runs = []
    try:
        for procs in [int(p) for p in args.procs.split(",")]:
            undone = ledger.restore()
            connection.close()
            run = run_once(procs, env, args, broker, log)
            counts = summary_counts(run["results"])
            runs.append(run)
            print(
                f"  {procs} worker process{'es' if procs > 1 else ''}: {run['seconds']:.2f} s wall, {run['chunks']} chunks "
                f"(per process {run['per_process']}), {run['chunk_seconds']:.1f} s inside chunks; peak RSS "
                f"{run['rss_total']:.0f} MB worker + children, {run['rss_one']:.0f} MB largest process; "
                f"put back before: {sum(undone.values())} rows"
            )
            print(f"    sweep: {', '.join(f'{k}={v}' for k, v in sorted(counts.items()))}")
    finally:
        undone = ledger.restore()
        print("database put back: " + (", ".join(f"{k} {v}" for k, v in sorted(undone.items())) or "nothing to do"))
        log.close()
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    load_after = load_average()
    base = runs[0]
    records = []
    for run in runs:
        speedup = base["seconds"] / run["seconds"] if run["seconds"] else None
        records.append(
            {
                "bench": "sweep_celery",
                "case": f"full sweep, Celery group, {run['procs']} worker process(es)",
                "figure": round(run["seconds"], 2),
                "unit": "s",
                "target": "< 60 s",
                "met": run["seconds"] < 60,
                "bound": f"{base['procs']} process(es)" if run is not base else None,
                "bound_figure": round(base["seconds"], 2) if run is not base else None,
                "ratio": round(speedup, 2) if run is not base and speedup else None,
                "ratio_target": "> 1 (chunks spread over processes)" if run is not base else None,
                "queries": None,
                "notes": f"{run['chunks']} chunks of {args.chunk_size}; chunks per process {run['per_process']}; "
                f"{scope} staff in scope; as of {args.as_of}; db {args.db}; load {load_before} → {load_after}",
            }
        )
        records.append(
            {
                "bench": "sweep_celery",
                "case": f"memory: Celery worker peak RSS, {run['procs']} process(es)",
                "figure": round(run["rss_total"], 1),
                "unit": "MB",
                "target": "< 1 GB",
                "met": run["rss_total"] < 1024,
                "bound": None,
                "bound_figure": None,
                "ratio": None,
                "ratio_target": None,
                "queries": None,
                "notes": f"main process + children, sampled every 0.2 s; largest single process {run['rss_one']:.0f} MB",
            }
        )
    path = write_results("sweep_celery", records)
    print(f"wrote {path.relative_to(ROOT)}; load average {load_before} → {load_after}")


if __name__ == "__main__":
    main()
