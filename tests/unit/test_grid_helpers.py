"""Pure helpers of the grid: LIKE escaping, spreadsheet-safe cells, download names, column arrangement."""

from types import SimpleNamespace

from app.grid.export import content_disposition, safe_text
from app.grid.filters import like_pattern
from app.grid.prefs import arrange


def test_like_pattern_makes_wildcards_literal():
    assert like_pattern("50%_/x") == "%50/%/_//x%"
    assert like_pattern("abc", prefix="") == "abc%"


def test_formula_characters_get_a_leading_quote():
    for text in ("=1+1", "+86138", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_text(text) == "'" + text
    assert safe_text("北京 = 好") == "北京 = 好"


def test_download_name_keeps_chinese_per_rfc5987():
    header = content_disposition('客户资料"2024".xlsx')
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7%E8%B5%84%E6%96%99_2024_.xlsx" in header
    assert 'filename="2024_.xlsx"' in header
    assert 'filename="export.xlsx"' in content_disposition("客户资料.xlsx")


def test_arrange_ignores_unknown_keys_and_appends_new_columns():
    def column(key, visible=True):
        return SimpleNamespace(key=key, width=100, default_visible=visible)

    columns = [column("a"), column("b"), column("c", visible=False), column("d")]
    saved = [{"key": "b", "width": 200}, {"key": "zz"}, {"key": "a", "visible": False}]
    arranged = [(c.key, visible, width) for c, visible, width in arrange(columns, saved)]
    assert arranged == [("b", True, 200), ("a", False, 100), ("c", False, 100), ("d", True, 100)]
