"""Telephony settings pages: CRUD, validation messages naming the field, permissions, blacklist import/export."""

import io

from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.telephony.models_config import AgentGroup, AgentPhone, BlacklistEntry, CallerIdNumber, InboundRoute, Trunk


def test_trunk_create_edit_keeps_password_and_delete(admin_client):
    page = admin_client.get("/phone/admin/trunks")
    assert page.status_code == 200 and "外线设置" in page.get_data(as_text=True)
    response = admin_client.post(
        "/phone/admin/trunks/save",
        data={"name": "电信中继", "host": "198.51.100.7", "port": "5060", "gateway_type": "register",
              "username": "0105551234", "password": "carrier-secret", "enabled": "1", "add_prefix": "9"},
    )  # fmt: skip
    assert response.status_code == 302
    trunk = db.session.scalar(select(Trunk).where(Trunk.name == "电信中继"))
    assert trunk.password == "carrier-secret" and trunk.add_prefix == "9" and trunk.enabled
    # no switch connected: the save stands and the admin is told when it applies
    followed = admin_client.get("/phone/admin/trunks").get_data(as_text=True)
    assert "交换机未连接" in followed
    assert "carrier-secret" not in followed  # the password is never shown back
    edit = admin_client.get(f"/phone/admin/trunks?edit={trunk.id}").get_data(as_text=True)
    assert "carrier-secret" not in edit and "已设置,留空不修改" in edit
    admin_client.post(
        "/phone/admin/trunks/save",
        data={"id": trunk.id, "name": "电信中继", "host": "198.51.100.9", "gateway_type": "register",
              "username": "0105551234", "password": ""},
    )  # fmt: skip
    db.session.refresh(trunk)
    assert trunk.host == "198.51.100.9" and trunk.password == "carrier-secret" and not trunk.enabled
    assert admin_client.post(f"/phone/admin/trunks/{trunk.id}/delete").status_code == 302
    assert db.session.get(Trunk, trunk.id) is None


