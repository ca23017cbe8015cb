"""mod_xml_curl replayed: the captured requests' form bodies against /freeswitch/xmlcurl."""

import base64
import re
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import pytest

from app.extensions import db
from app.telephony.models_config import (
    AgentGroup,
    AgentGroupMember,
    AgentPhone,
    BlacklistEntry,
    CallerIdNumber,
    InboundRoute,
    NoRecordNumber,
    Trunk,
)
from tests.support.captures import CAPTURES

REQUESTS = CAPTURES / "xml-curl-requests"
SECRET = "xmlcurl-secret"


def captured_form(relative: str) -> dict:
    """The form fields of a captured request, in order (the body after the blank line, URL-encoded)."""
    raw = (REQUESTS / relative).read_bytes()
    _head, _sep, body = raw.partition(b"\r\n\r\n")
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def basic(user="freeswitch", password=SECRET) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def switch_config(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "XMLCURL_USER", "freeswitch")
    monkeypatch.setitem(app.config, "XMLCURL_PASSWORD", SECRET)
    monkeypatch.setitem(app.config, "SWITCH_ALLOWED_IPS", "127.0.0.1,10.0.0.0/8")
    monkeypatch.setitem(app.config, "SIP_DOMAIN", "127.0.0.1")
    monkeypatch.setitem(app.config, "PHONE_LOCAL_AREA_CODE", "10")
    monkeypatch.setitem(app.config, "RECORDINGS_DIR", str(tmp_path / "rec"))
    return app.config


@pytest.fixture
def ask(client, switch_config):
    def post(form, headers=None, remote="127.0.0.1"):
        response = client.post(
            "/freeswitch/xmlcurl",
            data=form,
            headers=basic() if headers is None else headers,
            environ_base={"REMOTE_ADDR": remote},
            csrf=False,
        )
        return response

    return post


def xml_of(response) -> ElementTree.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return ElementTree.fromstring(response.get_data())  # noqa: S314 (our own response)


# Global variables as the stock vars.xml sets them (local_ip_v4 is set by the core itself).
SWITCH_GLOBALS = {
    "local_ip_v4": "192.0.2.10",
    "internal_sip_port": "5060",
    "external_sip_port": "5080",
    "external_sip_ip": "203.0.113.9",
    "external_rtp_ip": "203.0.113.9",
    "global_codec_prefs": "OPUS,G722,PCMU,PCMA",
    "outbound_codec_prefs": "OPUS,G722,PCMU,PCMA",
    "hold_music": "local_stream://moh",
    "secret": "LEAKED",
}


def as_switch_reads_it(response) -> ElementTree.Element:
    """The answer after the pass FreeSWITCH makes over it before parsing (switch_xml.c, preprocess() called
    by switch_xml_parse_file from mod_xml_curl's xml_url_fetch): `$${name}` becomes the global variable
    (empty when unset), and a line holding `<?`, `<include>`, `</include>` or "x-pre-process" not opening a
    tag is dropped."""
    assert response.status_code == 200
    kept = []
    for line in response.get_data(as_text=True).splitlines():
        line = re.sub(r"\$\$\{([^}]*)\}", lambda m: SWITCH_GLOBALS.get(m.group(1), ""), line)
        if "<?" in line or "<include>" in line or "</include>" in line:
            continue
        if "x-pre-process" in line.lower():
            continue
        kept.append(line)
    return ElementTree.fromstring("\n".join(kept))  # noqa: S314 (our own response)


def is_not_found(root) -> bool:
    result = root.find("./section[@name='result']/result")
    return result is not None and result.get("status") == "not found"


def actions(root) -> list[tuple[str, str]]:
    return [(a.get("application"), a.get("data")) for a in root.iter("action")]


def action_data(root, application) -> list[str]:
    return [data for app, data in actions(root) if app == application]


@pytest.fixture
def agents(make_user):
    """Agent 1000 (the caller in the captures) and 1001 (the one called), with phone settings."""
    a = make_user("agent1000", display_name="坐席甲", extension="1000", mobile="13912345678")
    b = make_user("agent1001", display_name="坐席乙", extension="1001", mobile="13812345678")
    for user in (a, b):
        db.session.add(AgentPhone(user_id=user.id, sip_password=f"pw-{user.extension}"))
    db.session.commit()
    return a, b


@pytest.fixture
def trunk():
    trunk = Trunk(
        name="电信", number="01062345678", host="198.51.100.7", gateway_type="ip", add_prefix="", enabled=True
    )
    db.session.add(trunk)
    db.session.commit()
    return trunk


