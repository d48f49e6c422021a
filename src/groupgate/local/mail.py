"""The local mailbox: what Cognito would email (confirmation codes, temporary passwords), as files.

Each message is a small text file in ``.local/mail/``, named so ``ls`` shows them in order, so a
person (or the demo) reads the code the way they would read an email. In memory only the latest message to
each address is kept (what ``latest`` answers), so sending mail does not grow memory beyond one message an
address.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    path: Path


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._sent = 0
        self._latest: dict[str, Message] = {}  # address (lower case) -> the last message to it

    def send(self, to: str, subject: str, body: str) -> Message:
        with self._lock:
            self._sent += 1
            number = self._sent
            slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{to} {subject}").strip("-").lower()[:80]
            path = self.folder / f"{number:04d}-{slug}.txt"
            stamp = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
            path.write_text(f"To: {to}\nSubject: {subject}\nDate: {stamp}\n\n{body}\n")
            message = Message(to, subject, body, path)
            self._latest[to.lower()] = message
            return message

    def latest(self, to: str) -> Message | None:
        """The last message sent to ``to`` (an email address)."""
        with self._lock:
            return self._latest.get(to.lower())
