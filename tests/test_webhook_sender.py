"""The webhook sender against a strict local receiver: signatures, answers, the id on retries."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from bot.platforms.base import (
    About,
    ChatUnavailable,
    DeliveryUncertain,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.platforms.webhook.config import WebhookEndpoint, check_endpoints
from bot.platforms.webhook.send import WebhookSender, retry_after
from handlers.reply import ReplyBuilder, Span
from tests.fakes.webhook_receiver import FakeWebhookReceiver

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OTHER = "whsec_" + base64.b64encode(bytes(range(1, 33))).decode()


def reply(text: str = "Interpol adopte la résolution"):
    return ReplyBuilder().heading("Alerte").para(Span(text, bold=True)).build()


def endpoint(url: str, **kw: object) -> WebhookEndpoint:
    return WebhookEndpoint(name=kw.pop("name", "newsroom"), url=url, secret=kw.pop("secret", SECRET),
                           **kw)


async def sender_for(rx: FakeWebhookReceiver, path: str = "/newsroom", **kw: object) -> WebhookSender:
    url = rx.endpoint(path, SECRET)
    s = WebhookSender({"newsroom": endpoint(url, **kw)})
    await s.start()
    return s


async def test_a_post_is_signed_and_carries_what_the_receiver_reads() -> None:
    async with FakeWebhookReceiver() as rx:
        s = await sender_for(rx)
        try:
            assert await s.send("newsroom", reply(), nonce="alert:12:3",
                                about=About("alert", 12)) == []
        finally:
            await s.close()
    assert rx.refused == []
    [d] = rx.received
    assert d.id == "alert:12:3"
    assert d.body["type"] == "alert" and d.body["item_id"] == 12
    assert d.body["endpoint"] == "newsroom" and d.body["language"] == "fr"
    assert "Interpol adopte la résolution" in d.body["text"]
    assert d.body["reply"]["blocks"][0]["text"] == "Alerte"


async def test_a_wrong_secret_is_refused_by_the_receiver() -> None:
    async with FakeWebhookReceiver() as rx:
        url = rx.endpoint("/newsroom", OTHER)  # the receiver knows another secret
        s = WebhookSender({"newsroom": endpoint(url)})
        try:
            with pytest.raises(PermanentError, match="401"):
                await s.send("newsroom", reply(), nonce="k1", about=About("alert"))
        finally:
            await s.close()
    assert rx.received == [] and rx.refused[0][2] == "no matching signature"


async def test_while_the_secret_rotates_a_receiver_on_either_secret_accepts() -> None:
    async with FakeWebhookReceiver() as rx:
        old = rx.endpoint("/old", OTHER)  # a receiver not moved to the new secret yet
        new = rx.endpoint("/new", SECRET)
        s = WebhookSender({"a": endpoint(old, name="a", previous_secret=OTHER),
                           "b": endpoint(new, name="b", previous_secret=OTHER)})
        try:
            await s.send("a", reply(), nonce="k1", about=About("alert"))
            await s.send("b", reply(), nonce="k2", about=About("alert"))
        finally:
            await s.close()
    assert rx.refused == [] and rx.ids == ["k1", "k2"]
    assert len(rx.received[0].headers["webhook-signature"].split(" ")) == 2


async def test_a_stale_timestamp_is_refused() -> None:
    async with FakeWebhookReceiver() as rx:
        url = rx.endpoint("/newsroom", SECRET)
        s = WebhookSender({"newsroom": endpoint(url)}, clock=lambda: rx.clock() - 3600)
        try:
            with pytest.raises(PermanentError):
                await s.send("newsroom", reply(), nonce="k1", about=About("alert"))
        finally:
            await s.close()
    assert rx.refused[0][2] == "timestamp outside the tolerance"


@pytest.mark.parametrize(("status", "retry", "error"), [
    (429, "7", RateLimited), (503, "3", RateLimited), (500, None, TransientError),
    (408, None, TransientError), (410, None, ChatUnavailable), (404, None, PermanentError),
    (302, None, PermanentError),
])
async def test_answers_become_outbox_outcomes(status: int, retry: str | None,
                                              error: type[Exception]) -> None:
    async with FakeWebhookReceiver() as rx:
        s = await sender_for(rx)
        rx.fail("/newsroom", status, retry_after=float(retry) if retry else None)
        try:
            with pytest.raises(error) as caught:
                await s.send("newsroom", reply(), nonce="k1", about=About("alert"))
            if retry:
                assert caught.value.retry_after == float(retry)  # type: ignore[attr-defined]
            await s.send("newsroom", reply(), nonce="k1", about=About("alert"))  # the retry
        finally:
            await s.close()
    assert rx.ids == ["k1"] and rx.requests["/newsroom"] == 2


async def test_no_answer_in_time_is_uncertain_and_the_retry_keeps_its_id() -> None:
    async with FakeWebhookReceiver() as rx:
        s = await sender_for(rx, timeout_seconds=0.2)
        rx.fail("/newsroom", 200, delay=0.5)  # accepted, but answered too late
        try:
            with pytest.raises(DeliveryUncertain):
                await s.send("newsroom", reply(), nonce="digest:3:2025-11-25", about=About("digest"))
            await s.send("newsroom", reply(), nonce="digest:3:2025-11-25", about=About("digest"))
        finally:
            await s.close()
        await rx.wait_for(2)
    # both arrived: the receiver sees the same id twice and can drop the second
    assert rx.ids == ["digest:3:2025-11-25"] * 2 and rx.duplicates == 1


async def test_a_refused_connection_is_transient() -> None:
    s = WebhookSender({"newsroom": endpoint("http://127.0.0.1:9/hook")})
    try:
        with pytest.raises(TransientError):
            await s.send("newsroom", reply(), nonce="k1", about=About("alert"))
    finally:
        await s.close()


async def test_kinds_not_asked_for_are_not_posted() -> None:
    async with FakeWebhookReceiver() as rx:
        s = await sender_for(rx, kinds=["alert"])
        try:
            assert await s.send("newsroom", reply(), nonce="c1", about=About("correction")) == []
        finally:
            await s.close()
    assert rx.requests["/newsroom"] == 0 and s.skipped == 1


async def test_an_endpoint_removed_from_the_config_is_gone() -> None:
    s = WebhookSender({})
    with pytest.raises(ChatUnavailable):
        await s.send("newsroom", reply(), nonce="k1", about=About("alert"))


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("12", 0) == 12
    assert retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 40.0) == 60
    assert retry_after(None, 0) is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("secret", "hunter2", "whsec_"),
    ("secret", "whsec_" + base64.b64encode(b"short").decode(), "24 to 64"),
    ("url", "http://cms.example.org/hook", "in clear"),
    ("url", "https://user:pw@cms.example.org/hook", "credentials"),
    ("name", "News Room", "lower-case"),
    ("digest_time", "8h", "HH:MM"),
    ("kinds", ["alert", "sms"], "kinds"),
])
def test_bad_endpoint_settings_say_what_is_wrong(field: str, value: object, message: str) -> None:
    settings = {"name": "newsroom", "url": "https://cms.example.org/hook", "secret": SECRET}
    settings[field] = value
    with pytest.raises(ValidationError, match=message):
        WebhookEndpoint(**settings)


def test_endpoint_names_must_differ() -> None:
    one = endpoint("https://a.example.org/")
    with pytest.raises(ValueError, match="named 'newsroom'"):
        check_endpoints([one, one])


def test_both_secrets_are_kept_out_of_the_logs() -> None:
    from bot.config import Settings
    from bot.platforms import secrets

    settings = Settings(webhooks=[{"name": "newsroom", "url": "https://cms.example.org/",
                                   "secret": SECRET, "previous_secret": OTHER}])
    assert {SECRET, OTHER} <= set(secrets(settings))
