"""
The engine's plain types: what a resident sent, and what a step answers.

A flow is a few steps; each step is a plain function
``step(conversation, message) -> Reply`` that names the next step. Channels
turn an update into an `Incoming` and render a `Reply` their own way
(Telegram inline keyboards, Viber keyboards, the web chat's buttons), so a
step never knows which channel it talks to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Button payloads are short (Telegram allows 64 bytes of callback data) and
# look like "<kind>:<value>": "m:services", "f:appeals.report", "c:12".
DATA_PATTERN = re.compile(r"[a-z]{1,3}:[A-Za-z0-9_.:\-]{0,58}")
MAX_TEXT = 4000  # Telegram's limit is 4096 characters; Viber's 7000
MAX_BUTTON_TEXT = 60


@dataclass(frozen=True)
class Button:
    """A button: pressing it sends `data` back; or, with `url`, opens a page."""

    text: str
    data: str = ""
    url: str = ""

    def __post_init__(self):
        object.__setattr__(self, "text", " ".join(str(self.text).split())[:MAX_BUTTON_TEXT])
        if self.data and not DATA_PATTERN.fullmatch(self.data):
            raise ValueError("button data must be short 'kind:value' text")


@dataclass
class Reply:
    """What a step answers: text, buttons (rows), and the step to run next (None: done)."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    next_step: str | None = None
    request_location: bool = False
    request_contact: bool = False

    def __post_init__(self):
        self.text = str(self.text)[:MAX_TEXT]
        self.buttons = [list(row) for row in self.buttons if row]

    def as_dict(self) -> dict:
        """Return the reply as JSON-safe data (the web chat's and the tests' view of it)."""
        return {
            "text": self.text,
            "buttons": [
                [{"text": b.text, "data": b.data, "url": b.url} for b in row]
                for row in self.buttons
            ],
            "request_location": self.request_location,
            "request_contact": self.request_contact,
        }


@dataclass
class Photo:
    """A picture the resident sent: its bytes, fetched by the channel in the worker."""

    content: bytes
    name: str = "photo.jpg"


@dataclass
class Incoming:
    """One thing a resident sent, whatever the channel."""

    text: str = ""
    data: str = ""  # a pressed button's payload
    lat: float | None = None
    lon: float | None = None
    phone: str = ""
    photo: Photo | None = None
    start_payload: str = ""  # Telegram's /start <payload> (deep link)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    @classmethod
    def from_text(cls, text: str) -> Incoming:
        """Build a message from typed text: a button's payload when it looks like one."""
        text = clean_text(text)
        if DATA_PATTERN.fullmatch(text):
            return cls(data=text)
        if text.startswith("/start"):
            payload = text[len("/start") :].strip()
            return cls(text="/start", start_payload=payload[:64])
        return cls(text=text)


def clean_text(value) -> str:
    """Return typed text without NUL and control characters, bounded."""
    text = str(value or "")
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)
    return text.strip()[:MAX_TEXT]
