"""Run every issue-9 benchmark against one generated province and write the results table.

    .venv/bin/python bench/run_all.py [--scale 1.0] [--db pr_province] [--reuse] [--only sweep,...]

1. Builds the province with bench/generate.py (unless --reuse finds it already built at that scale:
   bench/.province/NAME.json says so and the database's table counts agree).
2. Runs each benchmark script as a subprocess with `--db NAME` (BENCH_SCALE and, below scale 1,
   BENCH_QUICK=1 in its environment): the known ones first, then any other bench/*.py that writes
   bench/results/ (scripts of the other helpers).  A crash is reported and the next one runs.
3. Collects bench/results/*.json and writes bench/RESULTS.md (scale 1) or bench/RESULTS-quick.md:
   a table per benchmark, the machine, the data set, and the changes justified by measurements
   (bench/optimizations.md).

Exits non-zero only if a benchmark (or the generator) crashed, never because a target was missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _province as P  # noqa: E402

PYTHON = sys.executable
# Known benchmarks in run order, with their extra arguments (full scale, quick scale).
KNOWN = {
    "roster_import": (["--repeat", "3"], ["--rows", "2000"]),
    "workload_push": (["--batches", "3"], ["--batches", "2"]),
    "sweep": (["--repeat", "3"], ["--repeat", "1"]),
    # The other helpers' scripts: their quick-scale arguments (each also sees BENCH_QUICK=1).
    "api_lists": ([], ["--runs", "3"]),
    "pages": ([], ["--runs", "3"]),
    "load": ([], ["--quick"]),
}
FIRST = ("roster_import", "workload_push", "sweep")
NOT_BENCHES = {"_province", "generate", "run_all"}


def sh(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout.strip()  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ""


def run_one(command: list[str], env: dict, timeout: int) -> tuple[int, list[str]]:
    """Run a benchmark, echoing its output; (exit code, last 30 lines).  The output is read by a
    thread and the process is waited for, not the pipe's end: a server a benchmark leaves running
    may hold the pipe open."""
    tail: list[str] = []
    proc = subprocess.Popen(  # noqa: S603
        command, cwd=P.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )

    def pump() -> None:
        for line in proc.stdout:
            print(f"  {line}", end="", flush=True)
            tail[:] = [*tail[-29:], line.rstrip()]

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
        tail.append(f"killed after {timeout} s")
    reader.join(timeout=5)
    if reader.is_alive():
        tail.append("(its output pipe is still held open by a process it left running)")
        print("  run_all: note: a process left running by this benchmark still holds its output pipe", flush=True)
    return code, list(tail)


def discover() -> list[str]:
    """The known benchmarks, then any other bench/*.py that writes bench/results/ (alphabetically)."""
    names = list(FIRST)
    for path in sorted(P.BENCH.glob("*.py")):
        name = path.stem
        if name in NOT_BENCHES or name in names or name.startswith("_"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "write_results(" in text or "bench/results" in text:
            names.append(name)
    return names


def reusable(db: str, scale: float) -> tuple[bool, str]:
    """Whether database `db` holds the province of `scale` as described by its JSON."""
    path = P.PROVINCE_DIR / f"{db}.json"
    if not path.exists():
        return False, f"{path.name} missing"
    description = json.loads(path.read_text(encoding="utf-8"))
    if float(description.get("scale", -1)) != float(scale):
        return False, f"built at scale {description.get('scale')}, not {scale}"
    import psycopg

    try:
        with psycopg.connect(P.PG + db) as conn:
            for table in ("personnel_staff", "assessments_assessment", "appointments_appointment"):
                expected = description["counts"].get(table)
                found = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 (fixed names)
                # Benchmarks clean up after themselves; a few rows left by an interrupted run are
                # tolerated (0.5%), a different or half-built set is not.
                if expected is not None and abs(found - expected) > expected * 0.005:
                    return False, f"{table}: {found:,} rows, the description says {expected:,}"
                if expected is not None and found != expected:
                    print(f"run_all: note: {table} has {found - expected:+,} rows since it was generated")
    except psycopg.Error as error:
        return False, f"database {db}: {str(error).strip().splitlines()[0]}"
    return True, f"built {description.get('generated_at')} in {description.get('seconds')} s"


def machine(db: str) -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    pg = ""
    try:
        import psycopg

        with psycopg.connect(P.PG + db) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections")
            }
    except Exception:  # noqa: BLE001 (best effort: the report says what it could read)
        settings = {}
    redis = sh(["redis-cli", "-h", "127.0.0.1", "INFO", "server"])
    redis_version = next((ln.split(":", 1)[1] for ln in redis.splitlines() if ln.startswith("redis_version")), "")
    commit = sh(["git", "-C", str(P.ROOT), "rev-parse", "--short", "HEAD"])
    dirty = sh(["git", "-C", str(P.ROOT), "status", "--porcelain", "--untracked-files=no"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "postgresql": pg,
        "postgresql_settings": settings,
        "redis": redis_version.strip(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "commit": commit + (" (with uncommitted changes in the tree)" if dirty else ""),
    }


def fmt(value, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def write_report(args, runs: list[dict], before: tuple, after: tuple, started: float, info: dict) -> Path:
    description = json.loads((P.PROVINCE_DIR / f"{args.db}.json").read_text(encoding="utf-8"))
    wall = time.perf_counter() - started
    full = float(args.scale) == 1.0
    out = P.BENCH / ("RESULTS.md" if full else "RESULTS-quick.md")
    if args.only:  # a partial run does not replace the committed tables
        out = P.RESULTS_DIR / f"RESULTS-only-{args.only.replace(',', '-')}.md"
    generation = "reused" if info.get("reused") else f"{info.get('generation_s', 0):.0f} s"
    lines = [
        f"# Benchmark results — {'province scale' if full else f'quick run at scale {args.scale}'}",
        "",
        f"Written by `bench/run_all.py --scale {args.scale} --db {args.db}{' --reuse' if args.reuse else ''}` "
        f"on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; the whole run took {wall / 60:.1f} min "
        f"(generation {generation}).",
        "Figures are wall-clock on the machine below; benchmarks never fail on a missed target "
        "(met = figure within target and, where there is a bound, ratio within its target).",
        "",
        "## Summary",
        "",
        "| benchmark | case | figure | target | met | bound | ratio | queries |",
        "|---|---|---:|---|:-:|---:|---:|---:|",
    ]
    details = []
    for run in runs:
        records = run["records"]
        if run["status"] != "ok" and not records:
            lines.append(f"| {run['name']} | **crashed** (exit {run['code']}) | — | — | **no** | — | — | — |")
        for r in records:
            figure = f"{fmt(r.get('figure'))} {r.get('unit') or ''}".strip()
            bound = f"{fmt(r.get('bound_figure'))}" if r.get("bound_figure") is not None else "—"
            ratio = f"{fmt(r.get('ratio'), 1)}× ({r.get('ratio_target') or '—'})" if r.get("ratio") is not None else "—"
            lines.append(
                f"| {fmt(r.get('bench') or run['name'])} | {fmt(r.get('case'))} | {figure} | {fmt(r.get('target'))} "
                f"| {fmt(r.get('met'))} | {bound} | {ratio} | {fmt(r.get('queries'))} |"
            )
        details.append(f"### {run['name']}")
        details.append("")
        details.append(
            f"`{' '.join(run['command'])}` — {run['status']} in {run['seconds']:.1f} s"
            + (f" (exit code {run['code']})" if run["status"] != "ok" else "")
        )
        details.append("")
        details.extend(
            f"- **{fmt(r.get('case'))}**: {fmt(r.get('figure'))} {r.get('unit') or ''}; "
                           f"bound: {fmt(r.get('bound'))} = {fmt(r.get('bound_figure'))}; "
                           f"notes: {fmt(r.get('notes'))}"
            for r in records
        )  # fmt: skip
        if run["status"] != "ok":
            details.append("")
            details.append("```")
            details.extend(run["tail"])
            details.append("```")
        details.append("")
    counts = description.get("counts", {})
    lines += [
        "",
        "## Data set",
        "",
        f"`bench/generate.py --scale {description['scale']} --db {description['db']}` (seed {description.get('seed')}): "
        f"{description.get('prefectures')} prefectures, {description.get('counties')} counties, "
        f"{description.get('staff'):,} staff ({description.get('seniors_in_sweep_scope'):,} senior appointments in "
        f"the sweep's scope), built in {description.get('seconds')} s at {description.get('generated_at')}.",
        "",
        "| table | rows |",
        "|---|---:|",
        *[f"| {t} | {n:,} |" for t, n in sorted(counts.items())],
        "",
        "Generation steps (s): " + ", ".join(f"{k} {v}" for k, v in description.get("steps", {}).items()),
        "",
        "## Machine",
        "",
        f"- CPU: {info['machine']['cpu']} — {info['machine']['cores']} cores; RAM {info['machine']['ram']}",
        f"- PostgreSQL {info['machine']['postgresql']} "
        f"({', '.join(f'{k}={v}' for k, v in info['machine']['postgresql_settings'].items())}); "
        f"Redis {info['machine']['redis']}; Python {info['machine']['python']}; {info['machine']['os']}",
        f"- git commit {info['machine']['commit']}",
        f"- load average before: {before[0]:.2f}, {before[1]:.2f}, {before[2]:.2f}; "
        f"after: {after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f}",
        "",
        "## Details",
        "",
        *details,
        "## Changes justified by measurements",
        "",
    ]
    optimizations = P.BENCH / "optimizations.md"
    if optimizations.exists():
        text = optimizations.read_text(encoding="utf-8").strip().splitlines()
        if text and text[0].startswith("# "):
            text = text[1:]
        lines += [f"#{ln}" if ln.startswith("#") else ln for ln in text]  # its sections nest under this one
    else:
        lines.append("(bench/optimizations.md is missing.)")
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default=None, help="default pr_province (scale 1) or pr_province_quick")
    parser.add_argument("--reuse", action="store_true", help="keep the set when it is already built at that scale")
    parser.add_argument("--only", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--timeout", type=int, default=0, help="seconds per benchmark (default 900 quick, 3600)")
    args = parser.parse_args()
    args.db = args.db or ("pr_province" if args.scale == 1.0 else "pr_province_quick")
    quick = args.scale != 1.0
    timeout = args.timeout or (900 if quick else 3600)
    started = time.perf_counter()
    before = os.getloadavg()
    print(f"run_all: scale {args.scale}, database {args.db}  ({P.load_average()})", flush=True)
    info: dict = {"reused": False}
    failed = []
    ok, why = reusable(args.db, args.scale) if args.reuse else (False, "--reuse not given")
    if ok:
        info["reused"] = True
        print(f"== reusing {args.db}: {why}; applying any migration added since", flush=True)
        code = subprocess.call(  # noqa: S603
            [PYTHON, "manage.py", "migrate", "--noinput"],
            cwd=P.ROOT,
            env={**os.environ, "DATABASE_URL": P.PG + args.db},
        )
        if code:
            print(f"run_all: migrate on {args.db} failed (exit {code})", file=sys.stderr)
            return code
    else:
        print(f"== generating {args.db} ({why})", flush=True)
        t = time.perf_counter()
        code = subprocess.call(  # noqa: S603
            [PYTHON, str(P.BENCH / "generate.py"), "--scale", str(args.scale), "--db", args.db], cwd=P.ROOT
        )
        info["generation_s"] = time.perf_counter() - t
        if code:
            print(f"run_all: the generator failed (exit {code})", file=sys.stderr)
            return code
    names = discover()
    if args.only:
        wanted = set(args.only.split(","))
        names = [n for n in names if n in wanted]
    for stale in P.RESULTS_DIR.glob("*.json"):
        stale.unlink()
    env = {**os.environ, "BENCH_SCALE": str(args.scale)}
    if quick:
        env["BENCH_QUICK"] = "1"
    env.pop("DATABASE_URL", None)  # each benchmark points itself at --db
    runs = []
    for name in names:
        extra = KNOWN.get(name, ([], []))[1 if quick else 0]
        command = [PYTHON, f"bench/{name}.py", "--db", args.db, *extra]
        print(f"\n== {name}: {' '.join(command[1:])}  ({P.load_average()})", flush=True)
        t = time.perf_counter()
        code, tail = run_one(command, env, timeout)
        seconds = time.perf_counter() - t
        result = P.RESULTS_DIR / f"{name}.json"
        records = json.loads(result.read_text(encoding="utf-8")) if result.exists() else []
        status = "ok" if code == 0 else "crashed"
        if code:
            failed.append(name)
        runs.append(
            {
                "name": name,
                "command": command[1:],
                "code": code,
                "status": status,
                "seconds": seconds,
                "records": records,
                "tail": tail,
            }
        )
        print(f"== {name}: {status} in {seconds:.1f} s, {len(records)} records", flush=True)
    # Results written by scripts under other names (a script may write several files).
    seen = {f"{r['name']}.json" for r in runs}
    for path in sorted(P.RESULTS_DIR.glob("*.json")):
        if path.name not in seen:
            records = json.loads(path.read_text(encoding="utf-8"))
            runs.append(
                {"name": path.stem, "command": ["(written by another script)"], "code": 0, "status": "ok",
                 "seconds": 0.0, "records": records, "tail": []}
            )  # fmt: skip
    after = os.getloadavg()
    info["machine"] = machine(args.db)
    out = write_report(args, runs, before, after, started, info)
    wall = time.perf_counter() - started
    print(f"\nwrote {out.relative_to(P.ROOT)}")
    print(f"run_all: {len(runs)} benchmarks, {len(failed)} crashed {failed or ''}; wall time {wall / 60:.1f} min")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