def dialplan_form(destination, caller="1000", context="default", **extra) -> dict:
    form = captured_form("call-1000-to-1001/002-xmlcurl-dialplan.http")
    form.update(
        {
            "Caller-Destination-Number": destination,
            "Hunt-Destination-Number": destination,
            "Caller-Caller-ID-Number": caller,
            "Hunt-Context": context,
            "Caller-Context": context,
        }
    )
    if context == "public":
        for key in ("variable_user_name", "variable_sip_authorized", "variable_user_context"):
            form.pop(key, None)
    form.update(extra)
    return form


# -- authentication --------------------------------------------------------------------------------


def test_wrong_credentials_get_401(ask, agents):
    form = captured_form("register-1001/001-xmlcurl-directory.http")
    assert ask(form, headers=basic(password="nope")).status_code == 401
    assert ask(form, headers={}).status_code == 401
    assert ask(form, headers=basic(user="other")).status_code == 401


def test_foreign_source_address_gets_403(ask, agents):
    form = captured_form("register-1001/001-xmlcurl-directory.http")
    assert ask(form, remote="203.0.113.9").status_code == 403
    # a network in the allow-list admits its members
    assert ask(form, remote="10.1.2.3").status_code == 200


def test_no_password_configured_refuses_everything(ask, agents, app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "XMLCURL_PASSWORD", "")
    form = captured_form("register-1001/001-xmlcurl-directory.http")
    assert ask(form, headers=basic(password="")).status_code == 401
    assert "XMLCURL_PASSWORD is not configured" in caplog.text


# -- directory --------------------------------------------------------------------------------------


def test_register_gets_the_agents_password_and_variables(ask, agents):
    root = xml_of(ask(captured_form("register-1001/001-xmlcurl-directory.http")))
    user = root.find("./section[@name='directory']/domain[@name='127.0.0.1']//user[@id='1001']")
    assert user is not None
    assert user.find("./params/param[@name='password']").get("value") == "pw-1001"
    variables = {v.get("name"): v.get("value") for v in user.iter("variable")}
    assert variables["user_context"] == "default"
    assert variables["effective_caller_id_name"] == "坐席乙"
    assert variables["effective_caller_id_number"] == "1001"
    assert variables["zuoxi_user_id"] == str(agents[1].id)
    assert variables["zuoxi_record"] == "true"
    assert variables["zuoxi_call_permission"] == "national"
    assert root.find(".//domain/params/param[@name='dial-string']") is not None


def test_every_captured_directory_request_for_a_known_user_is_answered(ask, agents):
    for name in (
        "register-1001/002-xmlcurl-directory.http",
        "call-1000-to-1001/001-xmlcurl-directory.http",
        "call-1000-to-1001/003-xmlcurl-directory.http",
        "call-1000-to-1001/004-xmlcurl-directory.http",
    ):
        form = captured_form(name)
        root = xml_of(ask(form))
        assert root.find(f".//user[@id='{form['user']}']") is not None, name


def test_unknown_or_disabled_user_is_not_found(ask, agents):
    form = captured_form("register-1001/001-xmlcurl-directory.http")
    form["user"] = "4321"
    assert is_not_found(xml_of(ask(form)))
    agents[1].enabled = False
    db.session.commit()
    assert is_not_found(xml_of(ask(captured_form("register-1001/001-xmlcurl-directory.http"))))


def test_hostile_display_name_is_escaped_and_inert(ask, agents):
    agents[1].display_name = '"/><evil a="${system(rm -rf /)}'
    db.session.commit()
    response = ask(captured_form("register-1001/001-xmlcurl-directory.http"))
    root = xml_of(response)
    assert root.find(".//evil") is None
    name = [v for v in root.iter("variable") if v.get("name") == "effective_caller_id_name"][0].get("value")
    assert "${" not in name and "<evil" in name


# -- configuration ---------------------------------------------------------------------------------


