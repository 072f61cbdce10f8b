"""Pure rules of an appointment round (no database): the title precondition (seed 003 双自主), the
comprehensive score (seed 000 §四(二)2), ranking with the policy's tie-break order and the quota
cut-off, and the agreement template's placeholders.  Errors are ValueError with a Chinese message;
the services turn them into ApplicationError."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from personnel.choices import TITLE_LEVEL_RANK, TitleLevel

# --- 双自主: is the title held a precondition of the post? ---------------------------------------


def title_precondition_error(
    *, title_required: int, title_level: str | None, title_name: str, grade_level: str, grade_name: str
) -> str | None:
    """With `round_title_required` = 1 (策勒县), a post grade above the title held is refused; with
    0 (Shandong 双自主: 职称不作为岗位聘用的必要条件) any grade may be applied for — the post quota
    still binds.  Returns the reason for a refusal, or None."""
    if title_required not in (0, 1):
        raise ValueError("政策参数“职称是否为岗位聘任前提”应为1（是）或0（否，双自主）。")
    if not title_required:
        return None
    held = TITLE_LEVEL_RANK.get(title_level, 0) if title_level else 0
    if held >= TITLE_LEVEL_RANK[grade_level]:
        return None
    held_text = f"{TitleLevel(title_level).label}（{title_name}）" if title_level else "无职称"
    return (
        f"本地区政策规定职称是岗位聘任的前提：现有职称为{held_text}，"
        f"不能申报{TitleLevel(grade_level).label}岗位（{grade_name}）。请申报与现有职称相符的岗位等级。"
    )


# --- 综合考核: one rule with the demotion case's, assessments.rules.comprehensive_score ----------


# --- Ranking and the quota cut-off ---------------------------------------------------------------

# criterion → (label, higher_is_better)
TIE_BREAK_CRITERIA: dict[str, tuple[str, bool]] = {
    "combined_score": ("综合得分", True),
    "quantified_score": ("量化考核得分", True),
    "democratic_score": ("民主评议得分", True),
    "defence_score": ("现场答辩得分", True),
    "title_since": ("取得现职称时间（早者优先）", False),
    "work_since": ("参加工作时间（早者优先）", False),
}


def parse_tie_break(text: str) -> list[str]:
    """The policy's ordered criteria ("combined_score,quantified_score,title_since,work_since");
    the combined score always comes first."""
    criteria = [c.strip() for c in (text or "").split(",") if c.strip()]
    unknown = [c for c in criteria if c not in TIE_BREAK_CRITERIA]
    if unknown:
        raise ValueError(
            f"政策参数“排名并列时的比较顺序”含未知项：{'、'.join(unknown)}；可用：{'、'.join(TIE_BREAK_CRITERIA)}。"
        )
    if not criteria or criteria[0] != "combined_score":
        raise ValueError("政策参数“排名并列时的比较顺序”须以综合得分（combined_score）开头。")
    if len(set(criteria)) != len(criteria):
        raise ValueError("政策参数“排名并列时的比较顺序”有重复项。")
    return criteria


@dataclass(frozen=True)
class Contender:
    id: int
    name: str
    combined_score: Decimal
    quantified_score: Decimal | None = None
    democratic_score: Decimal | None = None
    defence_score: Decimal | None = None
    title_since: dt.date | None = None
    work_since: dt.date | None = None


@dataclass(frozen=True)
class Placing:
    id: int
    rank: int
    proposed: bool
    note: str = ""


def _key_part(value, higher_is_better: bool) -> tuple:
    if value is None:  # a missing value ranks after any given one
        return (1, 0)
    number = value.toordinal() if isinstance(value, dt.date) else Decimal(value)
    return (0, -number if higher_is_better else number)


def _sort_key(c: Contender, criteria: Sequence[str]) -> tuple:
    return tuple(_key_part(getattr(c, name), TIE_BREAK_CRITERIA[name][1]) for name in criteria)


def rank_contenders(contenders: Sequence[Contender], *, criteria: Sequence[str], places: int) -> list[Placing]:
    """Rank by the criteria in order (standard competition ranking: tied people share a rank) and
    propose at most `places` people.  People still tied on every criterion at the cut-off are all
    left unproposed: the rule cannot choose between them, and the quota is never exceeded."""
    places = max(int(places), 0)
    ordered = sorted(contenders, key=lambda c: (_sort_key(c, criteria), c.id))
    groups: list[list[Contender]] = []
    for c in ordered:
        if groups and _sort_key(groups[-1][0], criteria) == _sort_key(c, criteria):
            groups[-1].append(c)
        else:
            groups.append([c])

    notes: dict[int, list[str]] = {c.id: [] for c in contenders}
    # Neighbours equal on the first criteria and separated by a later one: say which one decided.
    for a, b in zip(ordered, ordered[1:], strict=False):
        ka, kb = _sort_key(a, criteria), _sort_key(b, criteria)
        if ka == kb:
            continue
        decisive = next(i for i in range(len(criteria)) if ka[i] != kb[i])
        if decisive > 0:
            label = TIE_BREAK_CRITERIA[criteria[decisive]][0]
            for x, y in ((a, b), (b, a)):
                notes[x.id].append(f"与{y.name}综合得分相同，按{label}排序")

    placings: list[Placing] = []
    filled, rank = 0, 1
    for group in groups:
        fits = filled + len(group) <= places
        if not fits and filled < places:
            names = "、".join(c.name for c in group)
            for c in group:
                notes[c.id].append(f"{names}各项比较均相同，并列超出岗位数，均不拟聘（须重新研究）")
        placings.extend(Placing(id=c.id, rank=rank, proposed=fits, note="；".join(notes[c.id])) for c in group)
        if fits:
            filled += len(group)
        else:
            filled = places  # nobody after an unresolved tie at the cut-off moves ahead of it
        rank += len(group)
    assert sum(p.proposed for p in placings) <= places  # noqa: S101 - the quota is never exceeded
    return placings


# --- Agreement template ---------------------------------------------------------------------------


def template_fields(body: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as error:
        raise ValueError("协议模板中的花括号不成对，请检查占位符写法（如 {staff_name}）。") from error


def unknown_placeholders(body: str, allowed: Mapping[str, str]) -> list[str]:
    try:
        names = template_fields(body)
    except ValueError as error:
        return [str(error)]
    return sorted({"{" + n + "}" for n in names if n not in allowed})


def render_agreement(body: str, values: Mapping[str, str]) -> str:
    unknown = [n for n in template_fields(body) if n not in values]
    if unknown:
        raise ValueError(f"协议模板含未知占位符：{'、'.join('{' + n + '}' for n in unknown)}。")
    return body.format_map(dict(values))
