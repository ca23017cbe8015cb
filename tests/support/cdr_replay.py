"""Replaying the captured mod_json_cdr requests through the Flask test client, as FreeSWITCH sent them."""

import json
import re
from urllib.parse import parse_qs, quote

from tests.support.captures import cdr_posts

CDR_USER, CDR_PASSWORD = "freeswitch", "cdr-secret"  # the credentials the captures were made with


def split_request(raw: bytes) -> tuple[str, dict, bytes]:
    """(path and query, headers, body) of one raw HTTP request."""
    head, _sep, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    _method, target, _version = lines[0].split(" ")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return target, headers, body


def post_raw(client, raw: bytes, body: bytes | None = None, **overrides):
    """POST one captured request to /freeswitch/cdr (its query string, headers and body unless replaced)."""
    target, headers, original = split_request(raw)
    sent = {k: v for k, v in headers.items() if k in ("Authorization", "User-Agent", "Accept", "Content-Type")}
    sent.update(overrides.pop("headers", {}))
    sent = {k: v for k, v in sent.items() if v is not None}
    path = "/freeswitch" + target  # /cdr?uuid=… is mounted under /freeswitch
    return client.post(path, data=original if body is None else body, headers=sent, csrf=False, **overrides)


def replay(client, scenario: str, order=None) -> list:
    """Every POST of a scenario (optionally in another order); asserts each was accepted."""
    posts = cdr_posts(scenario)
    responses = []
    for index in order if order is not None else range(len(posts)):
        response = post_raw(client, posts[index])
        assert response.status_code == 200, response.get_data(as_text=True)
        responses.append(response)
    return responses


def cdr_json(raw: bytes) -> dict:
    _target, headers, body = split_request(raw)
    text = body.decode()
    if headers.get("Content-Type") == "application/x-www-form-urlencoded":
        text = parse_qs(text)["cdr"][0]
    return json.loads(text)


def with_variables(raw: bytes, **variables) -> bytes:
    """The request's JSON body with extra (URL-encoded, as encode-values does) channel variables."""
    data = cdr_json(raw)
    data["variables"].update({k: quote(str(v), safe="") for k, v in variables.items()})
    return json.dumps(data, separators=(",", ":")).encode()


def replace_number(raw: bytes, old: str, new: str) -> bytes:
    """The body with one phone number replaced wherever it stands as a whole number."""
    _target, _headers, body = split_request(raw)
    return re.sub(rf"(?<![0-9]){old}(?![0-9])".encode(), new.encode(), body)
