"""Recordings: streamed with HTTP Range for seeking, downloaded, both permission-checked and audited,
never outside RECORDINGS_DIR, and removed by the retention job."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.extensions import db
from app.jobs.runner import enqueue, run_due_jobs
from app.telephony.models_calls import CallRecord
from app.timeutil import utcnow

AUDIO = bytes(range(256)) * 4  # 1024 bytes


@pytest.fixture
def recordings_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "recordings"
    (folder / "2026-11-21").mkdir(parents=True)
    monkeypatch.setitem(app.config, "RECORDINGS_DIR", str(folder))
    return folder


@pytest.fixture
def listener(make_user, make_role):
    role = make_role("录音收听", permissions=["calls.view", "calls.listen", "calls.download"], data_scope="own")
    return make_user("listener", role=role, extension="1001")


def make_recorded_call(folder, agent, name="2026-11-21/a.wav", days_old=0):
    (folder / name).write_bytes(AUDIO)
    call = CallRecord(
        agent_id=agent.id if agent else None,
        direction="inbound",
        status="answered",
        caller_number="13812345678",
        callee_number="1001",
        recording_path=name,
        has_recording=True,
        started_at=utcnow() - timedelta(days=days_old),
    )
    db.session.add(call)
    db.session.commit()
    return call


def audit_actions(call):
    query = select(AuditLog.action).where(AuditLog.entity == "call_record", AuditLog.entity_id == str(call.id))
    return list(db.session.scalars(query))


def test_range_requests_are_answered_with_partial_content(client, auth, recordings_dir, listener):
    call = make_recorded_call(recordings_dir, listener)
    auth.login(listener)
    url = f"/phone/calls/{call.id}/recording"

    whole = client.get(url)
    assert whole.status_code == 200 and whole.data == AUDIO
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.mimetype.startswith("audio/")

    first = client.get(url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.data == AUDIO[:100]
    assert first.headers["Content-Range"] == "bytes 0-99/1024"

    open_ended = client.get(url, headers={"Range": "bytes=1000-"})
    assert open_ended.status_code == 206 and open_ended.data == AUDIO[1000:]
    assert open_ended.headers["Content-Range"] == "bytes 1000-1023/1024"

    suffix = client.get(url, headers={"Range": "bytes=-24"})
    assert suffix.status_code == 206 and suffix.data == AUDIO[-24:]

    beyond = client.get(url, headers={"Range": "bytes=5000-6000"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == "bytes */1024"


def test_listening_and_downloading_are_audited(client, auth, recordings_dir, listener):
    call = make_recorded_call(recordings_dir, listener)
    auth.login(listener)
    client.get(f"/phone/calls/{call.id}/recording")
    client.get(f"/phone/calls/{call.id}/recording", headers={"Range": "bytes=500-"})  # seeking: same playback
    download = client.get(f"/phone/calls/{call.id}/download")
    assert download.status_code == 200 and download.data == AUDIO
    assert "attachment" in download.headers["Content-Disposition"]
    assert sorted(audit_actions(call)) == ["download", "recording_listen"]


def test_listen_and_download_need_their_permissions(client, auth, recordings_dir, make_user, make_role):
    viewer = make_user("viewer", role=make_role(permissions=["calls.view"], data_scope="all"), extension="1001")
    call = make_recorded_call(recordings_dir, viewer)
    auth.login(viewer)
    assert client.get(f"/phone/calls/{call.id}/recording").status_code == 403
    assert client.get(f"/phone/calls/{call.id}/download").status_code == 403
    assert audit_actions(call) == []


def test_recording_of_a_call_the_user_cannot_see_is_not_found(client, auth, recordings_dir, listener, make_user):
    call = make_recorded_call(recordings_dir, make_user("someone_else", extension="1002"))
    auth.login(listener)
    assert client.get(f"/phone/calls/{call.id}/recording").status_code == 404
    assert client.get(f"/phone/calls/{call.id}/download").status_code == 404


@pytest.mark.parametrize("path", ["../secret.wav", "/etc/passwd", "2026-11-21/../../secret.wav"])
def test_paths_outside_the_recordings_folder_are_refused(client, auth, recordings_dir, listener, path):
    (recordings_dir.parent / "secret.wav").write_bytes(b"secret")
    call = make_recorded_call(recordings_dir, listener)
    call.recording_path = path
    db.session.commit()
    auth.login(listener)
    assert client.get(f"/phone/calls/{call.id}/recording").status_code == 404


def test_retention_job_deletes_old_recordings_only(app, recordings_dir, listener, monkeypatch):
    monkeypatch.setitem(app.config, "RECORDING_RETENTION_DAYS", 30)
    old = make_recorded_call(recordings_dir, listener, "2026-11-21/old.wav", days_old=31)
    recent = make_recorded_call(recordings_dir, listener, "2026-11-21/recent.wav", days_old=29)
    old_id, recent_id = old.id, recent.id
    enqueue("recording_cleanup", {}, None)
    db.session.commit()

    assert run_due_jobs(app) == 1

    assert not os.path.exists(recordings_dir / "2026-11-21/old.wav")
    assert os.path.exists(recordings_dir / "2026-11-21/recent.wav")
    db.session.expire_all()
    old, recent = db.session.get(CallRecord, old_id), db.session.get(CallRecord, recent_id)
    assert (old.recording_path, old.has_recording) == ("", False)
    assert recent.has_recording and recent.recording_path == "2026-11-21/recent.wav"
