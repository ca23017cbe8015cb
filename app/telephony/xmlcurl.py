"""POST /freeswitch/xmlcurl: what mod_xml_curl asks the app — the directory (agents' SIP accounts), the
dialplan of each call, and sofia.conf (the trunks as gateways).

FreeSWITCH has no session: the request must come from SWITCH_ALLOWED_IPS and carry XMLCURL_USER /
XMLCURL_PASSWORD as HTTP basic auth. Anything we do not serve gets the standard "not found" document,
so FreeSWITCH falls back to its own files (switch_xml.c: switch_xml_locate skips a binding whose answer
holds <section name="result"><result status="not found"/></section> and goes on to the next one, then to
the static configuration).

How FreeSWITCH reads an answer (checked in its source): mod_xml_curl.c: xml_url_fetch stores the body in
a temporary file and parses it with switch_xml_parse_file, the same function that reads the files on disk.
switch_xml.c: switch_xml_parse_file runs preprocess() over it line by line first: expand_vars() replaces
`$${name}` by the global variable (vars.xml), <X-PRE-PROCESS .../> lines are executed, and a line holding
`<?`, `<include>` or `</include>` is dropped. So the `$${...}` in sofia.conf.xml are expanded as in a
file, and every value we put into an answer is rendered inert for that pass (see fsconfig.inert_for_preprocessor).
"""

import logging

from flask import Response, current_app, request
from sqlalchemy import select

from app.extensions import csrf, db
from app.permissions import public
from app.telephony import dialplan, routing, switch_bp
from app.telephony.fsconfig import inert_for_preprocessor
from app.telephony.models_config import AgentGroupMember, Trunk
from app.telephony.switch_auth import switch_refusal

log = logging.getLogger(__name__)
XML_TYPE = "text/xml"


def _xml_environment():
    """The app's template environment, with every {{ value }} made inert for the preprocessor."""
    env = current_app.extensions.get("zuoxi_switch_xml_env")
    if env is None:
        env = current_app.jinja_env.overlay(finalize=inert_for_preprocessor)
        current_app.extensions["zuoxi_switch_xml_env"] = env
    return env


def xml_response(template: str, status: int = 200, **context) -> Response:
    body = _xml_environment().get_template(f"telephony/xml/{template}").render(**context)
    return Response(body, status=status, mimetype=XML_TYPE)


def not_found() -> Response:
    return xml_response("not_found.xml")


def directory_document(params):
    """The agent's SIP account, or None when the user is unknown, disabled or has no phone settings."""
    domain = current_app.config["SIP_DOMAIN"]
    if params.get("purpose") or params.get("domain", domain) != domain:
        return None
    user = routing.user_by_extension(params.get("user", ""))
    phone = routing.agent_phone(user)
    if user is None or phone is None:
        return None
    caller_id = routing.outbound_caller_id(user, None)
    groups = db.session.scalars(select(AgentGroupMember.group_id).where(AgentGroupMember.user_id == user.id))
    variables = [
        ("user_context", "default"),
        ("effective_caller_id_name", dialplan.fs_text(user.display_name)),
        ("effective_caller_id_number", user.extension),
        ("outbound_caller_id_name", dialplan.fs_text(caller_id)),
        ("outbound_caller_id_number", dialplan.fs_text(caller_id)),
        ("zuoxi_user_id", str(user.id)),
        ("zuoxi_record", "true" if phone.record_calls else "false"),
        ("zuoxi_call_permission", phone.call_permission),
        ("callgroup", ",".join(f"group{g}" for g in groups) or "agents"),
        ("accountcode", user.extension),
    ]
    return {"domain": domain, "extension": user.extension, "password": phone.sip_password, "variables": variables}


def answer(params) -> Response:
    section = params.get("section", "")
    if section == "directory":
        document = directory_document(params)
        return xml_response("directory.xml", **document) if document else not_found()
    if section == "dialplan":
        plan = dialplan.dialplan_for(params)
        return xml_response("dialplan.xml", plan=plan) if plan else not_found()
    if section == "configuration" and params.get("key_value") == "sofia.conf":
        trunks = db.session.scalars(select(Trunk).where(Trunk.enabled.is_(True)).order_by(Trunk.id))
        return xml_response("sofia.conf.xml", trunks=list(trunks), domain=current_app.config["SIP_DOMAIN"])
    return not_found()


@switch_bp.route("/xmlcurl", methods=["POST"])
@csrf.exempt
@public  # authenticated inside: source address + HTTP basic auth
def xmlcurl():
    status = switch_refusal(
        current_app.config, "xml_curl request", "XMLCURL", request.remote_addr, request.authorization
    )
    if status is not None:
        headers = {"WWW-Authenticate": 'Basic realm="zuoxi-xmlcurl"'} if status == 401 else {}
        return Response("", status=status, headers=headers)
    response = answer(request.form)
    db.session.commit()  # blacklist hit counters and round-robin positions
    return response
