"""The printable order: company header from settings, the order's facts, its lines and the total.

Chinese renders with reportlab's built-in CID font STSong-Light: no font file to ship, and the text
stays extractable (search, copy, pdftotext)."""

import io
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles():
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1),
        "head": ParagraphStyle("head", fontName=font, fontSize=9, leading=13, alignment=1, textColor=colors.grey),
        "body": ParagraphStyle("body", fontName=font, fontSize=10, leading=14),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")), style)


def _money(value) -> str:
    return f"{value:,.2f}"


def order_pdf(order) -> bytes:
    styles = _styles()
    config = current_app.config
    story = []
    company = config.get("COMPANY_NAME") or ""
    if company:
        story.append(_p(company, styles["title"]))
    contact = "  ".join(x for x in (config.get("COMPANY_ADDRESS") or "", config.get("COMPANY_PHONE") or "") if x)
    if contact:
        story.append(_p(contact, styles["head"]))
    story += [Spacer(1, 4 * mm), _p(_("销售订单 %(number)s", number=order.number), styles["title"]), Spacer(1, 4 * mm)]

    facts = [
        (_("客户"), order.customer.name if order.customer else ""),
        (_("下单日期"), order.order_date.isoformat() if order.order_date else ""),
        (_("销售员"), order.seller.display_name if order.seller else ""),
        (_("付款方式"), order.payment_method.label if order.payment_method else ""),
        (_("货运公司"), order.shipping_company.label if order.shipping_company else ""),
        (_("运单号"), order.tracking_number),
    ]
    rows = [
        [
            _p(facts[i][0], styles["cell"]),
            _p(facts[i][1], styles["cell"]),
            _p(facts[i + 1][0], styles["cell"]),
            _p(facts[i + 1][1], styles["cell"]),
        ]
        for i in range(0, len(facts), 2)
    ]
    info = Table(rows, colWidths=[22 * mm, 63 * mm, 22 * mm, 63 * mm])
    info.setStyle(
        TableStyle([("TEXTCOLOR", (0, 0), (0, -1), colors.grey), ("TEXTCOLOR", (2, 0), (2, -1), colors.grey)])
    )
    story += [info, Spacer(1, 5 * mm)]

    header = [_("序号"), _("编号"), _("产品"), _("数量"), _("单价"), _("优惠"), _("金额")]
    table_rows = [[_p(h, styles["cell"]) for h in header]]
    for index, line in enumerate(order.lines, start=1):
        table_rows.append(
            [
                str(index),
                _p(line.product_code, styles["cell"]),
                _p(line.product_name, styles["cell"]),
                str(line.quantity),
                _money(line.unit_price),
                _money(line.discount),
                _money(line.amount),
            ]
        )
    table_rows.append(
        ["", "", _p(_("合计"), styles["cell"]), str(sum(x.quantity for x in order.lines)), "", "", _money(order.total)]
    )
    lines = Table(table_rows, colWidths=[12 * mm, 25 * mm, 58 * mm, 16 * mm, 22 * mm, 18 * mm, 24 * mm], repeatRows=1)
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(lines)
    if order.notes:
        story += [Spacer(1, 4 * mm), _p(_("备注:%(notes)s", notes=order.notes), styles["body"])]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("销售订单 %(number)s", number=order.number),
        author=company,
    )
    document.build(story)
    return buffer.getvalue()
