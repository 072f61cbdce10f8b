"""Every time a page, API response, admin page or export shows someone's full 身份证号 and phone,
the code that shows them calls `record_full_views(request, people, kind=...)` once for the whole
set of people (never per row).  The access log (app `accesslog`, above personnel) registers the
recorder when it loads, so personnel does not import it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

Recorder = Callable[..., int]
_recorders: list[Recorder] = []


def register_recorder(recorder: Recorder) -> None:
    if recorder not in _recorders:
        _recorders.append(recorder)


def record_full_views(request, people: Iterable, *, kind: str = "page", path: str | None = None) -> int:
    """`people`: Staff objects (pk, name, institution_id) shown unmasked to `request.user`.
    `kind`: "page", "api", "export" or "admin".  Returns the rows recorded."""
    people = list(people)
    if not people:
        return 0
    return sum(recorder(request, people, kind=kind, path=path) for recorder in _recorders)
