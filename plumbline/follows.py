"""Follow a story or a topic, by email or as a private Atom feed, and the alerts.

An alert says that a followed story got outlets from a side that had not covered it, or
that its coverage score moved by SCORE_MOVE points or more since the last alert; for a
followed topic, the same about each of its stories, and its new stories covered by more
than one outlet. Alerts are batched: at most one per follow a day (ALERT_EVERY), holding
every change since the last. A follow remembers what its last alert saw (`state`), so a
slow drift of the score alerts once it adds up to SCORE_MOVE.

Email follows are double opt-in like the newsletter (a signed link, a button that posts),
and every alert carries a one-click unsubscribe link (RFC 8058). Feed follows need no
address: the feed's URL holds a random token, stored only as its hash, and the feed page
stops it. Follows made while signed in are listed, and stopped, from the account."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from plumbline.analysis.topic_names import TOPICS
from plumbline.errors import InvalidInput, NotFound
from plumbline.models import AlertReport, Follow, FollowChange, Lean, StorySummary
from plumbline.newsletter.mailer import Email, Mailer, MailError, clean_address
from plumbline.newsletter.subscriptions import INVALID_LINK, id_and_binding
from plumbline.signing import token_hash

if TYPE_CHECKING:
    from plumbline.settings import Settings
    from plumbline.storage.protocols import FollowStore, ReaderStore, StoryStore

log = logging.getLogger(__name__)

SCORE_MOVE = 10.0  # points of the coverage score that make an alert
ALERT_EVERY = timedelta(hours=20)  # at most one alert a day (a daily run may come early)
TOPIC_STORIES = 60  # recent stories of a followed topic that are watched
CONFIRM_DAYS = 7
CONFIRMATIONS_PER_DAY = 3
MAX_TOKEN_LENGTH = 500
SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)


def snapshot(story: StorySummary) -> dict[str, Any]:
    """What an alert compares against: the sides that covered the story and its score."""
    return {
        "sides": [s.value for s in SIDES if getattr(story.lean_mix, s.value)],
        "score": story.bias_score,
    }


def story_changes(before: dict[str, Any] | None, story: StorySummary) -> list[FollowChange]:
    """What changed about `story` since `before` (None: the story is new to the follow)."""

    def change(kind: str, text: str) -> FollowChange:
        return FollowChange(story.id, story.slug, story.headline, kind, text)

    if before is None:
        return [change("new", f"New story, covered by {story.n_outlets} outlets.")]
    found = []
    had = set(before.get("sides") or [])
    for side in SIDES:
        count = getattr(story.lean_mix, side.value)
        if count and side.value not in had:
            found.append(change("side", f"{side.value.capitalize()}-leaning outlets now cover "
                                        f"it ({count}); before, none did."))  # fmt: skip
    old, new = before.get("score"), story.bias_score
    if isinstance(old, int | float) and new is not None and abs(new - old) >= SCORE_MOVE:
        found.append(change("score", f"The coverage score moved from {old:.0f} to {new:.0f} "
                                     "(0 neutral, 100 biased)."))  # fmt: skip
    return found


@dataclass(frozen=True, slots=True)
class Followed:
    """A follow with what it follows, for pages."""

    follow: Follow
    label: str  # the story's headline or the topic's name
    url: str  # the story's or topic's page


def _binding(follow: Follow) -> str:
    return hashlib.sha256(f"plumbline-follow:{follow.id}:{follow.email}".encode()).hexdigest()[:24]


class Follows:
    """Reached as `Plumbline.follows`; the web layer only parses forms."""

    def __init__(
        self,
        store: FollowStore,
        stories: StoryStore,
        readers: ReaderStore,
        settings: Settings,
        mailer: Mailer,
    ) -> None:
        self.store = store
        self.stories = stories
        self.readers = readers
        self.settings = settings
        self.mailer = mailer
        secret = settings.signing_key()
        self._confirm = URLSafeTimedSerializer(secret, salt="plumbline-follow-confirm")
        self._unsubscribe = URLSafeSerializer(secret, salt="plumbline-follow-unsubscribe")

    # ------------------------------------------------------------- targets
    def target(self, kind: str, key: str) -> tuple[int | None, str | None, str]:
        """(story id, topic, label) of what a form asks to follow; NotFound/InvalidInput."""
        if kind == "story":
            summary, _synthesis = self.stories.story(key[:200])
            return summary.id, None, summary.headline
        if kind == "topic":
            if key not in TOPICS:
                raise NotFound(f"no topic {key[:40]!r}")
            return None, key, TOPICS[key]
        raise InvalidInput("follow a story or a topic")

    def described(self, follow: Follow) -> Followed:
        if follow.topic is not None:
            return Followed(
                follow, TOPICS.get(follow.topic, follow.topic), f"/topic/{follow.topic}"
            )
        summaries = self.stories.story_summaries([follow.story_id] if follow.story_id else [])
        story = summaries.get(follow.story_id or 0)
        if story is None:
            return Followed(follow, "a story that is no longer published", "/")
        return Followed(follow, story.headline, f"/story/{story.slug}")

    def _watched(self, follow: Follow) -> list[StorySummary]:
        if follow.topic is not None:
            return self.stories.list_stories(limit=TOPIC_STORIES, topic=follow.topic)
        found = self.stories.story_summaries([follow.story_id] if follow.story_id else [])
        return list(found.values())

    def _state(self, story_id: int | None, topic: str | None) -> dict[str, Any]:
        probe = Follow(0, "", None, story_id, topic, "active", datetime.now(UTC))
        return {"stories": {str(s.id): snapshot(s) for s in self._watched(probe)}}

    # -------------------------------------------------------------- follow
    def by_email(self, email: str, kind: str, key: str, reader_token: str | None) -> None:
        """Ask to follow by email: a confirmation link goes to the address (no answer
        says whether it already followed; a confirmed follow gets no second email)."""
        address = clean_address(email)
        story_id, topic, _label = self.target(kind, key)
        reader_id = self.readers.reader_id(reader_token) if reader_token else None
        if reader_id is not None and self.readers.reader_email(reader_id) != address:
            reader_id = None  # someone else's address: the follow is its owner's, not theirs
        follow, due = self.store.add_follow(
            channel="email", email=address, reader_id=reader_id, story_id=story_id,
            topic=topic, state={}, max_confirmations=CONFIRMATIONS_PER_DAY,
        )  # fmt: skip
        if due:
            try:
                self.mailer.send(self.confirmation_email(follow))
            except MailError as exc:
                log.warning("follow confirmation to follow %d failed: %s", follow.id, exc)

    def by_feed(self, kind: str, key: str, reader_token: str | None) -> tuple[str, Followed]:
        """Follow as a private feed: returns the feed's token (shown once) and the follow."""
        story_id, topic, _label = self.target(kind, key)
        reader_id = self.readers.reader_id(reader_token) if reader_token else None
        token = secrets.token_urlsafe(24)
        follow, _due = self.store.add_follow(
            channel="feed", email=None, reader_id=reader_id, story_id=story_id, topic=topic,
            state=self._state(story_id, topic), feed_token_hash=token_hash(token),
        )  # fmt: skip
        return token, self.described(follow)

    # ------------------------------------------------------- links, tokens
    def url(self, path: str, token: str) -> str:
        return f"{self.settings.site_url}{path}?{urlencode({'token': token})}"

    def feed_url(self, token: str) -> str:
        return f"{self.settings.site_url}/follows/{token}.atom"

    def unsubscribe_url(self, follow: Follow) -> str:
        token = str(self._unsubscribe.dumps([follow.id, _binding(follow)]))
        return self.url("/follow/unsubscribe", token)

    def confirmation_email(self, follow: Follow) -> Email:
        from plumbline.newsletter.render import render_email

        followed = self.described(follow)
        token = str(self._confirm.dumps([follow.id, _binding(follow)]))
        site = self.settings.site_name
        text, html = render_email(
            "follow_confirm", site=site, label=followed.label,
            what="topic" if follow.topic else "story",
            confirm_url=self.url("/follow/confirm", token), days=CONFIRM_DAYS,
        )  # fmt: skip
        assert follow.email is not None
        return Email(follow.email, f"Confirm: follow “{followed.label[:80]}” on {site}", text, html)

    def _read(self, purpose: str, token: str) -> Follow:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidInput(INVALID_LINK)
        try:
            if purpose == "confirm":
                payload = self._confirm.loads(token, max_age=CONFIRM_DAYS * 24 * 3600)
            else:
                payload = self._unsubscribe.loads(token)
        except SignatureExpired:
            raise InvalidInput("this confirmation link has expired; follow again") from None
        except (BadSignature, ValueError, TypeError):
            raise InvalidInput(INVALID_LINK) from None
        follow_id, binding = id_and_binding(payload)
        follow = self.store.follow(follow_id)
        if follow is None or not hmac.compare_digest(binding, _binding(follow)):
            raise InvalidInput("this follow no longer exists; follow again")
        return follow

    def check_confirm(self, token: str) -> Followed:
        return self.described(self._read("confirm", token))

    def confirm(self, token: str) -> Followed:
        """Start the follow a confirmation link is for (idempotent)."""
        follow = self._read("confirm", token)
        started = self.store.confirm_follow(follow.id, self._state(follow.story_id, follow.topic))
        return self.described(started)

    def check_unsubscribe(self, token: str) -> Followed:
        return self.described(self._read("unsubscribe", token))

    def unsubscribe(self, token: str) -> Followed:
        """Stop an email follow: the one-click link of every alert. The follow is deleted,
        so a second click says the link no longer works."""
        follow = self._read("unsubscribe", token)
        followed = self.described(follow)
        self.store.stop_follow(follow.id)
        return followed

    # ---------------------------------------------------------------- feeds
    def feed(self, token: str) -> tuple[Followed, list[Any]]:
        """The follow and its alerts, newest first; NotFound for an unknown or stopped
        feed (the same answer, so a token cannot be probed)."""
        follow = self.store.follow_by_feed(token_hash(token)) if 0 < len(token) <= 100 else None
        if follow is None or follow.status != "active":
            raise NotFound("no such feed; it may have been stopped")
        return self.described(follow), self.store.alerts(follow.id)

    def stop_feed(self, token: str) -> None:
        followed, _alerts = self.feed(token)
        self.store.stop_follow(followed.follow.id)

    # -------------------------------------------------------------- account
    def of_reader(self, reader_token: str | None) -> list[Followed]:
        reader_id = self.readers.reader_id(reader_token) if reader_token else None
        if reader_id is None:
            return []
        email = self.readers.reader_email(reader_id)
        return [self.described(f) for f in self.store.follows_of(reader_id, email)]

    def export_for(self, reader_token: str | None) -> list[dict[str, Any]]:
        """The reader's follows (by account and address), for their data export."""
        reader_id = self.readers.reader_id(reader_token) if reader_token else None
        if reader_id is None:
            return []
        return self.store.export_follows(reader_id, self.readers.reader_email(reader_id))

    def delete_for(self, reader_token: str | None) -> int:
        """Delete the reader's follows and their alerts (with their account)."""
        reader_id = self.readers.reader_id(reader_token) if reader_token else None
        if reader_id is None:
            return 0
        return self.store.delete_follows(reader_id, self.readers.reader_email(reader_id))

    def stop_for_reader(self, reader_token: str | None, follow_id: int) -> None:
        """Stop one of the reader's own follows (NotFound for anyone else's)."""
        if follow_id not in {f.follow.id for f in self.of_reader(reader_token)}:
            raise NotFound("no such follow of yours")
        self.store.stop_follow(follow_id)

    # --------------------------------------------------------------- alerts
    def changes(self, follow: Follow) -> tuple[list[FollowChange], dict[str, Any]]:
        """What changed for `follow` since its last alert, and the state to keep (the
        watched stories only, so a topic's state does not grow without end)."""
        seen: dict[str, Any] = dict(follow.state.get("stories") or {})
        found: list[FollowChange] = []
        state: dict[str, Any] = {}
        for story in self._watched(follow):
            key = str(story.id)
            before = seen.get(key)
            if before is None and follow.topic is None:
                # the followed story merged into this one: compare with what it was
                before = next(iter(seen.values()), None)
                if before is None:
                    state[key] = snapshot(story)
                    continue
            if before is None and story.n_outlets < 2:
                continue  # one outlet is not yet a story from every side: wait for a second
            news = story_changes(before, story)
            found.extend(news)
            if news or before is None:
                state[key] = snapshot(story)
            elif before.get("score") is None and story.bias_score is not None:
                # first scored now: the baseline for later moves, not a move itself
                state[key] = {**before, "score": story.bias_score}
            else:
                state[key] = before
        return found, {"stories": state}

    def send_alerts(self, now: datetime | None = None, *, dry_run: bool = False) -> AlertReport:
        """One alert per follow with changes, at most one a day: emailed, or written to
        its feed. Safe to repeat: a follow alerted within ALERT_EVERY waits."""
        now = now or datetime.now(UTC)
        report = AlertReport()
        if not dry_run:
            self.store.purge_pending(now - timedelta(days=CONFIRM_DAYS))
        for follow in self.store.active_follows():
            if follow.last_alert_at is not None and now - follow.last_alert_at < ALERT_EVERY:
                continue
            report.checked += 1
            found, state = self.changes(follow)
            if not found:
                if state != follow.state and not dry_run:
                    self.store.save_state(follow.id, state, follow.last_alert_at)
                continue
            report.alerts += 1
            if dry_run:
                continue
            if follow.channel == "feed":
                self.store.add_alert(follow.id, found, state, "feed", now)
                continue
            # the alert is written (as sending) before the mail goes: a crash never sends twice
            alert_id = self.store.add_alert(follow.id, found, state, "sending", now)
            try:
                self.mailer.send(self.alert_email(follow, found))
            except Exception as exc:  # MailError, or anything else: the follow tries again
                self.store.finish_alert(alert_id, "failed", str(exc)[:500])
                self.store.save_state(follow.id, follow.state, follow.last_alert_at)  # retry
                report.failed += 1
                report.errors.append(f"follow {follow.id}: {exc}")
                continue
            self.store.finish_alert(alert_id, "sent")
            report.emailed += 1
        return report

    def alert_email(self, follow: Follow, found: list[FollowChange]) -> Email:
        from plumbline.newsletter.render import render_email

        followed = self.described(follow)
        unsubscribe = self.unsubscribe_url(follow)
        site = self.settings.site_name
        text, html = render_email(
            "follow_alert", site=site, label=followed.label,
            page_url=self.settings.site_url + followed.url, site_url=self.settings.site_url,
            changes=found, unsubscribe_url=unsubscribe,
        )  # fmt: skip
        assert follow.email is not None
        plural = "s" if len(found) != 1 else ""
        return Email(
            follow.email,
            f"{site}: {len(found)} change{plural} to “{followed.label[:80]}”",
            text,
            html,
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