def test_trunk_validation_names_the_fields(admin_client):
    response = admin_client.post(
        "/phone/admin/trunks/save", data={"name": "", "host": "bad host!", "port": "70000", "strip_prefix": "9a"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for label in ("外线名称", "网关地址", "网关端口", "去除前缀"):
        assert f"{label}:" in text, label
    assert db.session.scalar(select(Trunk.id)) is None


def test_caller_id_range_and_agent_phone(admin_client, make_user):
    agent = make_user("agent7", extension="8007", display_name="坐席七")
    bad = admin_client.post("/phone/admin/caller_ids/save", data={"start_number": "01062345699", "end_number": "0106"})
    assert bad.status_code == 400 and "外显结束号码:" in bad.get_data(as_text=True)
    admin_client.post(
        "/phone/admin/caller_ids/save",
        data={"start_number": "01062345600", "end_number": "01062345699", "scope": "users", "user_ids": [agent.id]},
    )
    entry = db.session.scalar(select(CallerIdNumber))
    assert entry.label == "01062345600–01062345699" and entry.user_ids == [agent.id]
    page = admin_client.get("/phone/admin/agents").get_data(as_text=True)
    assert "8007" in page and "坐席七" in page
    out_of_range = admin_client.post(
        f"/phone/admin/agents/{agent.id}", data={"caller_id_number_id": entry.id, "caller_id_value": "01062345700"}
    )
    assert out_of_range.status_code == 400 and "号段中的号码:" in out_of_range.get_data(as_text=True)
    saved = admin_client.post(
        f"/phone/admin/agents/{agent.id}",
        data={"caller_id_number_id": entry.id, "caller_id_value": "01062345642", "call_permission": "local"},
    )
    assert saved.status_code == 302
    phone = db.session.scalar(select(AgentPhone).where(AgentPhone.user_id == agent.id))
    assert phone.call_permission == "local" and phone.record_calls is False  # unchecked box means off
    old = phone.sip_password
    admin_client.post(f"/phone/admin/agents/{agent.id}/rotate")
    db.session.refresh(phone)
    assert phone.sip_password != old and len(phone.sip_password) == 16
    revealed = admin_client.get(f"/phone/admin/agents?reveal={agent.id}").get_data(as_text=True)
    assert phone.sip_password in revealed
    assert phone.sip_password not in admin_client.get("/phone/admin/agents").get_data(as_text=True)


def test_inbound_route_and_agent_group(admin_client, make_user):
    a = make_user("g1", extension="8101")
    b = make_user("g2", extension="8102")
    bad = admin_client.post("/phone/admin/inbound_routes/save", data={"did": "4008123123", "target_extension": "9999"})
    assert bad.status_code == 400 and "分机号:" in bad.get_data(as_text=True)
    admin_client.post(
        "/phone/admin/agent_groups/save",
        data={"name": "售后组", "number": "8100", "strategy": "sequential", "member_ids": [b.id, a.id]},
    )
    group = db.session.scalar(select(AgentGroup))
    assert [m.user_id for m in group.members] == [b.id, a.id]
    clash = admin_client.post("/phone/admin/agent_groups/save", data={"name": "另一组", "number": "8101"})
    assert clash.status_code == 400 and "组号码:" in clash.get_data(as_text=True)
    admin_client.post(
        "/phone/admin/inbound_routes/save",
        data={"did": "4008123123", "target_type": "group", "target_group_id": group.id, "enabled": "1"},
    )
    route = db.session.scalar(select(InboundRoute))
    assert route.target_group_id == group.id and route.enabled
    assert "售后组" in admin_client.get("/phone/admin/inbound_routes").get_data(as_text=True)


def test_pages_need_their_permission(client, auth, make_user, make_role):
    clerk = make_user("clerk", role=make_role(permissions=["blacklist.manage"]))
    auth.login(clerk)
    for url in ("/phone/admin/trunks", "/phone/admin/caller_ids", "/phone/admin/inbound_routes",
                "/phone/admin/agent_groups", "/phone/admin/agents"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post("/phone/admin/trunks/save", data={"name": "x", "host": "h"}).status_code == 403
    assert client.get("/phone/blacklist").status_code == 200


def test_blacklist_add_normalizes_and_rejects_garbage(admin_client):
    admin_client.post("/phone/blacklist/add", data={"number": "+86 138-1234-5678", "direction": "both"})
    assert db.session.scalar(select(BlacklistEntry.number)) == "13812345678"
    bad = admin_client.post("/phone/blacklist/add", data={"number": "abc"})
    assert bad.status_code == 400 and "号码:" in bad.get_data(as_text=True)


def test_blacklist_import_reports_bad_rows_and_keeps_good_ones(admin_client):
    book = Workbook()
    sheet = book.active
    sheet.append(["号码", "类型", "前缀", "原因"])
    sheet.append(["13812345678", "呼入", "", "骚扰"])
    sheet.append(["not a number", "呼入", "", ""])
    sheet.append(["0755", "呼入和呼出", "是", "整段"])
    sheet.append(["13912345678", "乱写", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    response = admin_client.post(
        "/phone/blacklist/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "黑名单.xlsx")},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 3 行" in text and "第 5 行" in text and "第 2 行" not in text
    entries = {(e.number, e.is_prefix, e.direction) for e in db.session.scalars(select(BlacklistEntry))}
    assert entries == {("13812345678", False, "inbound"), ("0755", True, "both")}
    exported = admin_client.get("/phone/blacklist/export?format=csv").get_data(as_text=True)
    assert "13812345678" in exported and "呼入和呼出" in exported


def test_blacklist_import_refuses_other_files(admin_client):
    response = admin_client.post(
        "/phone/blacklist/import",
        data={"file": (io.BytesIO(b"hello"), "list.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "文件:" in response.get_data(as_text=True)


def test_trunk_change_reloads_the_connected_switch(admin_client, fake_switch, switchboard):
    """No file edit on the switch: saving a trunk tells every connected node to reload and rescan."""
    fake_switch.respond("reloadxml", "+OK [Success]\n")
    fake_switch.respond("sofia profile external", "+OK\n")
    response = admin_client.post(
        "/phone/admin/trunks/save",
        data={"name": "联通中继", "host": "198.51.100.8", "gateway_type": "ip", "enabled": "1"},
    )
    assert response.status_code == 302
    trunk = db.session.scalar(select(Trunk).where(Trunk.name == "联通中继"))
    assert "交换机未连接:重新连接" not in admin_client.get("/phone/admin/trunks").get_data(as_text=True)
    sent = [c for c in fake_switch.commands if c.startswith(("api reloadxml", "api sofia"))]
    assert sent == ["api reloadxml", "api sofia profile external rescan"]

    fake_switch.commands.clear()
    admin_client.post(f"/phone/admin/trunks/{trunk.id}/delete")
    sent = [c for c in fake_switch.commands if c.startswith(("api reloadxml", "api sofia"))]
    assert sent == ["api reloadxml", f"api sofia profile external killgw {trunk.gateway_name}"]


def test_new_sip_password_drops_the_phones_registration(admin_client, make_user, fake_switch, switchboard):
    """Otherwise the phone would stay registered with the old password until its registration expires."""
    agent = make_user("rotate1", extension="8011", display_name="坐席十一")
    fake_switch.respond("sofia profile internal flush_inbound_reg", "+OK\n")
    response = admin_client.post(f"/phone/admin/agents/{agent.id}/rotate")
    assert response.status_code == 302
    assert "api sofia profile internal flush_inbound_reg 8011@127.0.0.1" in fake_switch.commands
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "生成新的 SIP 密码" in page and "交换机未连接:话机" not in page


def test_new_sip_password_without_a_switch_says_the_old_registration_lasts(admin_client, make_user):
    agent = make_user("rotate2", extension="8012")
    admin_client.post(f"/phone/admin/agents/{agent.id}/rotate")
    page = admin_client.get("/phone/admin/agents").get_data(as_text=True)
    assert "交换机未连接:话机原有的注册到期前仍然有效。" in page


def test_admin_sets_an_agents_wrapup_seconds_on_the_extension_page(admin_client, make_user, app):
    """话后处理 length per agent: 0 means straight back after a call; blank goes back to the system's."""
    from app.telephony.live import LiveModel
    from app.telephony.models_agent import AgentPresence
    from tests.unit.test_live_model import events, feed

    agent = make_user("wrap1", extension="1001", display_name="坐席整理")
    form = {"call_permission": "national", "no_answer_seconds": "30", "wrapup_seconds": "0"}
    assert admin_client.post(f"/phone/admin/agents/{agent.id}", data=form).status_code == 302
    assert 'name="wrapup_seconds" min="0" max="3600" value="0"' in admin_client.get("/phone/admin/agents").get_data(
        as_text=True
    )
    feed(LiveModel(app, inline=True), events("inbound-answered"))
    db.session.refresh(agent)
    assert agent.agent_status == "online"  # no wrap-up after the call

    too_long = admin_client.post(f"/phone/admin/agents/{agent.id}", data={**form, "wrapup_seconds": "7200"})
    assert too_long.status_code == 400 and "话后处理时长" in too_long.get_data(as_text=True)
    assert db.session.get(AgentPresence, agent.id).wrapup_seconds == 0  # nothing half-written

    assert admin_client.post(f"/phone/admin/agents/{agent.id}", data={**form, "wrapup_seconds": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AgentPresence, agent.id).wrapup_seconds is None
    feed(LiveModel(app, inline=True), events("inbound-answered"))
    db.session.refresh(agent)
    assert agent.agent_status == "wrapup"  # the system's 15 s again
