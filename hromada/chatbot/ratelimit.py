"""
The outbound limiter: how many messages a bot may send, in all and per chat.

A sliding window over the last second (never more than `rate` sends in any
one-second span, which a plain token bucket allows at its burst edge) and a
least interval between two messages to one chat. A 429 answer's
`retry_after` pauses the whole bot. One limiter per bot per process; the
broadcast task sends a bot's broadcast from one worker.
"""

from __future__ import annotations

import collections
import threading
import time


class Limiter:
    def __init__(
        self, rate: float, *, per_chat: float = 1.05, clock=time.monotonic, sleep=time.sleep
    ):
        self.rate = max(1, int(rate))
        self.per_chat = per_chat
        self.clock = clock
        self.sleep = sleep
        self.sent: collections.deque[float] = collections.deque()
        self.last_by_chat: dict[str, float] = {}
        self.paused_until = 0.0
        self.lock = threading.Lock()

    def _wait_needed(self, chat: str, now: float) -> float:
        while self.sent and now - self.sent[0] >= 1.0:
            self.sent.popleft()
        waits = [self.paused_until - now]
        if len(self.sent) >= self.rate:
            waits.append(self.sent[0] + 1.0 - now)
        last = self.last_by_chat.get(chat)
        if last is not None:
            waits.append(last + self.per_chat - now)
        return max(waits)

    def acquire(self, chat: str) -> None:
        """Wait until one more message to `chat` keeps within the limits, and count it."""
        while True:
            with self.lock:
                now = self.clock()
                wait = self._wait_needed(chat, now)
                if wait <= 0:
                    self.sent.append(now)
                    self.last_by_chat[chat] = now
                    if len(self.last_by_chat) > 50_000:
                        horizon = now - self.per_chat
                        self.last_by_chat = {
                            k: v for k, v in self.last_by_chat.items() if v > horizon
                        }
                    return
            self.sleep(min(wait, 5.0) + 0.001)

    def ready_in(self, chat: str) -> float:
        """Return how long a message to `chat` would wait now (0: it may go)."""
        with self.lock:
            return max(0.0, self._wait_needed(chat, self.clock()))

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (a 429's retry_after)."""
        with self.lock:
            self.paused_until = max(self.paused_until, self.clock() + max(0.0, seconds))


_limiters: dict[tuple[str, int], Limiter] = {}
_lock = threading.Lock()


def limiter_for(channel: str, bot_id: int, rate: float, per_chat: float) -> Limiter:
    with _lock:
        key = (channel, bot_id)
        limiter = _limiters.get(key)
        if limiter is None or limiter.rate != max(1, int(rate)) or limiter.per_chat != per_chat:
            limiter = _limiters[key] = Limiter(rate, per_chat=per_chat)
        return limiter
