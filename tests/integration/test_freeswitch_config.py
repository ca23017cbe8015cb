"""The shipped FreeSWITCH overlay renders to well-formed XML carrying the configured secrets and URLs."""

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from app.telephony.fsconfig import overlay_context, problems, render_overlay

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {
    "FREESWITCH_NODES": "esl://S3cret-esl@10.0.0.9:8021",
    "XMLCURL_USER": "freeswitch",
    "XMLCURL_PASSWORD": "curl&<secret>",
    "CDR_USER": "fs",
    "CDR_PASSWORD": "cdr-secret",
}


def params(root, path) -> dict:
    return {p.get("name"): p.get("value") for p in root.iterfind(path)}


def test_overlay_renders_with_secrets_and_urls(tmp_path):
    context = overlay_context(CONFIG, "https://zuoxi.example.cn/", ["10.0.0.5/32"])
    written = render_overlay(context, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= {
        "autoload_configs/event_socket.conf.xml",
        "autoload_configs/xml_curl.conf.xml",
        "autoload_configs/json_cdr.conf.xml",
        "autoload_configs/acl.conf.xml",
        "dialplan/zuoxi_fallback.xml",
    }
    trees = {p.relative_to(tmp_path).as_posix(): ElementTree.parse(p).getroot() for p in written}  # noqa: S314
    esl = params(trees["autoload_configs/event_socket.conf.xml"], "./settings/param")
    assert esl["password"] == "S3cret-esl" and esl["listen-ip"] == "10.0.0.9" and esl["listen-port"] == "8021"
    assert esl["apply-inbound-acl"] == "zuoxi_app"
    acl = trees["autoload_configs/acl.conf.xml"].find("./network-lists/list[@name='zuoxi_app']")
    assert [n.get("cidr") for n in acl] == ["10.0.0.5/32"]
    curl = params(trees["autoload_configs/xml_curl.conf.xml"], ".//param")
    assert curl["gateway-url"] == "https://zuoxi.example.cn/freeswitch/xmlcurl"
    assert curl["gateway-credentials"] == "freeswitch:curl&<secret>"  # escaped in the file, intact when parsed
    cdr = params(trees["autoload_configs/json_cdr.conf.xml"], "./settings/param")
    assert cdr["url"] == "https://zuoxi.example.cn/freeswitch/cdr" and cdr["cred"] == "fs:cdr-secret"
    assert cdr["retries"] and cdr["delay"] and cdr["err-log-dir"] and cdr["log-b-leg"] == "true"
    assert problems(context) == []


def test_default_settings_are_flagged():
    context = overlay_context({"FREESWITCH_NODES": ""}, "http://127.0.0.1:5000", [])
    found = " ".join(problems(context))
    assert "event-socket password" in found and "XMLCURL_PASSWORD" in found and "CDR_PASSWORD" in found


def test_script_writes_the_files(tmp_path):
    env = {"ZUOXI_SECRET_KEY": "x", "ZUOXI_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "PATH": "/usr/bin:/bin",
           "ZUOXI_XMLCURL_PASSWORD": "abc", "ZUOXI_FREESWITCH_NODES": "esl://pw1@127.0.0.1:8021"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "freeswitch-config"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "CDR_PASSWORD is empty" in result.stderr
    assert (tmp_path / "out" / "autoload_configs" / "xml_curl.conf.xml").read_text().count("abc") == 1
