"""The web process. gevent patches the standard library before anything else is imported."""

from gevent import monkey

monkey.patch_all()

from psycogreen.gevent import patch_psycopg  # noqa: E402

patch_psycopg()

from app import create_app  # noqa: E402
from app.extensions import socketio  # noqa: E402
from app.jobs.runner import start_in_process_worker  # noqa: E402

app = create_app()
start_in_process_worker(app)
__import__("app.telephony.switchboard", fromlist=["_"]).start_in_process(app)

if __name__ == "__main__":
    import os

    host = os.environ.get("ZUOXI_HOST", "127.0.0.1")
    port = int(os.environ.get("ZUOXI_PORT", "5000"))
    socketio.run(app, host=host, port=port)
