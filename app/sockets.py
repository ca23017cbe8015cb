"""Socket.IO: only signed-in users connect; each connection joins the room of its user."""

from flask import request
from flask_login import current_user
from flask_socketio import disconnect, join_room

from app.extensions import socketio

_installed = False


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def emit_to_user(user_id: int, event: str, data) -> None:
    """Every open tab of that user; through the message queue when one is configured."""
    socketio.emit(event, data, to=user_room(user_id))


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    @socketio.on("connect")
    def on_connect(auth=None):
        if not current_user.is_authenticated or current_user.must_change_password:
            return False
        join_room(user_room(current_user.id))
        socketio.emit("hello", {"user_id": current_user.id, "sid": request.sid}, to=request.sid)
        return None

    @socketio.on("ping_app")
    def on_ping(data=None):
        if not current_user.is_authenticated:
            disconnect()
            return None
        return {"ok": True}