def test_sofia_conf_lists_enabled_trunks_only(ask, trunk):
    db.session.add(Trunk(name="停用", host="198.51.100.8", enabled=False))
    db.session.add(Trunk(name="移动", host="gw.example.cn", gateway_type="register", username="u1", password="s3cret"))
    db.session.commit()
    form = captured_form("reloadxml/001-xmlcurl-configuration.http")
    form["key_value"] = "sofia.conf"
    root = xml_of(ask(form))
    gateways = root.findall(".//profile[@name='external']/gateways/gateway")
    by_name = {g.get("name"): {p.get("name"): p.get("value") for p in g.iter("param")} for g in gateways}
    assert len(by_name) == 2
    assert by_name[trunk.gateway_name]["proxy"] == "198.51.100.7:5060"
    assert by_name[trunk.gateway_name]["register"] == "false"
    registered = [p for p in by_name.values() if p["register"] == "true"][0]
    assert registered["username"] == "u1" and registered["password"] == "s3cret"
    assert root.find(".//profile[@name='internal']") is not None


def sofia_form() -> dict:
    form = captured_form("reloadxml/001-xmlcurl-configuration.http")
    form["key_value"] = "sofia.conf"
    return form


def test_sofia_conf_takes_ports_addresses_and_codecs_from_the_switchs_variables(ask, trunk):
    root = as_switch_reads_it(ask(sofia_form()))
    settings = {
        profile.get("name"): {p.get("name"): p.get("value") for p in profile.find("settings")}
        for profile in root.iter("profile")
    }
    assert settings["internal"]["sip-port"] == "5060" and settings["external"]["sip-port"] == "5080"
    assert settings["internal"]["sip-ip"] == settings["external"]["rtp-ip"] == "192.0.2.10"
    assert settings["internal"]["ext-sip-ip"] == "203.0.113.9"
    assert settings["internal"]["codec-prefs"] == "OPUS,G722,PCMU,PCMA"
    assert settings["external"]["hold-music"] == "local_stream://moh"
    assert root.find(".//profile[@name='external']/gateways/gateway") is not None


def test_values_survive_the_switchs_preprocessor_unchanged(ask, agents):
    tricky = "pa$${secret}ss"
    db.session.add(
        Trunk(name="特殊", host="gw.example.cn", gateway_type="register", username="X-PRE-PROCESS", password=tricky)
    )
    agents[1].display_name = "甲 x-pre-process 乙"
    db.session.query(AgentPhone).filter_by(user_id=agents[1].id).one().sip_password = "$${secret}"
    db.session.commit()

    gateway = as_switch_reads_it(ask(sofia_form())).find(".//gateway")
    params = {p.get("name"): p.get("value") for p in gateway.iter("param")}
    assert params["password"] == tricky and params["username"] == "X-PRE-PROCESS"

    user = as_switch_reads_it(ask(captured_form("register-1001/001-xmlcurl-directory.http"))).find(".//user")
    assert user.find("params/param[@name='password']").get("value") == "$${secret}"
    variables = {v.get("name"): v.get("value") for v in user.iter("variable")}
    assert variables["effective_caller_id_name"] == "甲 x-pre-process 乙"
    assert "LEAKED" not in ask(captured_form("register-1001/001-xmlcurl-directory.http")).get_data(as_text=True)


def test_runtime_variables_in_dialplan_data_reach_the_switch(ask, agents):
    root = as_switch_reads_it(ask(dialplan_form("**1001")))
    assert action_data(root, "intercept") == ["${hash(select/127.0.0.1-last_dial_ext/1001)}"]


def test_other_configuration_names_are_not_found(ask):
    for n in range(1, 5):
        assert is_not_found(xml_of(ask(captured_form(f"reloadxml/00{n}-xmlcurl-configuration.http"))))
    for n in range(1, 6):
        assert is_not_found(xml_of(ask(captured_form(f"reload-mod_callcenter/00{n}-xmlcurl-configuration.http"))))


def test_unknown_section_is_not_found(ask):
    response = ask({"section": "languages", "tag_name": "", "key_name": "", "key_value": ""})
    assert is_not_found(xml_of(response)) and is_not_found(as_switch_reads_it(response))


# -- dialplan --------------------------------------------------------------------------------------


def test_captured_internal_call_bridges_the_agent_and_records(ask, agents, switch_config):
    root = xml_of(ask(captured_form("call-1000-to-1001/002-xmlcurl-dialplan.http")))
    assert root.find("./section[@name='dialplan']/context[@name='default']") is not None
    assert action_data(root, "bridge") == ["user/1001@127.0.0.1"]
    sets = action_data(root, "set")
    assert f"zuoxi_user_id={agents[0].id}" in sets
    assert f"zuoxi_target_user_id={agents[1].id}" in sets
    recording = [d for d in action_data(root, "export") if d.startswith("zuoxi_recording=")]
    uuid = "fb9d8cbb-6bae-4313-8cb1-fba6a8c353d8"
    assert recording and recording[0].endswith(f"/{uuid}.wav")
    assert recording[0].startswith("zuoxi_recording=" + switch_config["RECORDINGS_DIR"])
    assert action_data(root, "record_session") == [recording[0].split("=", 1)[1]]


