"""Reading the FreeSWITCH wire captures in ../shared/freeswitch-events/ into frames and events.

A capture is the byte stream FreeSWITCH sent on one connection: frames of headers, a blank line and,
when there is a Content-Length, exactly that many bytes of body. The fake switch replays these
bytes; tests read the events to know what the product must make of them."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

_BESIDE_THE_REPO = Path(__file__).resolve().parents[3] / "shared" / "freeswitch-events"
CAPTURES = Path(os.environ.get("ZUOXI_CAPTURES") or _BESIDE_THE_REPO)


@dataclass
class Frame:
    headers: dict[str, str]
    body: bytes
    raw: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def event(self) -> dict | None:
        """The event this frame carries, as a dict of header name → value (body under "_body")."""
        if self.content_type == "text/event-json":
            return json.loads(self.body.decode("utf-8"))
        if self.content_type == "text/event-plain":
            return parse_plain_event(self.body)
        return None


def split_frames(data: bytes) -> list[Frame]:
    frames, position = [], 0
    while position < len(data):
        end = data.find(b"\n\n", position)
        if end < 0:
            raise ValueError(f"truncated headers at byte {position}")
        head = data[position:end].decode("utf-8")
        headers = {}
        for line in head.split("\n"):
            name, _sep, value = line.partition(": ")
            headers[name] = value
        length = int(headers.get("Content-Length", "0") or 0)
        body = data[end + 2 : end + 2 + length]
        if len(body) != length:
            raise ValueError(f"truncated body at byte {end + 2}")
        frames.append(Frame(headers, body, data[position : end + 2 + length]))
        position = end + 2 + length
    return frames


def parse_plain_event(body: bytes) -> dict:
    text = body.decode("utf-8")
    head, _sep, rest = text.partition("\n\n")
    event = {}
    for line in head.split("\n"):
        if line:
            name, _sep, value = line.partition(": ")
            event[name] = unquote(value)
    if "Content-Length" in event:
        event["_body"] = rest[: int(event["Content-Length"])]
    return event


def load_frames(name: str) -> list[Frame]:
    """Frames of `<name>` (e.g. "inbound-answered.json-events.txt")."""
    return split_frames((CAPTURES / name).read_bytes())


def load_events(scenario: str, encoding: str = "json") -> list[dict]:
    """The events of a scenario capture, in the order FreeSWITCH sent them."""
    frames = load_frames(f"{scenario}.{encoding}-events.txt")
    return [event for frame in frames if (event := frame.event()) is not None]


def cdr_posts(scenario: str) -> list[bytes]:
    """The raw HTTP requests mod_json_cdr sent for a scenario, in arrival order."""
    folder = CAPTURES / "cdr-posts" / scenario
    return [path.read_bytes() for path in sorted(folder.glob("*-cdr.http"))]
