"""What bench/pages.py and bench/api_lists.py share: the database switch (`--db NAME`), the logins
of the generated province (bench/.province/NAME.json, else found in the database), timing of a
request through Django's test client (median and p95 over N runs, the queries of one run) and the
results file of the benchmark contract (bench/results/<name>.json).

Import it before Django is set up: `configure(db)` sets DATABASE_URL and calls django.setup().
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PROVINCE = BENCH / ".province"

sys.path.insert(0, str(ROOT))


def configure(db: str | None) -> None:
    """Point Django at PostgreSQL database `db` (when given) and set it up."""
    if db:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    # The test client needs "testserver" among the allowed hosts.
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def province_info(db: str | None) -> dict:
    """The generator's description of the set (logins, ids), or {} for a database it did not build."""
    if not db:
        return {}
    path = PROVINCE / f"{db}.json"
    if path.exists():
        return json.loads(path.read_text())
    return {}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 10 runs is the 10th, of 20 the 19th)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass
class Timing:
    median: float
    p95: float
    queries: int
    runs: int
    status: int
    size: int  # response bytes
    cpu_median: float = 0.0  # this process's CPU time (ms): steadier than wall time on a busy machine
    samples: list[float] = field(default_factory=list)


def time_request(client, url: str, runs: int, *, accept: str = "text/html", check: Callable | None = None) -> Timing:
    """One warm-up request with its queries captured, then `runs` timed requests (ms)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the log is a deque of 9,000: once full, a capture would count nothing
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, HTTP_ACCEPT=accept)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} → {response.status_code}: {response.content[:300]!r}")
    if check is not None:
        check(response)
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, HTTP_ACCEPT=accept)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} → {response.status_code}")
    return Timing(
        median=statistics.median(samples),
        p95=percentile(samples, 0.95),
        queries=len(ctx.captured_queries),
        runs=runs,
        status=response.status_code,
        size=len(response.content),
        cpu_median=statistics.median(cpu),
        samples=[round(s, 2) for s in samples],
    )


def time_call(func: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 (ms) of `func()` over `runs` calls, after one warm-up call."""
    func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def record(bench: str, case: str, figure: float, **extra) -> dict:
    row = {"bench": bench, "case": case, "figure": round(figure, 1), "unit": extra.pop("unit", "ms")}
    row.update(extra)
    return row


def write_results(name: str, rows: list[dict]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
    return path


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


__all__ = [
    "Timing",
    "asdict",
    "configure",
    "load_average",
    "percentile",
    "province_info",
    "record",
    "time_call",
    "time_request",
    "write_results",
]


def pick_users(info: dict) -> dict:
    """The users a page benchmark acts as: the commission admin of the county with the most staff,
    the HR of the hospital with the most staff, and the head of the biggest department that has a
    head's login (≥50 people at scale).  Names from the generator's JSON when it gives them
    (`ids`: big_admin, big_hr, big_department_head), else found in the database."""
    from django.db.models import Count

    from personnel.choices import Role
    from personnel.models import Department, Staff, User

    users = User.objects.select_related("institution", "department")
    chosen: dict[str, object] = {}
    ids = info.get("ids") or {}
    wanted = {"admin": ids.get("big_admin"), "hr": ids.get("big_hr"), "head": ids.get("big_department_head")}
    for key, username in wanted.items():
        if username:
            chosen[key] = users.get(username=username)
    if "admin" not in chosen:
        region = (Staff.objects.values("institution__region").annotate(n=Count("pk")).order_by("-n").first() or {}).get(
            "institution__region"
        )
        chosen["admin"] = users.filter(role=Role.COMMISSION_ADMIN, institution__region=region).order_by("pk").first()
    if "hr" not in chosen:
        hr_institutions = users.filter(role=Role.HOSPITAL_HR).values("institution")
        top = (
            Staff.objects.filter(institution__in=hr_institutions)
            .values("institution")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        chosen["hr"] = users.filter(role=Role.HOSPITAL_HR, institution=top["institution"]).order_by("pk").first()
    if "head" not in chosen:
        head_departments = users.filter(role=Role.DEPARTMENT_HEAD).values("department")
        top = (
            Department.objects.filter(pk__in=head_departments)
            .annotate(n=Count("staff"))
            .order_by("-n")
            .values("pk", "n")
            .first()
        )
        chosen["head"] = users.filter(role=Role.DEPARTMENT_HEAD, department=top["pk"]).order_by("pk").first()
    missing = [k for k, v in chosen.items() if v is None]
    if missing:
        raise SystemExit(f"no user found for: {', '.join(missing)}")
    return chosen
