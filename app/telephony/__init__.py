"""Telephony on FreeSWITCH: the switchboard (event socket), the live call model and agent states,
screen-pop, call controls, what FreeSWITCH asks us (mod_xml_curl), call records and recordings."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.menu import register_menu
from app.permissions import register_menu_permissions, register_permission

bp = Blueprint("telephony", __name__, url_prefix="/phone", template_folder="templates")
# FreeSWITCH's own endpoints (xml_curl, CDR): authenticated by secret and source address, no session.
switch_bp = Blueprint("switch_api", __name__, url_prefix="/freeswitch")
blueprints = (bp, switch_bp)

_phone = _l("电话")
register_permission("phone.use", _phone, _l("使用话机(拨号、接听、转接、保持…)"))
register_permission("phone.monitor", _phone, _l("监听/指导/强插/代接/强拆"))
_calls = _l("通话记录")
register_menu_permissions("calls", _calls)  # calls.view / calls.query_all / calls.delete
register_permission("calls.export", _calls, _l("导出"))
register_permission("calls.listen", _calls, _l("收听录音"))
register_permission("calls.download", _calls, _l("下载录音"))
_admin = _l("电话设置")
register_permission("telephony.admin", _admin, _l("外线、外显、呼入路由、坐席组、交换机"))
register_permission("blacklist.manage", _admin, _l("黑名单与不录音号码"))

register_menu("phone", _l("通话记录"), "telephony.calls", "calls.view", order=10)
register_menu("phone", _l("黑名单"), "telephony.blacklist", "blacklist.manage", order=40)
register_menu("system", _l("外线设置"), "telephony.trunks", "telephony.admin", order=60)
register_menu("system", _l("外显号码"), "telephony.caller_ids", "telephony.admin", order=61)
register_menu("system", _l("呼入路由"), "telephony.inbound_routes", "telephony.admin", order=62)
register_menu("system", _l("坐席组"), "telephony.agent_groups", "telephony.admin", order=63)
register_menu("system", _l("交换机状态"), "telephony.switch_status", "telephony.admin", order=64)

from app.telephony import (  # noqa: E402,F401
    cdr,
    views_admin,
    views_calls,
    views_live,
    views_phone,
    views_switch,
    xmlcurl,
)
