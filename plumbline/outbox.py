"""Work the site hands to the workers: the message shapes, typed once, and the outbox.

A service that has mail to send asks its outbox to queue it (:meth:`Outbox.queue`). With
workers (a broker is configured) the outbox is `plumbline.workers.client.QueueOutbox`,
which hands the message to Celery; the workers retry while the mail server refuses it.
Without workers it is :class:`NoOutbox`, which takes nothing. Either way a message not
taken is sent by the caller at once, so the domain code has one path and never knows
whether a queue exists. The core is given its outbox when it is built.

The shapes here are the whole contract between the site and the workers: a message is
turned into task arguments by :meth:`args` and read back, checked, by :meth:`from_args`
(a malformed message raises InvalidInput and is never retried).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol

from plumbline.errors import InvalidInput
from plumbline.newsletter.mailer import Email, clean_address

MAX_REQUEST_ID = 64
_EMAIL_FIELDS = ("to", "subject", "text", "html")


def _request_id(task: str, value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_REQUEST_ID:
        raise _bad(task, f"takes a request id, not {_show(value)}")
    return value


@dataclass(frozen=True, slots=True)
class SendEmail:
    """Send a ready-made email (a sign-in link) once per `request_id`, retrying while the
    mail server refuses it, and not after `not_after` (a Unix time: the link's expiry)."""

    task: ClassVar[str] = "plumbline.email"
    email: Email
    request_id: str
    not_after: float

    def args(self) -> tuple[object, ...]:
        message = {f: getattr(self.email, f) for f in _EMAIL_FIELDS}
        return (message, self.request_id, self.not_after)

    @classmethod
    def from_args(cls, message: object, request_id: object, not_after: object) -> SendEmail:
        if (
            not isinstance(message, dict)
            or set(message) != set(_EMAIL_FIELDS)
            or not all(isinstance(message[f], str) for f in _EMAIL_FIELDS)
        ):
            raise _bad(cls.task, f"takes a message with {', '.join(_EMAIL_FIELDS)}")
        if (
            not isinstance(not_after, int | float)
            or isinstance(not_after, bool)
            or not math.isfinite(not_after)
        ):
            raise _bad(cls.task, f"takes an expiry time, not {_show(not_after)}")
        email = Email(
            clean_address(message["to"]), message["subject"], message["text"], message["html"]
        )
        return cls(email, _request_id(cls.task, request_id), float(not_after))


@dataclass(frozen=True, slots=True)
class SendConfirmation:
    """Email the confirmation link of subscription request `request_id` (at most once),
    if the subscription is still waiting for it when the worker gets there."""

    task: ClassVar[str] = "plumbline.confirmation"
    subscriber_id: int
    request_id: str

    def args(self) -> tuple[object, ...]:
        return (self.subscriber_id, self.request_id)

    @classmethod
    def from_args(cls, subscriber_id: object, request_id: object) -> SendConfirmation:
        if not isinstance(subscriber_id, int) or isinstance(subscriber_id, bool):
            raise _bad(cls.task, f"takes a subscriber id, not {_show(subscriber_id)}")
        return cls(subscriber_id, _request_id(cls.task, request_id))


Message = SendEmail | SendConfirmation


class Outbox(Protocol):
    def queue(self, message: Message) -> bool:
        """Hand `message` to the workers; False when there are none or they could not take
        it (then the caller does the work itself, at once)."""
        ...


class NoOutbox:
    """One process, no workers: nothing is queued, every mail is sent by its caller."""

    def queue(self, message: Message) -> bool:
        return False


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad(task: str, message: str) -> InvalidInput:
    return InvalidInput(f"{task}: {message}; the message is dropped and nothing was changed")
