"""The round's pure rules, without the database: 双自主, the comprehensive score, ranking with the
tie-break order and the quota cut-off, the agreement template."""

import datetime as dt
from decimal import Decimal

import pytest

from personnel.choices import TitleLevel
from rounds import rules
from rounds.models import AGREEMENT_PLACEHOLDERS

CRITERIA = ["combined_score", "quantified_score", "title_since", "work_since"]


def c(id_, combined, quantified=None, title_since=None, work_since=None, name=None):
    return rules.Contender(
        id=id_,
        name=name or f"人{id_}",
        combined_score=Decimal(str(combined)),
        quantified_score=None if quantified is None else Decimal(str(quantified)),
        title_since=title_since,
        work_since=work_since,
    )


def proposed(placings):
    return {p.id for p in placings if p.proposed}


# --- 双自主 ---


def test_title_required_refuses_a_grade_above_the_title_held():
    reason = rules.title_precondition_error(
        title_required=1,
        title_level=TitleLevel.INTERMEDIATE,
        title_name="主治医师",
        grade_level=TitleLevel.ASSOCIATE_SENIOR,
        grade_name="专业技术六级",
    )
    assert "职称是岗位聘任的前提" in reason
    assert "中级（主治医师）" in reason


def test_title_required_allows_the_grade_of_the_title_held_or_below():
    for grade_level in (TitleLevel.INTERMEDIATE, TitleLevel.JUNIOR):
        assert (
            rules.title_precondition_error(
                title_required=1,
                title_level=TitleLevel.INTERMEDIATE,
                title_name="主治医师",
                grade_level=grade_level,
                grade_name="x",
            )
            is None
        )


def test_double_autonomy_allows_a_grade_above_the_title_held():
    assert (
        rules.title_precondition_error(
            title_required=0, title_level=None, title_name="", grade_level=TitleLevel.SENIOR, grade_name="专业技术二级"
        )
        is None
    )


def test_title_required_flag_other_than_0_or_1_is_refused():
    with pytest.raises(ValueError, match="应为1"):
        rules.title_precondition_error(
            title_required=2, title_level=None, title_name="", grade_level=TitleLevel.SENIOR, grade_name="x"
        )


# --- Ranking and the quota cut-off ---


def test_tie_break_order_must_start_with_the_combined_score_and_name_known_criteria():
    assert rules.parse_tie_break("combined_score, title_since") == ["combined_score", "title_since"]
    with pytest.raises(ValueError, match="未知项"):
        rules.parse_tie_break("combined_score,age")
    with pytest.raises(ValueError, match="开头"):
        rules.parse_tie_break("quantified_score,combined_score")


def test_never_more_proposed_than_places():
    people = [c(i, 90 - i) for i in range(1, 6)]
    for places in range(0, 7):
        placings = rules.rank_contenders(people, criteria=CRITERIA, places=places)
        assert len(proposed(placings)) == min(places, 5)


def test_a_tie_at_the_cut_off_is_broken_by_the_next_criterion():
    people = [c(1, 90, 88), c(2, 85, 80), c(3, 85, 84)]
    placings = {p.id: p for p in rules.rank_contenders(people, criteria=CRITERIA, places=2)}
    assert proposed(placings.values()) == {1, 3}
    assert (placings[3].rank, placings[2].rank) == (2, 3)
    assert "按量化考核得分排序" in placings[2].note


def test_a_tie_at_the_cut_off_falls_to_the_earlier_title_when_scores_are_equal():
    people = [c(1, 85, 80, title_since=dt.date(2016, 1, 1)), c(2, 85, 80, title_since=dt.date(2014, 1, 1))]
    assert proposed(rules.rank_contenders(people, criteria=CRITERIA, places=1)) == {2}


def test_a_tie_the_rule_cannot_break_at_the_cut_off_proposes_neither():
    same = {"quantified": 80, "title_since": dt.date(2015, 1, 1), "work_since": dt.date(2008, 1, 1)}
    people = [c(1, 95, 90), c(2, 85, **same, name="甲"), c(3, 85, **same, name="乙"), c(4, 70, 60)]
    placings = {p.id: p for p in rules.rank_contenders(people, criteria=CRITERIA, places=2)}
    assert proposed(placings.values()) == {1}
    assert placings[2].rank == placings[3].rank == 2
    assert placings[4].rank == 4 and not placings[4].proposed
    assert "甲、乙各项比较均相同" in placings[2].note


def test_a_full_tie_within_the_places_proposes_both():
    same = {"quantified": 80, "title_since": dt.date(2015, 1, 1), "work_since": dt.date(2008, 1, 1)}
    people = [c(1, 85, **same), c(2, 85, **same)]
    assert proposed(rules.rank_contenders(people, criteria=CRITERIA, places=2)) == {1, 2}


# --- Agreement template ---


def test_agreement_template_rejects_unknown_placeholders():
    assert rules.unknown_placeholders("{staff_name}{salary}", AGREEMENT_PLACEHOLDERS) == ["{salary}"]
    assert rules.unknown_placeholders("{staff_name.__class__}", AGREEMENT_PLACEHOLDERS) == ["{staff_name.__class__}"]
    with pytest.raises(ValueError, match="未知占位符"):
        rules.render_agreement("{x}", {"y": "1"})
