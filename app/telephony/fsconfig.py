"""Renders the FreeSWITCH overlay in freeswitch/ from the app's settings (used by scripts/freeswitch-config)."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

OVERLAY = Path(__file__).resolve().parents[2] / "freeswitch"


_PREPROCESS_COMMAND = re.compile(r"x-pre-process", re.IGNORECASE)


def inert_for_preprocessor(value) -> Markup:
    """Escape a value for XML and for FreeSWITCH's preprocessor: `$` as a character reference, so a name or
    password holding `$${...}` is not replaced by a global variable (the XML parser turns `&#36;` back into
    `$` afterwards, so `${...}` in dialplan data still works at run time), and the dashes of "x-pre-process",
    which would make the preprocessor skip the whole line. `<?` and `<include>` cannot occur once escaped."""
    text = str(escape(value)).replace("$", "&#36;")
    return Markup(_PREPROCESS_COMMAND.sub(lambda m: m.group(0).replace("-", "&#45;"), text))  # noqa: S704 (escaped above)


def esl_settings(nodes: str) -> dict:
    """Host, port and password of the first node in FREESWITCH_NODES (esl://password@host:port)."""
    first = next((n.strip() for n in str(nodes or "").split(",") if n.strip()), "esl://ClueCon@127.0.0.1:8021")
    parts = urlsplit(first)
    return {"esl_listen_ip": parts.hostname or "127.0.0.1", "esl_port": parts.port or 8021,
            "esl_password": parts.username or ""}  # fmt: skip


def overlay_context(config, app_url: str, app_networks: list[str]) -> dict:
    base = app_url.rstrip("/")
    context = esl_settings(config.get("FREESWITCH_NODES", ""))
    context.update(
        xmlcurl_url=f"{base}/freeswitch/xmlcurl",
        xmlcurl_user=config.get("XMLCURL_USER", "freeswitch"),
        xmlcurl_password=config.get("XMLCURL_PASSWORD", ""),
        cdr_url=f"{base}/freeswitch/cdr",
        cdr_user=config.get("CDR_USER", "freeswitch"),
        cdr_password=config.get("CDR_PASSWORD", ""),
        cdr_error_dir="/var/log/freeswitch/json_cdr_errors",
        app_networks=app_networks or ["127.0.0.1/32"],
    )
    return context


def problems(context: dict) -> list[str]:
    """Settings that would leave the switch open or the app refusing it."""
    found = []
    if context["esl_password"] in ("", "ClueCon"):
        found.append("FREESWITCH_NODES: set a non-default event-socket password (esl://<password>@host:8021)")
    if not context["xmlcurl_password"]:
        found.append("XMLCURL_PASSWORD is empty: the app refuses every xml_curl request")
    if not context["cdr_password"]:
        found.append("CDR_PASSWORD is empty: the app refuses every CDR post")
    return found


def render_overlay(context: dict, out_dir) -> list[Path]:
    """Write every overlay file, rendered, under out_dir (same relative paths); return the written paths."""
    env = Environment(
        loader=FileSystemLoader(str(OVERLAY)),
        autoescape=select_autoescape(["xml"]),
        undefined=StrictUndefined,
        finalize=inert_for_preprocessor,  # the files are preprocessed like xml_curl answers
    )
    written = []
    for source in sorted(OVERLAY.rglob("*.xml")):
        relative = source.relative_to(OVERLAY)
        target = Path(out_dir) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(relative.as_posix()).render(**context), encoding="utf-8")
        os.chmod(target, 0o640)  # holds secrets
        written.append(target)
    return written
