"""Persistent database connections (issue 9): requests/s of a signed-in page and an API list under
gunicorn in production mode, with the production default (CONN_MAX_AGE=60, health checks) and with
DB_CONN_MAX_AGE=0 (a new PostgreSQL connection per request), and the ratio.

    .venv/bin/python bench/connections.py [--db pr_province] [--seconds 20] [--clients 8] [--workers 3] [--quick]

A plain concurrent client (threads, keep-alive HTTP, each signed in once) hammers each URL for the
given seconds with no think time.  PostgreSQL's own count of sessions opened (pg_stat_database)
shows how many connections each run made.  Also prints the production settings as Django loads
them (DJANGO_ENV=production) to confirm CONN_MAX_AGE > 0 and CONN_HEALTH_CHECKS.
Writes bench/results/connections.json.  --quick: 5 s per case, 4 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serve import (  # noqa: E402
    PASSWORD,
    ROOT,
    VENV_BIN,
    Gunicorn,
    Ledger,
    collectstatic,
    database_url,
    load_average,
    production_env,
    setup_django,
    signed_in_session,
    write_results,
)

CASES = [
    ("signed-in page GET /tasks/", "/tasks/", "我的待办"),
    ("API list GET /api/v1/staff/?page_size=50", "/api/v1/staff/?page_size=50", '"results"'),
    # The floor: one SELECT 1 and a cache round trip, where opening the connection is most of the work.
    ("bare request GET /healthz", "/healthz", '"ok"'),
]


def production_database_settings(env: dict) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; d = settings.DATABASES['default'];"
        "print(json.dumps({'CONN_MAX_AGE': d.get('CONN_MAX_AGE'), 'CONN_HEALTH_CHECKS': d.get('CONN_HEALTH_CHECKS'),"
        "'ENGINE': d['ENGINE'], 'DEBUG': settings.DEBUG}))"
    )
    env = {k: v for k, v in env.items() if k != "DB_CONN_MAX_AGE"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    out = subprocess.run([str(VENV_BIN / "python"), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sessions_opened(db: str) -> int:
    sql = f"SELECT sessions FROM pg_stat_database WHERE datname = '{db}'"  # noqa: S608 - our own --db
    out = subprocess.run(
        ["psql", database_url("postgres"), "-Atc", sql],  # noqa: S607 - psql from PATH
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip() or 0)


def hammer(sessions, url: str, marker: str, seconds: float) -> tuple[int, int, list[float]]:
    done, failed, latencies = [0], [0], []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(session) -> None:
        ok = bad = 0
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            response = session.get(url)
            mine.append(time.perf_counter() - t)
            if response.status_code == 200 and marker in response.text:
                ok += 1
            else:
                bad += 1
        with lock:
            done[0] += ok
            failed[0] += bad
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0], failed[0], latencies


def bench_user() -> str:
    """A commission admin of the set (its whole region: the API list is full)."""
    from django.contrib.auth.hashers import make_password

    from personnel.choices import Role
    from personnel.models import Institution, User

    commission = Institution.objects.filter(kind="commission").order_by("pk").first()
    user, _ = User.objects.update_or_create(
        username="b2conn",
        defaults={
            "role": Role.COMMISSION_ADMIN,
            "institution": commission,
            "password": make_password(PASSWORD),
            "is_active": True,
        },
    )
    return user.username


def connect_cost(repeat: int = 200) -> tuple[float, float]:
    """Milliseconds of a `SELECT 1` on the open connection, and of opening a Django connection
    (psycopg connect, the session settings Django sends) plus the same `SELECT 1` and closing it:
    what DB_CONN_MAX_AGE=0 adds to every request, measured without HTTP in the way."""
    from django.db import connection

    def timed(fresh: bool) -> float:
        times = []
        for _ in range(repeat):
            if fresh:
                connection.close()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            times.append(1000 * (time.perf_counter() - started))
        times.sort()
        return times[len(times) // 2]

    connection.ensure_connection()
    reuse = timed(False)
    fresh = timed(True)
    connection.close()
    return reuse, fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="pr_province")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--redis-cache", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--redis-broker", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get("BENCH_QUICK") == "1"  # run_all below scale 1
    if args.quick:
        args.seconds, args.clients = 5, 4
    setup_django(args.db)

    ledger = Ledger()  # the bench login and its access log are deleted at the end
    username = bench_user()
    reuse_ms, fresh_ms = connect_cost()
    print(f"SELECT 1 on an open connection {reuse_ms:.2f} ms; with a new connection {fresh_ms:.2f} ms (medians of 200)")
    env = production_env(args.db, redis_cache=args.redis_cache, redis_broker=args.redis_broker)
    collectstatic(env)
    settings = production_database_settings(env)
    print(f"production settings: {settings}")
    before = load_average()
    figures: dict[tuple[str, str], dict] = {}
    try:
        keep, close = ("persistent (production default)", {}), ("CONN_MAX_AGE=0", {"DB_CONN_MAX_AGE": "0"})
        # A-B-B-A: each mode runs twice, half the time each, so a load that drifts on a shared
        # machine weighs on both alike.
        for mode, extra in (keep, close, close, keep):
            with Gunicorn(dict(env, **extra), workers=args.workers) as server:
                sessions = [signed_in_session(server.url, username) for _ in range(args.clients)]
                for label, path, marker in CASES:
                    hammer(sessions[:1], server.url + path, marker, 1.0)  # warm the workers
                    opened = sessions_opened(args.db)
                    ok, failed, latencies = hammer(sessions, server.url + path, marker, args.seconds / 2)
                    opened = sessions_opened(args.db) - opened
                    latencies.sort()
                    figure = figures.setdefault(
                        (mode, label), {"rps": 0.0, "ok": 0, "failed": 0, "connections": 0, "p50s": []}
                    )
                    figure["ok"] += ok
                    figure["failed"] += failed
                    figure["connections"] += opened
                    figure["rps"] = figure["ok"] / (args.seconds * (len(figure["p50s"]) + 1) / 2)
                    figure["p50s"].append(1000 * latencies[len(latencies) // 2] if latencies else 0)
                    figure["p50"] = sum(figure["p50s"]) / len(figure["p50s"])
                    print(
                        f"  {mode:<32} {label:<44} {ok / (args.seconds / 2):7.1f} req/s  "
                        f"p50 {figure['p50s'][-1]:6.1f} ms  {failed} failed  {opened} PostgreSQL connections opened"
                    )
    finally:
        undone = ledger.restore()
        print("database put back: " + (", ".join(f"{k} {v}" for k, v in sorted(undone.items())) or "nothing to do"))
    after = load_average()
    records = [
        {
            "bench": "connections",
            "case": "production settings keep connections open",
            "figure": settings.get("CONN_MAX_AGE"),
            "unit": "s",
            "target": "CONN_MAX_AGE > 0 with health checks",
            "met": bool(settings.get("CONN_MAX_AGE")) and bool(settings.get("CONN_HEALTH_CHECKS")),
            "bound": None,
            "bound_figure": None,
            "ratio": None,
            "ratio_target": None,
            "queries": None,
            "notes": f"DJANGO_ENV=production: {settings}",
        }
    ]
    records.append(
        {
            "bench": "connections",
            "case": "opening a PostgreSQL connection (what CONN_MAX_AGE=0 adds per request)",
            "figure": round(fresh_ms - reuse_ms, 2),
            "unit": "ms",
            "target": None,
            "met": None,
            "bound": "SELECT 1 on an open connection",
            "bound_figure": round(reuse_ms, 2),
            "ratio": round(fresh_ms / reuse_ms, 1) if reuse_ms else None,
            "ratio_target": None,
            "queries": None,
            "notes": f"medians of 200 in this process: SELECT 1 {reuse_ms:.2f} ms open, {fresh_ms:.2f} ms with connect "
            f"and close (psycopg 3, loopback TCP, trust auth); load {before}",
        }
    )
    for label, _path, _marker in CASES:
        keep, close = figures["persistent (production default)", label], figures["CONN_MAX_AGE=0", label]
        ratio = keep["rps"] / close["rps"] if close["rps"] else None
        records.append(
            {
                "bench": "connections",
                "case": f"{label}: requests/s with persistent connections",
                "figure": round(keep["rps"], 1),
                "unit": "rps",
                "target": "> CONN_MAX_AGE=0",
                "met": bool(ratio and ratio > 1),
                "bound": "the same with DB_CONN_MAX_AGE=0 (a connection per request)",
                "bound_figure": round(close["rps"], 1),
                "ratio": round(ratio, 2) if ratio else None,
                "ratio_target": "issue text: about 10×",
                "queries": None,
                "notes": f"{args.clients} clients, {args.seconds:.0f} s, gunicorn {args.workers} sync workers; "
                f"PostgreSQL connections opened: {keep['connections']} persistent vs {close['connections']}; "
                f"p50 {keep['p50']:.1f} vs {close['p50']:.1f} ms; failures {keep['failed']}+{close['failed']}; "
                f"db {args.db}; load {before} → {after}",
            }
        )
        print(f"{label}: persistent/closed = {ratio:.2f}×" if ratio else f"{label}: no ratio")
    path = write_results("connections", records)
    print(f"wrote {path.relative_to(ROOT)}; load average {before} → {after}")


if __name__ == "__main__":
    main()
