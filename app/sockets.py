"""Socket.IO: only signed-in users connect; each connection joins the room of its user.

Emits go through ``socketio.emit``: with SOCKETIO_MESSAGE_QUEUE set they travel through Redis, so a
switchboard process or another web worker reaches every tab of the user wherever it is connected."""

from flask import request
from flask_login import current_user
from flask_socketio import disconnect, join_room

from app.extensions import socketio


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def emit_to_user(user_id: int, event: str, data) -> None:
    """Every open tab of that user; call it after the commit of the change it announces."""
    socketio.emit(event, data, to=user_room(user_id))


def end_user_sockets(user_id: int) -> None:
    """After sign-out: open tabs are told to leave, and every socket of the user (in any process, through
    the message queue) leaves the user's room, so none keeps receiving pops or reminders. A reconnect is
    refused by on_connect, since the session token it carries is no longer current."""
    room = user_room(user_id)
    socketio.emit("session_ended", {}, to=room)
    socketio.close_room(room)


def on_connect(auth=None):
    """Refuse anonymous sockets and users who must first change their one-time password."""
    if not current_user.is_authenticated or current_user.must_change_password:
        return False
    join_room(user_room(current_user.id))
    socketio.emit("hello", {"user_id": current_user.id, "sid": request.sid}, to=request.sid)
    return None


def on_ping(data=None):
    if not current_user.is_authenticated:
        disconnect()
        return None
    return {"ok": True}


def install() -> None:
    """Register the handlers on the server socketio.init_app() just made. Every create_app() makes a new
    server (tests create several apps), so this runs each time rather than once per process."""
    socketio.on_event("connect", on_connect)
    socketio.on_event("ping_app", on_ping)
