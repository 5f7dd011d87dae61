"""The outcome policy, one row of its table per error kind (bot/delivery/policy.py)."""

from __future__ import annotations

import pytest

from bot.delivery.policy import (
    UNCERTAIN,
    Decision,
    Facts,
    LeaseExpired,
    PlatformDown,
    Rules,
    decide,
)
from bot.platforms.base import (
    ChatMoved,
    ChatUnavailable,
    DeliveryUncertain,
    PermanentError,
    RateLimited,
    TransientError,
)
from storage import outbox

RULES = Rules(max_attempts=3, uncertain_retries=1, uncertain_retry_seconds=60,
              backoff_seconds=2, max_backoff_seconds=10)


def test_sent_keeps_the_ids() -> None:
    assert decide(None, sent=["1", "2"]) == Decision("sent", parts=("1", "2"), counters=("sent",))


def test_a_rate_limit_pauses_its_scope_without_counting_and_keeps_the_parts_sent() -> None:
    d = decide(RateLimited(7, "global", sent_message_ids=["5"]), Facts(), RULES)
    assert (d.action, d.scope, d.delay, d.counts, d.parts) == ("pause", "global", 7, False, ("5",))
    assert d.counters == ("rate_limited",)
    # Telegram does not say: the worker's inference decides, the chat by default
    assert decide(RateLimited(3, "unknown"), Facts(), RULES).scope == "chat"
    assert decide(RateLimited(3, "unknown"), Facts(scope="global"), RULES).scope == "global"
    assert decide(RateLimited(3, "chat"), Facts(scope="global"), RULES).scope == "chat"


def test_a_transient_error_backs_off_then_dead_letters() -> None:
    d = decide(TransientError("502"), Facts(attempts=0), RULES, jitter=0.5)
    assert (d.action, d.counts, d.delay, d.error) == ("retry", True, 2.0, "transient: 502")
    assert decide(TransientError("502"), Facts(attempts=1), RULES, jitter=0.5).delay == 4.0
    assert decide(TransientError("502"), Facts(attempts=1), RULES, jitter=0.0).delay == 2.0
    dead = decide(TransientError("502"), Facts(attempts=2), RULES)
    assert (dead.action, dead.error, dead.counters) == ("dead", "transient: 502", ("dead",))


def test_an_unknown_exception_is_retried_under_its_type_name() -> None:
    d = decide(ValueError("boom"), Facts(), RULES)
    assert (d.action, d.error, d.parts) == ("retry", "ValueError: boom", ())


def test_a_send_without_answer_is_retried_a_bounded_number_of_times() -> None:
    d = decide(DeliveryUncertain("read timeout"), Facts(), RULES, jitter=1.0)
    assert (d.action, d.uncertain, d.counts, d.delay) == ("retry", True, True, 90.0)
    assert d.error == f"{UNCERTAIN}: read timeout" and d.counters == ("uncertain", "retried")
    dead = decide(DeliveryUncertain("read timeout"), Facts(uncertain=1), RULES)
    assert (dead.action, dead.uncertain, dead.counters) == ("dead", True, ("uncertain", "dead"))
    assert dead.error is not None and dead.error.startswith(f"{UNCERTAIN}: no answer to 2 send(s)")
    # the attempts bound holds too
    assert decide(DeliveryUncertain("t"), Facts(attempts=2), RULES).action == "dead"


def test_a_gone_chat_and_a_refused_message() -> None:
    d = decide(ChatUnavailable("bot was blocked by the user"), Facts(), RULES)
    assert (d.action, d.reason, d.error) == ("chat_gone", "bot was blocked by the user",
                                             "chat unavailable: bot was blocked by the user")
    assert d.counters == ("deactivated",)
    p = decide(PermanentError("can't parse entities"), Facts(), RULES)
    assert (p.action, p.error, p.counters) == ("dead", "refused: can't parse entities", ("dead",))


def test_a_moved_chat_is_followed_once() -> None:
    d = decide(ChatMoved("-100123", sent_message_ids=["1"]), Facts(), RULES)
    assert (d.action, d.new_chat_id, d.delay, d.counts) == ("chat_moved", "-100123", 0, False)
    assert d.parts == ()  # the new chat has none of the parts sent to the old one
    again = decide(ChatMoved("-100456"), Facts(last_error=d.error), RULES)
    assert (again.action, again.error, again.counters) == ("dead", "moved again: -100456", ())


def test_a_platform_down_or_a_lease_run_out_does_not_count() -> None:
    down = decide(PlatformDown("telegram is not running"), Facts(), RULES)
    assert (down.action, down.delay, down.counts) == ("retry", RULES.platform_down_wait, False)
    late = decide(LeaseExpired("ran out", sent_message_ids=["1", "2"]), Facts(), RULES)
    assert (late.action, late.delay, late.counts, late.parts) == ("resume_later", 0, False,
                                                                  ("1", "2"))


@pytest.mark.parametrize("error", [TransientError("x", sent_message_ids=["9"]),
                                   RateLimited(1, sent_message_ids=["9"])])
def test_an_edit_row_keeps_no_parts(error: Exception) -> None:
    assert decide(error, Facts(kind="edit"), RULES).parts == ()
    assert decide(error, Facts(kind="digest"), RULES).parts == ("9",)


def test_the_uncertain_word_is_the_one_stats_count() -> None:
    assert UNCERTAIN == outbox.UNCERTAIN


def test_rules_follow_the_settings() -> None:
    from bot.config import DeliverySection

    s = DeliverySection(max_attempts=4, uncertain_retries=2, backoff_seconds=1)
    assert Rules.of(s) == Rules(max_attempts=4, uncertain_retries=2, backoff_seconds=1,
                                uncertain_retry_seconds=s.uncertain_retry_seconds,
                                max_backoff_seconds=s.max_backoff_seconds)
