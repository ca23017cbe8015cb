"""The agent directory behind screen-pop: read again when what it holds changes, and only then."""

from app.extensions import db
from app.telephony import agent_state
from app.telephony.directory import get_directory


def test_a_state_change_keeps_the_snapshot_but_an_extension_change_replaces_it(app, make_user, make_role):
    role = make_role("目录坐席", permissions=["phone.use", "customer.view"])
    agent = make_user("dir1", role=role, extension="1001", display_name="坐席甲")
    directory = get_directory(app)
    before = directory.current()
    assert before.by_extension["1001"] == agent.id
    assert before.agents[agent.id].has_permission("customer.view")

    agent_state.set_status(agent, "busy")  # every agent does this all day: no re-read for it
    db.session.commit()
    assert directory.current() is before

    agent.extension = "1009"
    db.session.commit()
    after = directory.current()
    assert after is not before
    assert "1001" not in after.by_extension and after.by_extension["1009"] == agent.id


def test_a_change_left_uncommitted_is_forgotten_with_its_rollback(app, make_user):
    agent = make_user("dir2", extension="1001")
    directory = get_directory(app)
    directory.current()

    agent.extension = "1002"
    db.session.flush()
    assert directory.current().by_extension.get("1002") == agent.id  # this transaction sees its own change
    db.session.rollback()

    assert directory.current().by_extension.get("1001") == agent.id
    assert "1002" not in directory.current().by_extension
