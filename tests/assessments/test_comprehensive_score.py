"""综合考核 (seed 000 §四(二)2): 量化评分 + 民主评议 + 现场答辩, the quantified part weighing at least
the policy's share — one rule for demotion cases and appointment rounds."""

from decimal import Decimal

import pytest

from assessments.rules import ComprehensiveInputError, ballot_mean, comprehensive_score

GOOD = {
    "quantified": 90,
    "quantified_weight": "0.7",
    "democratic": 80,
    "democratic_weight": "0.2",
    "defence": 70,
    "defence_weight": "0.1",
    "min_quantified_weight": Decimal("0.70"),
}


def test_the_combined_score_weighs_the_three_parts():
    score = comprehensive_score(**GOOD)

    assert score.combined == Decimal("86.00")  # 63 + 16 + 7
    assert (score.quantified_weight, score.democratic_weight, score.defence_weight) == (
        Decimal("0.7000"),
        Decimal("0.2000"),
        Decimal("0.1000"),
    )


def test_the_quantified_weight_may_be_exactly_the_policy_minimum_but_not_below():
    assert comprehensive_score(**GOOD).quantified_weight == Decimal("0.70")

    with pytest.raises(ComprehensiveInputError, match=r"不得低于政策规定的0\.7（70%），当前为0\.69") as refused:
        comprehensive_score(**{**GOOD, "quantified_weight": "0.69", "democratic_weight": "0.21"})
    assert refused.value.field == "quantified_weight"


def test_the_weights_must_sum_to_one():
    with pytest.raises(ComprehensiveInputError, match="三项权重之和应为1，当前为1.1") as refused:
        comprehensive_score(**{**GOOD, "defence_weight": "0.2"})
    assert refused.value.field == "weights"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantified", "", "请填写量化考核得分"),
        ("quantified", "101", "量化考核得分应在0到100之间"),
        ("defence", "abc", "现场答辩得分应为数字"),
        ("defence", "NaN", "现场答辩得分应为数字"),
        ("democratic_weight", "-0.1", "民主评议权重应在0到1之间"),
    ],
)
def test_each_input_is_checked_with_a_chinese_message_naming_it(field, value, message):
    with pytest.raises(ComprehensiveInputError, match=message):
        comprehensive_score(**{**GOOD, field: value})


def test_the_democratic_score_is_the_ballots_mean_and_needs_a_ballot():
    assert ballot_mean([Decimal(80), Decimal(91)]) == Decimal("85.50")
    assert ballot_mean(["70", "71", "71"]) == Decimal("70.67")
    assert ballot_mean([]) is None
