"""Delivery channels beyond the in-app inbox (WeChat, SMS) plug in here.

The notifications table is the outbox: a message exists once its business transaction
commits. Registered channels are handed the committed messages afterwards, outside the
transaction, so a slow or failing SMS gateway can never block or undo a redemption.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    user_id: int
    kind: str
    params: dict


class Channel(Protocol):
    name: str

    def send(self, messages: list[Outgoing]) -> None:
        """Deliver committed messages; raising only logs (the inbox still has them)."""


_channels: list[Channel] = []


def register_channel(channel: Channel) -> None:
    if all(c.name != channel.name for c in _channels):
        _channels.append(channel)


def unregister_channel(name: str) -> None:
    _channels[:] = [c for c in _channels if c.name != name]


def dispatch(messages: list[Outgoing]) -> None:
    """Hand committed messages to every registered channel, best effort."""
    for channel in list(_channels):
        try:
            channel.send(messages)
        except Exception:  # a channel's failure must not surface to the resident's request
            log.exception("notification channel %s failed", channel.name)
