"""The parsers behind custom-field values: what people type and what spreadsheets hold."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.errors import ValidationError
from app.fields.values import (
    clean_value,
    display_value,
    parse_bool_value,
    parse_date_value,
    parse_money_value,
    parse_number_value,
)


@pytest.mark.parametrize(
    "raw",
    [
        "1985-05-06",
        "1985-5-6",
        "1985/05/06",
        "1985/5/6",
        "1985.5.6",
        "1985.05.06",
        "19850506",
        "1985年5月6日",
        " 1985-05-06 ",
        "1985-05-06 00:00:00",
        "１９８５-５-６",
        31173,
        31173.0,
        "31173",
        19850506,
        date(1985, 5, 6),
        datetime(1985, 5, 6, 14, 30),
    ],
)
def test_every_accepted_date_form_gives_the_same_day(raw):
    assert parse_date_value(raw) == date(1985, 5, 6)


def test_excel_serials_around_the_1900_leap_bug():
    assert parse_date_value(1) == date(1900, 1, 1)
    assert parse_date_value(61) == date(1900, 3, 1)
    assert parse_date_value(45292) == date(2024, 1, 1)
    assert parse_date_value(45292.75) == date(2024, 1, 1)  # a time of day does not move the date


@pytest.mark.parametrize("raw", ["1985-13-01", "1985-02-30", "19851301", "明天", "85-5-6", "1985", True, 0, 60, "abc"])
def test_impossible_or_unreadable_dates_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_date_value(raw)


@pytest.mark.parametrize("raw", ["是", "yes", "Y", "1", "true", "TRUE", "√", "✓", "on", 1, True])
def test_true_words(raw):
    assert parse_bool_value(raw) is True


@pytest.mark.parametrize("raw", ["否", "no", "N", "0", "false", "×", "✗", "off", 0, False])
def test_false_words(raw):
    assert parse_bool_value(raw) is False


@pytest.mark.parametrize("raw", ["也许", "2", "", 5])
def test_other_words_are_not_yes_or_no(raw):
    with pytest.raises(ValidationError):
        parse_bool_value(raw)


def test_numbers_keep_integers_whole_and_accept_separators():
    assert parse_number_value("42") == 42 and isinstance(parse_number_value("42"), int)
    assert parse_number_value("1,234") == 1234
    assert parse_number_value("３.５") == 3.5
    assert parse_number_value(-7.25) == -7.25
    assert parse_number_value(12.0) == 12
    for bad in ("十二", "1.2.3", "nan", "inf", True):
        with pytest.raises(ValidationError):
            parse_number_value(bad)


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("1234.565", 1234.57),
        ("¥1,234.5", 1234.5),
        ("1234.5元", 1234.5),
        ("0.005", 0.01),
        ("-2.345", -2.35),
        (Decimal("9.999"), 10.0),
        (3, 3.0),
        ("", None),
    ],
)
def test_money_is_rounded_half_up_to_the_cent(raw, cents):
    assert clean_value("money", raw) == cents


def test_money_refuses_words_and_absurd_amounts():
    for bad in ("一百元", "1e20", "12,34,5x"):
        with pytest.raises(ValidationError):
            parse_money_value(bad)


def test_money_and_bool_display():
    assert display_value("money", 1234.5) == "1,234.50"
    assert display_value("bool", True) == "是"
    assert display_value("multichoice", ["读书", "跑步"]) == "读书、跑步"
    assert display_value("text", None) == ""


def test_links_must_be_web_addresses():
    assert clean_value("link", "https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert clean_value("link", "www.example.com") == "http://www.example.com"
    for bad in ("javascript:alert(1)", "ftp://example.com", "http://", "not a link", "data:text/html,x"):
        with pytest.raises(ValidationError):
            clean_value("link", bad)


def test_text_is_one_trimmed_line_and_memo_keeps_lines():
    assert clean_value("text", "  张三\n 李四 ") == "张三 李四"
    assert clean_value("text", 1001.0) == "1001"
    assert clean_value("memo", "第一行\r\n第二行") == "第一行\n第二行"
    with pytest.raises(ValidationError):
        clean_value("text", "字" * 256)


def test_choice_must_be_one_of_the_options():
    assert clean_value("choice", " 读书 ", ["读书", "跑步"]) == "读书"
    with pytest.raises(ValidationError) as caught:
        clean_value("choice", "游泳", ["读书", "跑步"])
    assert "游泳" in caught.value.message and "读书" in caught.value.message


@pytest.mark.parametrize(
    "raw",
    ["读书,跑步", "读书,跑步", "读书、跑步", "读书;跑步", "读书;跑步", ["读书", "跑步"], "读书、跑步、读书"],
)
def test_multichoice_accepts_lists_and_separated_text(raw):
    assert clean_value("multichoice", raw, ["读书", "跑步", "游泳"]) == ["读书", "跑步"]


def test_multichoice_names_the_unknown_values():
    with pytest.raises(ValidationError) as caught:
        clean_value("multichoice", "读书、登山、潜水", ["读书", "跑步"])
    assert "登山、潜水" in caught.value.message


@pytest.mark.parametrize(
    "field_type", ["text", "number", "date", "link", "memo", "money", "bool", "choice", "multichoice"]
)
def test_blank_is_none_for_every_type(field_type):
    assert clean_value(field_type, "  ", ["a"]) is None
    assert clean_value(field_type, None, ["a"]) is None
