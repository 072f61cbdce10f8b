import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from personnel.validators import (
    compose_id_number,
    id_check_digit,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
    validate_phone,
)

pytestmark = pytest.mark.smoke

# A textbook example of GB 11643-1999 (check digit X).
KNOWN_VALID = "11010519491231002X"


def test_gb11643_check_digit_of_a_known_number():
    assert id_check_digit(KNOWN_VALID[:17]) == "X"
    facts = parse_id_number(KNOWN_VALID)
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.is_male is False  # 17th digit 2 is even


def test_id_number_with_wrong_check_digit_is_refused_in_chinese():
    with pytest.raises(ValidationError) as error:
        parse_id_number(KNOWN_VALID[:17] + "1")
    assert "校验位" in error.value.messages[0]


@pytest.mark.parametrize(("value", "fragment"), [("1101051949123100", "18位"), ("11010519491231002X1", "18位")])
def test_id_number_of_wrong_length_is_refused(value, fragment):
    with pytest.raises(ValidationError) as error:
        parse_id_number(value)
    assert fragment in error.value.messages[0]


def test_id_number_with_impossible_birth_date_is_refused():
    first17 = "11010519490231002"  # 31 February
    with pytest.raises(ValidationError) as error:
        parse_id_number(first17 + id_check_digit(first17))
    assert "出生日期" in error.value.messages[0]


def test_lowercase_x_and_full_width_digits_are_normalised():
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert normalize_id_number(full_width) == KNOWN_VALID
    assert parse_id_number(KNOWN_VALID.lower()).number == KNOWN_VALID


def test_gender_follows_the_parity_of_the_17th_digit():
    born = dt.date(1990, 5, 6)
    male = compose_id_number(area_code="653225", birth_date=born, sequence=7, is_male=True)
    female = compose_id_number(area_code="653225", birth_date=born, sequence=7, is_male=False)
    assert parse_id_number(male).is_male is True
    assert parse_id_number(female).is_male is False
    assert parse_id_number(male).birth_date == born


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("652101198503141234") == "652101********1234"


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "１３８００１３８０００", "199-1234-5678"])
def test_valid_mobile_numbers(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "0991-1234567", "abc"])
def test_invalid_mobile_numbers_are_refused_in_chinese(phone):
    with pytest.raises(ValidationError) as error:
        validate_phone(phone)
    assert "手机号" in error.value.messages[0]
