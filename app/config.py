"""Configuration: defaults here, then ``instance/config.py``, then ``ZUOXI_*`` environment variables."""

import logging
import os

log = logging.getLogger(__name__)


class DefaultConfig:
    # Never generated per process: scripts/run writes one into instance/config.py once.
    SECRET_KEY = None
    # Empty means SQLite in the instance folder (the embedded default).
    DATABASE_URL = ""
    # Redis: Socket.IO fan-out between processes and shared login throttling counters.
    REDIS_URL = ""
    SOCKETIO_MESSAGE_QUEUE = ""
    # gevent in the served app; tests pick "threading".
    SOCKETIO_ASYNC_MODE = ""
    LOG_LEVEL = "INFO"
    # Where `python wsgi.py` (scripts/run) listens, as ZUOXI_HOST / ZUOXI_PORT.
    HOST = "127.0.0.1"
    PORT = 5000

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    # Session and cookie hardening; SESSION_COOKIE_SECURE follows the request scheme unless forced.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # Only a changed session is sent back: otherwise a poll that was in flight during sign-out would
    # answer with the old cookie and sign the browser back in.
    SESSION_REFRESH_EACH_REQUEST = False
    # Trust X-Forwarded-* from this many reverse proxies (0 when served directly).
    PROXY_COUNT = 0

    # Login throttling: failures per account before a temporary lock-out, and its length.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_SECONDS = 15 * 60
    LOGIN_IP_MAX_FAILURES = 30
    PASSWORD_MIN_LENGTH = 8

    # Uploads live under the instance folder, never under static/.
    UPLOAD_DIR = ""
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    IMPORT_MAX_BYTES = 60 * 1024 * 1024
    UPLOAD_ALLOWED_EXTENSIONS = (
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "txt",
        "csv",
        "xlsx",
        "xls",
        "docx",
        "doc",
        "zip",
        "mp3",
        "wav",
    )
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024

    # Phone numbers: the region and local area code used when a dialled number carries none.
    PHONE_DEFAULT_REGION = "CN"
    PHONE_LOCAL_AREA_CODE = "10"

    # Background jobs run in a greenlet of the web process unless disabled (tests run them inline).
    JOBS_RUN_IN_PROCESS = True
    JOBS_POLL_SECONDS = 2.0

    EXPORT_MAX_ROWS = 1_000_000
    # Birthday reminders (customers to their owner, staff to staff managers) this many days ahead.
    BIRTHDAY_REMIND_DAYS = 3

    # FreeSWITCH. Event-socket URLs of the nodes, comma separated: esl://password@host:8021 (empty: no switch).
    FREESWITCH_NODES = ""
    # Run the switchboard (event socket, scheduler) inside the web process; false when it runs on its own.
    SWITCHBOARD_IN_PROCESS = True
    ESL_COMMAND_TIMEOUT = 5.0
    # bgapi waits for its BACKGROUND_JOB, and originate's comes only once the agent's phone answers.
    ESL_BGAPI_TIMEOUT = 90.0
    ESL_RECONNECT_MAX_SECONDS = 30.0
    # mod_xml_curl and mod_json_cdr authenticate with HTTP basic auth and must come from these addresses.
    XMLCURL_USER = "freeswitch"
    XMLCURL_PASSWORD = ""
    CDR_USER = "freeswitch"
    CDR_PASSWORD = ""
    SWITCH_ALLOWED_IPS = "127.0.0.1,::1"
    # The SIP domain agents register to, and where FreeSWITCH writes recordings (readable by the app).
    SIP_DOMAIN = "127.0.0.1"
    RECORDINGS_DIR = ""
    RECORDING_RETENTION_DAYS = 180
    WRAPUP_SECONDS = 15
    WTF_CSRF_TIME_LIMIT = None

    # Orders and purchases: whether stock may go below zero, and the company header of printed orders.
    ALLOW_NEGATIVE_STOCK = False
    COMPANY_NAME = ""
    COMPANY_ADDRESS = ""
    COMPANY_PHONE = ""


def _coerce(value: str):
    """Environment values arrive as strings; read JSON-ish literals the way Flask's prefixed env does."""
    import json

    try:
        return json.loads(value)
    except ValueError:
        return value


def load_config(app, config_override=None):
    app.config.from_object(DefaultConfig)
    known = set(app.config)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("ZUOXI_"):
            app.config[key[len("ZUOXI_") :]] = _coerce(value)
    if config_override:
        app.config.update(config_override)

    for key in sorted(set(app.config) - known):
        if key.isupper() and not key.startswith(("SQLALCHEMY_", "SESSION_", "REMEMBER_", "WTF_", "BABEL_")):
            log.warning("unknown configuration key %s (ignored)", key)

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "zuoxi.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["DATABASE_URL"]))
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: put one in instance/config.py or ZUOXI_SECRET_KEY (scripts/run writes one)."
        )


def _json_dumps(value) -> str:
    import orjson

    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_loads(text):
    import orjson

    return orjson.loads(text)


def engine_options(url: str) -> dict:
    """JSON columns (custom fields, audit changes, job payloads) go through orjson: an import writes one
    per row, and the standard library encoder was a sixth of its cost."""
    json_codec = {"json_serializer": _json_dumps, "json_deserializer": _json_loads}
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, **json_codec}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, **json_codec}
