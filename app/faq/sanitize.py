"""The answer's rich text, cleaned with nh3: basic formatting, links (rel=noopener), images only from this site."""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "span", "div", "blockquote", "pre", "code",
    "h3", "h4", "h5", "ul", "ol", "li", "a", "img", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_BLOCK_END = re.compile(r"</(p|div|li|h\d|tr|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def _own_host_image(tag: str, attribute: str, value: str):
    """Images only by a path on this site: no other host (tracking pixels), no data: or javascript: URLs."""
    if tag == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else None
    return value


def clean_html(raw: str) -> str:
    return nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
        attribute_filter=_own_host_image,
        strip_comments=True,
    ).strip()


def plain_text(clean: str) -> str:
    """The answer as text for search and snippets: block ends become newlines, entities decoded."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", clean)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
