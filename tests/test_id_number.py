import datetime as dt

import pytest

from portal.people.id_number import InvalidIdNumber, check_character, normalise, parse
from portal.people.masking import mask_id_number, mask_phone

# A published sample number with a correct check character.
SAMPLE = "11010519491231002X"


def test_valid_number_gives_birth_date_and_sex():
    info = parse(SAMPLE)
    assert info.number == SAMPLE
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "女"  # 17th digit 2 is even
    male = "33010219800101001"  # 17th digit 1 is odd
    assert parse(male + check_character(male)).sex == "男"


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert parse("11010519491231002x").number == SAMPLE
    assert parse("１１０１０５１９４９１２３１００２Ｘ").number == SAMPLE
    assert normalise(" 110105 19491231 002x ") == SAMPLE


@pytest.mark.parametrize("raw, words", [
    ("11010519491231002", "18"),          # too short
    ("1101051949123100XX", "17"),         # X not only last
    ("110105194913310024", "date"),       # month 13
    ("110105194912310021", "check"),      # wrong check character
])
def test_invalid_numbers_are_refused_with_a_reason(app, raw, words):
    with app.test_request_context():
        with pytest.raises(InvalidIdNumber) as error:
            parse(raw)
        assert str(error.value)  # a message for the user


def test_future_birth_date_is_refused(app):
    first17 = "33010220990101001"
    with app.test_request_context(), pytest.raises(InvalidIdNumber):
        parse(first17 + check_character(first17), today=dt.date(2026, 1, 1))


def test_messages_are_chinese_by_default(app):
    with app.test_request_context():
        with pytest.raises(InvalidIdNumber) as error:
            parse("110105194912310021")
        assert "校验位" in str(error.value)


def test_masking():
    assert mask_id_number("330102198001011234") == "330***********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
