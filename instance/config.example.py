# Copy to instance/config.py (scripts/run creates one with a fresh SECRET_KEY) and adjust.
# Every key may also come from the environment as ZUOXI_<KEY>, which wins over this file.

# SECRET_KEY = "a long random string, the same for every worker"
# DATABASE_URL = "postgresql://zuoxi:secret@127.0.0.1:5432/zuoxi"
# REDIS_URL = "redis://127.0.0.1:6379/0"
# SOCKETIO_MESSAGE_QUEUE = "redis://127.0.0.1:6379/1"
# PROXY_COUNT = 1                  # behind one reverse proxy
# SESSION_COOKIE_SECURE = True     # when served over HTTPS
# PHONE_LOCAL_AREA_CODE = "21"     # Shanghai: local numbers dialled without an area code