def test_exempt_agent_is_not_recorded(ask, agents):
    phone = AgentPhone.query.filter_by(user_id=agents[1].id).one()
    phone.record_calls = False
    db.session.commit()
    root = xml_of(ask(dialplan_form("1001")))
    assert action_data(root, "record_session") == []


def test_busy_agent_with_forwarding_goes_to_the_mobile(ask, agents, trunk):
    phone = AgentPhone.query.filter_by(user_id=agents[1].id).one()
    phone.forward_to_mobile = True
    agents[1].agent_status = "away"
    db.session.commit()
    bridges = action_data(xml_of(ask(dialplan_form("1001"))), "bridge")
    assert len(bridges) == 1
    # 13812345678 is a Jiangsu mobile, dialled as is from a Beijing trunk (mobile_zero "never")
    assert bridges[0] == f"{{origination_caller_id_number=01062345678}}sofia/gateway/{trunk.gateway_name}/13812345678"


def test_agent_who_ticks_forward_to_mobile_gets_calls_on_the_mobile_while_busy(
    ask, client, auth, agents, trunk, make_role
):
    """The header's 转手机 box (the agent's own choice, no admin setting) forwards while busy or away."""
    agents[1].role = make_role("转手机坐席", permissions=["phone.use"])
    db.session.commit()
    auth.login(agents[1])
    ringing_the_extension = action_data(xml_of(ask(dialplan_form("1001"))), "bridge")
    assert ringing_the_extension == ["user/1001@127.0.0.1"]

    response = client.post("/phone/agent/forward", json={"status": "busy", "forward": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    bridges = action_data(xml_of(ask(dialplan_form("1001"))), "bridge")
    assert bridges == [f"{{origination_caller_id_number=01062345678}}sofia/gateway/{trunk.gateway_name}/13812345678"]

    client.post("/phone/agent/forward", json={"status": "online", "forward": True})
    assert action_data(xml_of(ask(dialplan_form("1001"))), "bridge") == ["user/1001@127.0.0.1"]


def test_busy_or_away_agent_without_forwarding_is_a_busy_line(ask, agents):
    """忙碌 / 离开 equals an occupied phone (cloud-callcenter-admin §3.1.6): the caller hears busy."""
    agents[1].agent_status = "busy"
    db.session.commit()
    root = xml_of(ask(dialplan_form("1001")))
    assert action_data(root, "bridge") == [] and action_data(root, "record_session") == []
    assert "zuoxi_refused=agent_unavailable" in action_data(root, "set")
    assert action_data(root, "hangup") == ["USER_BUSY"]

    agents[1].agent_status = "talking"  # on a call: the phone rings (call waiting) as before
    db.session.commit()
    assert action_data(xml_of(ask(dialplan_form("1001"))), "bridge") == ["user/1001@127.0.0.1"]


def test_outbound_call_uses_trunk_caller_id_and_prefix_rules(ask, agents, trunk):
    trunk.strip_prefix = "9"
    trunk.add_prefix = "17909"
    trunk.caller_id_prefix = "010"
    db.session.add(CallerIdNumber(start_number="01062345600", end_number="01062345699", trunk_id=trunk.id))
    db.session.commit()
    # dialled with the outside-line 9; a Beijing landline from a Beijing trunk goes without area code
    root = xml_of(ask(dialplan_form("9010-8765-4321".replace("-", ""))))
    assert action_data(root, "bridge") == [f"sofia/gateway/{trunk.gateway_name}/1790987654321"]
    assert "effective_caller_id_number=01062345600" in action_data(root, "set")
    assert f"zuoxi_trunk_id={trunk.id}" in action_data(root, "set")
    # another city's landline keeps 0 + area code
    root = xml_of(ask(dialplan_form("075586345678")))
    assert action_data(root, "bridge") == [f"sofia/gateway/{trunk.gateway_name}/17909075586345678"]


def test_long_distance_zero_for_mobiles_follows_the_trunk(ask, agents, trunk):
    other_city_mobile = "13912345678"  # 江苏常州, not local to Beijing
    root = xml_of(ask(dialplan_form(other_city_mobile)))
    assert action_data(root, "bridge") == [f"sofia/gateway/{trunk.gateway_name}/13912345678"]
    trunk.mobile_zero = "auto"
    db.session.commit()
    root = xml_of(ask(dialplan_form(other_city_mobile)))
    assert action_data(root, "bridge") == [f"sofia/gateway/{trunk.gateway_name}/013912345678"]


def test_call_permission_refuses_with_a_cause(ask, agents, trunk):
    phone = AgentPhone.query.filter_by(user_id=agents[0].id).one()
    phone.call_permission = "local"
    db.session.commit()
    root = xml_of(ask(dialplan_form("075586345678")))
    assert action_data(root, "bridge") == []
    assert action_data(root, "hangup") == ["OUTGOING_CALL_BARRED"]
    assert "zuoxi_refused=permission" in action_data(root, "set")
    # local calls still go out
    assert action_data(xml_of(ask(dialplan_form("87654321"))), "bridge")


def test_outbound_blacklist_refuses_and_counts(ask, agents, trunk):
    entry = BlacklistEntry(number="13812345678", direction="outbound")
    db.session.add(entry)
    db.session.commit()
    root = xml_of(ask(dialplan_form("138-1234-5678")))
    assert action_data(root, "hangup") == ["CALL_REJECTED"]
    assert "zuoxi_blacklisted=true" in action_data(root, "set")
    assert db.session.get(BlacklistEntry, entry.id).hit_count == 1


def test_blacklisted_inbound_caller_is_rejected(ask, agents, trunk):
    db.session.add(BlacklistEntry(number="1390000", is_prefix=True, direction="both"))
    db.session.add(InboundRoute(did="01062345678", target_type="extension", target_extension="1001"))
    db.session.commit()
    root = xml_of(ask(dialplan_form("01062345678", caller="13900001111", context="public")))
    assert root.find(".//context[@name='public']") is not None
    assert action_data(root, "hangup") == ["CALL_REJECTED"]
    assert "zuoxi_blacklisted=true" in action_data(root, "set")
    assert action_data(root, "bridge") == []


def test_did_routed_to_an_agent_group_in_turn(ask, agents, make_user):
    group = AgentGroup(name="客服组", strategy="round_robin", no_answer_seconds=15)
    db.session.add(group)
    db.session.flush()
    for position, user in enumerate(agents):
        db.session.add(AgentGroupMember(group_id=group.id, user_id=user.id, position=position))
    db.session.add(InboundRoute(did="4008123123", target_type="group", target_group_id=group.id))
    db.session.commit()
    first = action_data(xml_of(ask(dialplan_form("4008123123", caller="13812340000", context="public"))), "bridge")
    second = action_data(xml_of(ask(dialplan_form("4008123123", caller="13812340000", context="public"))), "bridge")
    assert first == ["[leg_timeout=15]user/1000@127.0.0.1|[leg_timeout=15]user/1001@127.0.0.1"]
    assert second == ["[leg_timeout=15]user/1001@127.0.0.1|[leg_timeout=15]user/1000@127.0.0.1"]


def test_no_record_number_is_not_recorded_inbound(ask, agents):
    db.session.add(InboundRoute(did="01062345678", target_type="extension", target_extension="1001"))
    db.session.add(NoRecordNumber(number="13812340000"))
    db.session.commit()
    root = xml_of(ask(dialplan_form("01062345678", caller="13812340000", context="public")))
    assert action_data(root, "bridge") == ["user/1001@127.0.0.1"]
    assert action_data(root, "record_session") == []
    root = xml_of(ask(dialplan_form("01062345678", caller="13812349999", context="public")))
    assert len(action_data(root, "record_session")) == 1


def test_unrouted_did_is_refused(ask, agents):
    root = xml_of(ask(dialplan_form("01099999999", caller="13812340000", context="public")))
    assert action_data(root, "hangup") == ["UNALLOCATED_NUMBER"]


def test_park_slots_and_pickup(ask, agents):
    root = xml_of(ask(dialplan_form("6003")))
    assert actions(root)[-2:] == [("answer", ""), ("valet_park", "zuoxi_lot 6003")]
    root = xml_of(ask(dialplan_form("**1001")))
    assert action_data(root, "intercept") == ["${hash(select/127.0.0.1-last_dial_ext/1001)}"]


def test_unknown_context_is_not_found(ask, agents):
    root = xml_of(ask(dialplan_form("1001", context="features")))
    assert root.find("./section[@name='result']/result").get("status") == "not found"
