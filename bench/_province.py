"""Shared plumbing of the issue-9 benchmarks: pick the database (`--db NAME`) before Django starts,
COPY rows with ids assigned in Python, write results in the shared format (bench-contract)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROVINCE_DIR = BENCH / ".province"
RESULTS_DIR = BENCH / "results"
PG = "postgres://postgres@127.0.0.1:5432/"


def db_from_argv(default: str | None = None) -> str | None:
    """The value of `--db NAME` on the command line (read before Django is set up)."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg.split("=", 1)[1]
    return default


def use_database(name: str | None, fallback_url: str | None = None) -> None:
    """Point DATABASE_URL at PostgreSQL database `name` (when given) and set Django up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if name:
        os.environ["DATABASE_URL"] = PG + name
    elif fallback_url:
        os.environ.setdefault("DATABASE_URL", fallback_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def province(name: str) -> dict:
    """The description generate.py wrote of database `name` (bench/.province/NAME.json)."""
    path = PROVINCE_DIR / f"{name}.json"
    if not path.exists():
        sys.exit(f"{path} is missing: build the set first (bench/generate.py --db {name})")
    return json.loads(path.read_text(encoding="utf-8"))


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into `table` on Django's connection."""
    from django.db import connection

    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
    return count


def write_results(name: str, records: list[dict]) -> Path:
    """bench/results/<name>.json: the records of the contract (missing keys filled with None)."""
    keys = ("bench", "case", "figure", "unit", "target", "met", "bound", "bound_figure", "ratio", "ratio_target")
    out = []
    for record in records:
        full = {k: record.get(k) for k in keys}
        full["queries"] = record.get("queries")
        full["notes"] = record.get("notes", "")
        full.update({k: v for k, v in record.items() if k not in full})
        out.append(full)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


class Stopwatch:
    """Per-step timings, printed as they come."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.steps: dict[str, float] = {}

    def step(self, label: str, started: float, rows: int | None = None) -> None:
        seconds = time.perf_counter() - started
        self.steps[label] = round(self.steps.get(label, 0) + seconds, 2)
        extra = f"  {rows:>11,} rows  {rows / max(seconds, 1e-9):>10,.0f} rows/s" if rows is not None else ""
        print(f"  {label:<34} {seconds:7.1f} s{extra}", flush=True)

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start
