"""The configurable parameter lists (参数配置) and their Chinese defaults."""

from flask_babel import lazy_gettext as _l

PARAM_KINDS = {
    "customer_category": (_l("客户分类"), ["一般客户", "意向客户", "签约客户", "无效客户"]),
    "customer_level": (_l("客户级别"), ["VIP客户", "重要客户", "普通客户", "潜在客户"]),
    "customer_source": (_l("客户来源"), ["电话来电", "网络推广", "朋友介绍", "展会", "老客户转介绍", "其他"]),
    "industry": (_l("所属行业"), ["制造业", "批发零售", "信息技术", "金融", "教育", "医疗", "房地产", "其他"]),
    "phone_type": (_l("电话类型"), ["手机", "办公电话", "住宅电话", "传真", "其他"]),
    "followup_type": (_l("来往类型"), ["电话沟通", "上门拜访", "邮件往来", "售后服务", "投诉处理", "其他"]),
    "followup_channel": (_l("沟通方式"), ["电话", "微信", "QQ", "邮件", "面谈", "短信"]),
    "payment_method": (_l("付款方式"), ["现金", "银行转账", "支付宝", "微信支付", "货到付款"]),
    "shipping_company": (
        _l("货运公司"),
        ["顺丰速运", "中通快递", "圆通速递", "韵达快递", "京东物流", "EMS", "德邦物流"],
    ),
    "order_state": (_l("订单状态"), ["待确认", "已确认", "已发货", "已完成", "已取消"]),
    "purchase_state": (_l("进货状态"), ["待收货", "已收货", "已取消"]),
    "product_category": (_l("产品类别"), ["硬件设备", "软件服务", "配件耗材", "其他"]),
}
