"""Every written or dialled form of a number maps to one key; garbage is refused with a clear message."""

import pytest

from app.customers.phones import normalize_phone, phone_location
from app.errors import ValidationError


@pytest.fixture(autouse=True)
def _request_context(app):
    """Messages are translated strings, so they need a request's locale."""
    with app.test_request_context():
        yield


MOBILE_FORMS = [
    "13812345678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0086-138-1234-5678",
    "008613812345678",
    "8613812345678",
    "86 138 1234 5678",
    "138-1234-5678",
    "138 1234 5678",
    "(+86) 138-1234-5678",
    "013812345678",
    "１３８１２３４５６７８",
    "17951 13812345678",
]

BEIJING_FORMS = [
    "(010) 8765-4321",
    "010-87654321",
    "01087654321",
    "87654321",  # local number: the configured local area code (10) is added
    "8765-4321",
    "10-87654321",
    "1087654321",
    "+86 10 8765 4321",
    "+86-10-87654321",
    "0086 10 87654321",
    "86-10-87654321",
    "861087654321",
]


@pytest.mark.parametrize("raw", MOBILE_FORMS)
def test_mobile_forms_share_one_key(raw):
    assert normalize_phone(raw, local_area_code="10") == ("13812345678", "", "mobile")


@pytest.mark.parametrize("raw", BEIJING_FORMS)
def test_landline_forms_share_one_key(raw):
    assert normalize_phone(raw, local_area_code="10") == ("1087654321", "", "landline")


@pytest.mark.parametrize(
    "raw",
    [
        "010-87654321转8001",
        "010-87654321 转 8001",
        "010-87654321-8001",
        "(010)87654321-8001",
        "010-87654321 ext 8001",
        "010-87654321 ext.8001",
        "010-87654321x8001",
        "010-87654321 #8001",
        "87654321-8001",
        "+86 10 8765 4321 分机8001",
    ],
)
def test_extension_is_split_off(raw):
    assert normalize_phone(raw, local_area_code="10") == ("1087654321", "8001", "landline")


def test_three_digit_area_codes_and_seven_digit_subscribers():
    assert normalize_phone("0755-23456789").normalized == "75523456789"
    assert normalize_phone("0755-23456789-801") == ("75523456789", "801", "landline")
    assert normalize_phone("0571-8765432").normalized == "5718765432"
    assert normalize_phone("020 8765 4321").normalized == "2087654321"


def test_local_number_takes_the_configured_area_code():
    assert normalize_phone("87654321", local_area_code="755").normalized == "75587654321"
    assert normalize_phone("87654321", local_area_code="21").normalized == "2187654321"


@pytest.mark.parametrize(
    ("raw", "key", "kind"),
    [
        ("400-812-3123", "4008123123", "service"),
        ("4008123123", "4008123123", "service"),
        ("800 810 8888", "8008108888", "service"),
        ("95588", "95588", "service"),
        ("955 88", "95588", "service"),
        ("110", "110", "short"),
        ("8001", "8001", "short"),
        ("10086", "10086", "short"),
    ],
)
def test_service_and_short_numbers(raw, key, kind):
    assert normalize_phone(raw) == (key, "", kind)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+1 415-555-2671", "+14155552671"),
        ("001 415 555 2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+852 2123 4567", "+85221234567"),
    ],
)
def test_foreign_numbers_keep_their_country_code(raw, key):
    assert normalize_phone(raw) == (key, "", "foreign")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请输入号码"),
        ("   ", "请输入号码"),
        (None, "请输入号码"),
        ("abc", "号码只能包含数字"),
        ("138abc5678", "号码只能包含数字"),
        ("12", "号码太短"),
        ("1381234567890123456789", "号码太长"),
        ("1381234567890", "号码太长"),
        ("0123", "无法识别"),
        ("+86 123", "不是有效的中国大陆号码"),
        ("+999 123", "国际号码"),
    ],
)
def test_garbage_is_refused_with_a_message(raw, message):
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw)
    assert "电话号码" in info.value.errors
    assert message in info.value.errors["电话号码"]


def test_location_of_mobile_landline_and_foreign_numbers():
    assert phone_location("75523456789") == "广东省深圳市"
    assert phone_location("1087654321") == "北京市"
    assert phone_location("13812345678").endswith("市")
    assert phone_location("+14155552671") == "美国"
    assert phone_location("95588") == ""
    assert phone_location("") == ""
