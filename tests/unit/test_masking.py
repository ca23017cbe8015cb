"""Hidden numbers (隐藏客户号码): every written form keeps where a number is and hides whose it is."""

import pytest

from app.masking import mask_number


@pytest.mark.parametrize(
    "number, shown",
    [
        # mainland mobiles, with or without country code and in any spacing
        ("13812342222", "138****2222"),
        ("138-1234-2222", "138-****-2222"),
        ("138 1234 2222", "138 **** 2222"),
        ("013812342222", "0138****2222"),
        ("１３８１２３４２２２２", "１３８****２２２２"),
        ("+8613812342222", "+86 138****2222"),
        ("+86 138 1234 2222", "+86 138 **** 2222"),
        ("(+86) 138-1234-2222", "(+86) 138-****-2222"),
        ("008613812342222", "0086 138****2222"),
        ("0086-138-1234-2222", "0086-138-****-2222"),
        ("8613812342222", "86 138****2222"),
        ("86 138 1234 2222", "86 138 **** 2222"),
        # landlines: trunk 0 and area code stay, the subscriber number is hidden
        ("010-87654321", "010-****4321"),
        ("(010) 8765-4321", "(010) ****-4321"),
        ("01087654321", "010****4321"),
        ("1087654321", "10****4321"),
        ("0755-12345678", "0755-****5678"),
        ("0755-1234567", "0755-****567"),
        ("+86 10 8765 4321", "+86 10 **** 4321"),
        ("87654321", "****4321"),
        ("8765432", "****432"),
        # extensions stay as written
        ("010-87654321 转8001", "010-****4321 转8001"),
        ("010-87654321-8001", "010-****4321-8001"),
        ("0755-12345678 ext. 12", "0755-****5678 ext. 12"),
        ("87654321-8001", "****4321-8001"),
        # service and short numbers
        ("4008123123", "400****123"),
        ("95588", "***88"),
        ("110", "*10"),
        ("12", "**"),
        # other countries: country code and a short lead stay, at least four digits hidden
        ("+14155552671", "+1 41****2671"),
        ("+1 415-555-2671", "+1 41*-***-2671"),
        ("+44 20 7946 0958", "+44 20 **** 0958"),
        ("+81 90-1234-5678", "+81 90-****-5678"),
        ("+852 6123 4567", "+852 **** 4567"),
        ("+33 6 12 34 56 78", "+33 6 ** ** 56 78"),
        ("001 415 555 2671", "001 41* *** 2671"),
        ("", ""),
        (None, ""),
    ],
)
def test_number_forms_are_masked(number, shown):
    assert mask_number(number) == shown


@pytest.mark.parametrize("number", ["+8613812342222", "13812342222", "+14155552671", "0755-12345678", "87654321"])
def test_a_masked_number_never_shows_the_hidden_middle(number):
    masked = mask_number(number)
    assert masked.count("*") >= 4
    assert "1234" not in masked and "5555" not in masked and "8765" not in masked
