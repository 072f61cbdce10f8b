"""The realistic mix of issue 9's load test (run by bench/load.py; see its docstring).

Users are humans (think times between requests) in five roles, their logins and ids taken from the
plan file that bench/load.py writes (env LOAD_PLAN):

- 科室主任 open their department's score sheet of the open month, fill in a few people's scores and
  save the draft (POST of the whole open sheet, as the browser does), then look at the sheet again;
- 医院人事 browse the staff list (filters, search, pages), open staff pages, read the API list, and
  now and then export a department's roster and import a small roster (preview, then confirm);
- HIS clients POST workload batches with their API key (`Authorization: Api-Key …`);
- 卫健委管理员 look at the dashboard, the indicators, staff pages, 我的待办 and download a report;
- 职工 open their own page and the home page.

Every response is checked: status, and content that proves the page is the one asked for (a
redirect to the login page answers 200 too).  The site runs in production mode behind the plain
HTTP loopback: the client sends `X-Forwarded-Proto: https` as the TLS-terminating proxy in front
of gunicorn does (settings.SECURE_PROXY_SSL_HEADER), and its cookie jar sends the Secure cookies
to the loopback address as browsers do for localhost, so no production setting is weakened.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from datetime import date, timedelta
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8")) if os.environ.get("LOAD_PLAN") else {}
THINK = float(os.environ.get("LOAD_THINK_SCALE", "1"))

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SCORE_RE = re.compile(r'<input class="score" name="(score-(\d+)-([^"]+))" value="([^"]*)"[^>]*?(disabled)?>', re.S)
STAFF_RE = re.compile(
    r'<input type="hidden" name="staff" value="(\d+)"><input type="hidden" name="(version-\d+)" value="(\d+)">'
)
SCHEME_RE = re.compile(r'<script id="score-scheme" type="application/json">(.*?)</script>', re.S)
STAFF_LINK_RE = re.compile(r'href="/staff/(\d+)/"')


_return_ok_secure = DefaultCookiePolicy.return_ok_secure


def _loopback_is_secure(self, cookie, request) -> bool:
    """Secure cookies go to the loopback over plain HTTP, as browsers treat http://127.0.0.1 (this
    client process only; requests copies cookies into fresh jars, so a per-jar policy would not hold)."""
    if cookie.secure and urlsplit(request.get_full_url()).hostname in ("127.0.0.1", "localhost"):
        return True
    return _return_ok_secure(self, cookie, request)


DefaultCookiePolicy.return_ok_secure = _loopback_is_secure


def think(low: float, high: float):
    return between(low * THINK, high * THINK)


_counters: dict[str, itertools.count] = {}
_started = time.time()
_signed_in = [0]


def signed_in(environment) -> None:
    """Once every user has signed in, the statistics start afresh: the figures are those of the
    steady state, not of the ramp-up's login storm (each login is a deliberately slow PBKDF2 hash:
    200 of them within seconds keep both cores busy for a minute).  The moment goes to LOAD_STATUS."""
    _signed_in[0] += 1
    users = int(os.environ.get("LOAD_USERS", "0"))
    if users and _signed_in[0] == users:
        stats = environment.runner.stats
        ramp = {
            "signed_in_after": round(time.time() - _started, 1),
            "users": users,
            "ramp_requests": stats.total.num_requests,
            "ramp_failures": stats.total.num_failures,
            "ramp_errors": [f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in stats.errors.values()],
            "ramp_login_p95_ms": stats.get("POST /login/", "POST").get_response_time_percentile(0.95),
        }
        stats.reset_all()
        if os.environ.get("LOAD_STATUS"):
            Path(os.environ["LOAD_STATUS"]).write_text(json.dumps(ramp), encoding="utf-8")


def next_login(role: str) -> dict:
    pool = PLAN.get(role) or []
    if not pool:
        raise StopUser()
    counter = _counters.setdefault(role, itertools.count())
    return pool[next(counter) % len(pool)]


class Human(HttpUser):
    abstract = True
    role = ""

    def on_start(self) -> None:
        # The address the browser sees behind the TLS proxy: Origin/Referer of the CSRF check.
        self.origin = self.host.replace("http://", "https://", 1).rstrip("/")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"})
        self.login_data = next_login(self.role)
        page = self.client.get("/login/", name="GET /login/")
        token = CSRF_RE.search(page.text).group(1)
        with self.client.post(
            "/login/",
            data={
                "username": self.login_data["username"],
                "password": self.login_data["password"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Origin": self.origin, "Referer": self.origin + "/login/"},
            name="POST /login/",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/login/" in response.url or "退出" not in response.text:
                response.failure(f"login of {self.login_data['username']} failed: {response.status_code}")
                raise StopUser()
        signed_in(self.environment)

    def on_stop(self) -> None:
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/logout/", data={"csrfmiddlewaretoken": token}, headers={"Origin": self.origin}, name="POST /logout/"
        )

    def page(self, url: str, name: str, marker: str):
        """GET an HTML page and check it is the page asked for."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif "/login/" in response.url:
                response.failure("sent to the login page")
            elif marker not in response.text:
                response.failure(f"missing {marker!r}")
            return response

    def download(self, url: str, name: str, magic: bytes = b"PK"):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or not response.content.startswith(magic):
                response.failure(f"{response.status_code} {response.headers.get('Content-Type')}")
            return response

    def api(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            else:
                try:
                    body = response.json()
                    if "results" not in body:
                        response.failure("no results")
                except ValueError:
                    response.failure("not JSON")
            return response

    def post_form(self, url: str, data: dict, name: str, marker: str, files=None):
        data = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), **data}
        with self.client.post(
            url,
            data=data,
            files=files,
            name=name,
            headers={"Origin": self.origin, "Referer": self.origin + url},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")
            elif marker not in response.text:
                response.failure(f"missing {marker!r}: {response.text[:300]}")
            return response


class DepartmentHead(Human):
    """Opens the month's score sheet, scores a few people, saves the draft, looks again."""

    role = "heads"
    weight = 35
    wait_time = think(8, 30)

    @task(3)
    def score_sheet(self) -> None:
        d = self.login_data
        url = f"/assessments/periods/{d['period']}/sheet/?department={d['department']}"
        response = self.page(url, "GET /assessments/periods/[id]/sheet/", "评分表")
        if response.status_code != 200:
            return
        html = response.text
        open_rows = {int(pk): (version_name, version) for pk, version_name, version in STAFF_RE.findall(html)}
        if not open_rows:
            return
        scheme = json.loads(SCHEME_RE.search(html).group(1))
        maxima = {i["code"]: float(i["max"]) for i in scheme["items"]}
        data = {"department": d["department"], "action": "save", "staff": [str(pk) for pk in open_rows]}
        for version_name, version in open_rows.values():
            data[version_name] = version  # noqa: PERF403
        for name, pk, _code, value, disabled in SCORE_RE.findall(html):
            if int(pk) in open_rows and not disabled:
                data[name] = value  # noqa: PERF403
        for pk in random.sample(sorted(open_rows), min(5, len(open_rows))):
            for code, top in maxima.items():
                data[f"score-{pk}-{code}"] = f"{top * random.uniform(0.7, 1.0):.1f}"
        self.post_form(url, data, "POST /assessments/periods/[id]/sheet/ (save)", "已保存草稿")

    @task(1)
    def tasks_page(self) -> None:
        self.page("/tasks/", "GET /tasks/", "我的待办")

    @task(1)
    def staff_page(self) -> None:
        if self.login_data.get("staff"):
            self.page(f"/staff/{random.choice(self.login_data['staff'])}/", "GET /staff/[id]/", "人员")


class HumanResources(Human):
    """Browses the staff list and pages; now and then exports a roster and imports a small one."""

    role = "hr"
    weight = 25
    wait_time = think(3, 15)

    @task(6)
    def staff_list(self) -> None:
        d = self.login_data
        params = random.choice(
            [
                "",
                "?category=clinical&status=on_duty",
                f"?department={random.choice(d['departments'])}" if d.get("departments") else "",
                f"?q={random.choice(d.get('searches') or ['王'])}",
                f"?page={random.randint(2, 5)}",
                "?title_level=senior",
            ]
        )
        response = self.page(f"/staff/{params}", "GET /staff/ (filters)", "人员")
        ids = STAFF_LINK_RE.findall(response.text or "")
        self.listed = ids or getattr(self, "listed", [])

    @task(6)
    def staff_page(self) -> None:
        ids = getattr(self, "listed", None) or [str(i) for i in self.login_data.get("staff", [])]
        if ids:
            self.page(f"/staff/{random.choice(ids)}/", "GET /staff/[id]/", "人员")

    @task(2)
    def api_list(self) -> None:
        self.api("/api/v1/staff/?page_size=50", "GET /api/v1/staff/?page_size=50")

    @task(1)
    def export_roster(self) -> None:
        if self.login_data.get("departments"):
            department = random.choice(self.login_data["departments"])
            self.download(f"/roster/export.xlsx?department={department}", "GET /roster/export.xlsx (department)")

    @task(1)
    def import_roster(self) -> None:
        path = self.login_data.get("roster")
        if not path:
            return
        self.page("/roster/", "GET /roster/", "花名册")
        with open(path, "rb") as f:
            content = f.read()
        files = {"file": ("roster.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
        preview = self.post_form("/roster/", {}, "POST /roster/ (upload, preview)", "校验通过", files=files)
        match = re.search(r"/roster/(\d+)/confirm/", preview.text or "")
        if not match:
            return
        self.post_form(match.group(0), {}, "POST /roster/[id]/confirm/", "导入完成")


class HISClient(HttpUser):
    """A hospital information system pushing workload batches with its API key."""

    weight = 10
    wait_time = think(5, 15)

    def on_start(self) -> None:
        self.his = next_login("his")
        self.client.headers.update({"Authorization": f"Api-Key {self.his['key']}", "X-Forwarded-Proto": "https"})
        self.batch = int(os.environ.get("LOAD_HIS_BATCH", "200"))
        signed_in(self.environment)

    @task
    def push(self) -> None:
        today = date.today()
        records = [
            {
                "id_number": random.choice(self.his["id_numbers"]),
                "date": (today - timedelta(days=random.randint(0, 20))).isoformat(),
                "metric": random.choice(self.his["metrics"]),
                "quantity": random.randint(1, 9),
                "source_id": f"{PLAN.get('source_prefix', 'B2LOAD-')}{uuid.uuid4().hex}",
            }
            for _ in range(self.batch)
        ]
        with self.client.post(
            "/api/v1/workload/", json={"records": records}, name="POST /api/v1/workload/ (batch)", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:300]}")
            elif response.json().get("created") != len(records):
                response.failure(f"created {response.json().get('created')} of {len(records)}")


class CommissionAdmin(Human):
    role = "admins"
    weight = 10
    wait_time = think(5, 20)

    @task(4)
    def dashboard(self) -> None:
        self.page("/dashboard/", "GET /dashboard/", "统计看板")

    @task(1)
    def indicators(self) -> None:
        self.page("/dashboard/indicators/", "GET /dashboard/indicators/", "强基指标")

    @task(2)
    def staff(self) -> None:
        response = self.page("/staff/?status=on_duty", "GET /staff/ (filters)", "人员")
        ids = STAFF_LINK_RE.findall(response.text or "")
        if ids:
            self.page(f"/staff/{random.choice(ids)}/", "GET /staff/[id]/", "人员")

    @task(1)
    def tasks_page(self) -> None:
        self.page("/tasks/", "GET /tasks/", "我的待办")

    @task(1)
    def report(self) -> None:
        month = self.login_data.get("month", date.today().strftime("%Y-%m"))
        self.download(f"/dashboard/reports/monthly.xlsx?month={month}", "GET /dashboard/reports/monthly.xlsx")


class StaffMember(Human):
    role = "staff"
    weight = 20
    wait_time = think(10, 40)

    @task(2)
    def own_page(self) -> None:
        self.page(f"/staff/{self.login_data['staff']}/", "GET /staff/[id]/ (own)", "人员")

    @task(1)
    def home(self) -> None:
        self.page("/", "GET / (home)", "工作台")


ROLE_CLASSES = {
    "heads": DepartmentHead,
    "hr": HumanResources,
    "his": HISClient,
    "admins": CommissionAdmin,
    "staff": StaffMember,
}


@events.init.add_listener
def fix_counts(environment, **_kwargs) -> None:
    """A department head is one person at one sheet: never more head users than distinct heads
    (two users saving one sheet would see the optimistic-lock refusal, which is right but no load)."""
    users = int(os.environ.get("LOAD_USERS", "0"))
    if not users:
        return
    total_weight = sum(c.weight for c in ROLE_CLASSES.values())
    counts = {role: round(users * c.weight / total_weight) for role, c in ROLE_CLASSES.items()}
    counts["heads"] = min(counts["heads"], len(PLAN.get("heads") or []))
    for role in ROLE_CLASSES:
        if not PLAN.get(role):
            counts[role] = 0
    short = users - sum(counts.values())
    counts["hr" if PLAN.get("hr") else "staff"] += short
    for role, c in ROLE_CLASSES.items():
        c.fixed_count = counts[role]
