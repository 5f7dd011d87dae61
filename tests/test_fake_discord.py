"""The fake Discord drives the real discord.py Client and refuses what Discord would refuse."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.fakes.discord_ratelimit import DiscordLimits
from tests.fakes.discord_spec import check_message_limits, default_spec_path

with warnings.catch_warnings():
    # discord.py imports the deprecated stdlib `audioop` (voice); warnings are errors here.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands

GUILD = "1200000000000000001"
CHANNEL = "1300000000000000001"
OTHER_CHANNEL = "1300000000000000002"
TOPICS = ["agenda", "agriculture", "resolutions"]


@dataclass
class Bot:
    client: discord.Client
    tree: app_commands.CommandTree[discord.Client]
    errors: list[discord.HTTPException] = field(default_factory=list)
    late_done: asyncio.Event = field(default_factory=asyncio.Event)

    def channel(self, channel_id: str) -> discord.TextChannel:
        channel = self.client.get_channel(int(channel_id))
        assert isinstance(channel, discord.TextChannel)
        return channel


def build_tree(
    client: discord.Client,
    errors: list[discord.HTTPException],
    late_done: asyncio.Event,
    late_delay: float,
) -> app_commands.CommandTree[discord.Client]:
    """A small command tree: an embed reply, a deferred reply, autocomplete, a late reply."""
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(name="news", description="Latest news")
    async def news(interaction: discord.Interaction, topic: str = "all") -> None:
        embed = discord.Embed(
            title=f"News: {topic}", description=f"locale={interaction.locale.value}"
        )
        embed.set_footer(text=f"perms={interaction.permissions.value}")
        await interaction.response.send_message(embed=embed)

    @news.autocomplete("topic")
    async def topic_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

    @tree.command(name="digest", description="A slow digest")
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="Digest ready")
        await interaction.followup.send("One more thing")

    @tree.command(name="late", description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(late_delay)
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as exc:
            errors.append(exc)
        late_done.set()

    return tree


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[Bot]:  # noqa: F811
    dc = fake_discord
    dc.add_guild(GUILD, name="Assembly")
    dc.add_channel(CHANNEL, guild_id=GUILD, name="news")
    dc.add_channel(OTHER_CHANNEL, guild_id=GUILD, name="other")
    dc.interaction_deadline = 0.5
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    errors: list[discord.HTTPException] = []
    late_done = asyncio.Event()
    tree = build_tree(client, errors, late_done, late_delay=0.8)
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    await client.login(dc.token)
    task = asyncio.create_task(client.connect())
    await asyncio.wait_for(ready.wait(), 5)
    await tree.sync()
    try:
        yield Bot(client, tree, errors, late_done)
    finally:
        await client.close()
        await task


async def test_login_ready_and_guild_cache(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    client = bot.client
    assert client.user is not None and str(client.user.id) == fake_discord.bot_user.id
    assert str(client.application_id) == fake_discord.application_id
    guild = client.get_guild(int(GUILD))
    assert guild is not None and guild.name == "Assembly"
    assert bot.channel(CHANNEL).name == "news"
    assert fake_discord.gateway.identifies[0]["token"] == fake_discord.token
    # The heartbeat sent right after HELLO was acknowledged, so latency is measured.
    await asyncio.sleep(0.05)
    assert client.latency != float("inf")


async def test_sync_stores_commands(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    names = sorted(c["name"] for c in fake_discord.commands)
    assert names == ["digest", "late", "news"]
    news = next(c for c in fake_discord.commands if c["name"] == "news")
    assert news["application_id"] == fake_discord.application_id
    assert news["options"][0]["name"] == "topic" and news["options"][0]["autocomplete"] is True
    fetched = await bot.tree.fetch_commands()
    assert sorted(c.name for c in fetched) == names
    guild = discord.Object(int(GUILD))
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    assert sorted(c["name"] for c in fake_discord.guild_commands[GUILD]) == names


async def test_slash_command_embed_reply(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    iid = await fake_discord.push_interaction(
        "news", [{"name": "topic", "type": 3, "value": "agenda"}], guild_id=GUILD, locale="fr"
    )
    response = await fake_discord.wait_for_response(iid)
    assert response.type == 4
    final = await fake_discord.wait_for_final(iid)
    assert final["embeds"][0]["title"] == "News: agenda"
    assert final["embeds"][0]["description"] == "locale=fr"


async def test_slash_command_in_dm(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.add_user("1400000000000000001", "bob", locale="en-GB")
    iid = await fake_discord.push_interaction("news", user_id="1400000000000000001")
    final = await fake_discord.wait_for_final(iid)
    assert final["embeds"][0]["title"] == "News: all"
    assert final["embeds"][0]["description"] == "locale=en-GB"


async def test_deferred_reply_edit_and_followup(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    iid = await fake_discord.push_interaction("digest", guild_id=GUILD)
    final = await fake_discord.wait_for_final(iid)
    assert final["content"] == "Digest ready"
    response = await fake_discord.wait_for_response(iid)
    assert response.type == 5
    assert response.edits[0]["content"] == "Digest ready"
    await fake_discord._wait_until(lambda: response.followups, 5.0, "followup")
    assert response.followups[0]["content"] == "One more thing"


async def test_autocomplete(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    iid = await fake_discord.push_autocomplete(
        "news", [{"name": "topic", "type": 3, "value": "ag", "focused": True}], guild_id=GUILD
    )
    response = await fake_discord.wait_for_response(iid)
    assert response.type == 8
    assert [c["value"] for c in response.data["choices"]] == ["agenda", "agriculture"]


async def test_late_callback_is_refused(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    iid = await fake_discord.push_interaction("late", guild_id=GUILD)
    await asyncio.wait_for(bot.late_done.wait(), 5.0)
    assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062
    assert fake_discord.interactions[iid].response is None


async def test_second_callback_is_refused(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    iid = await fake_discord.push_interaction("news", guild_id=GUILD)
    await fake_discord.wait_for_response(iid)
    token = fake_discord.interactions[iid].token
    url = f"{fake_discord.rest_base}/interactions/{iid}/{token}/callback"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
            assert resp.status == 400
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["code"] == 40060


async def test_nonce_deduplicates(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    channel = bot.channel(CHANNEL)
    first = await channel.send("Agenda published", nonce="agenda-1")
    second = await channel.send("Agenda published", nonce="agenda-1")
    assert first.id == second.id
    assert [m["content"] for m in fake_discord.channel_messages(CHANNEL)] == ["Agenda published"]
    assert fake_discord.nonce_hits == 1


async def test_too_long_content_is_invalid_form_body(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    with pytest.raises(discord.HTTPException) as caught:
        await bot.channel(CHANNEL).send("x" * 2001)
    assert caught.value.status == 400 and caught.value.code == 50035
    assert "content" in caught.value.text
    assert fake_discord.channel_messages(CHANNEL) == []
    assert len(fake_discord.take_violations()) == 1


async def test_empty_message_is_refused(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    with pytest.raises(discord.HTTPException) as caught:
        await bot.channel(CHANNEL).send()
    assert caught.value.code == 50006
    assert len(fake_discord.take_violations()) == 1


async def test_deleted_channel_and_missing_permission(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.delete_channel(CHANNEL)
    with pytest.raises(discord.NotFound) as not_found:
        await bot.channel(CHANNEL).send("hello")
    assert not_found.value.code == 10003
    fake_discord.deny_send(OTHER_CHANNEL)
    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.channel(OTHER_CHANNEL).send("hello")
    assert forbidden.value.code == 50013


async def test_injected_429_is_retried(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.rate_limit_next(rf"^/channels/{CHANNEL}/messages$", retry_after=0.1)
    message = await bot.channel(CHANNEL).send("after a 429")
    assert fake_discord.count_429 == 1
    stored = fake_discord.channel_messages(CHANNEL)
    assert [m["id"] for m in stored] == [str(message.id)]


async def test_injected_500_is_retried(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.fail_next("POST", rf"^/channels/{CHANNEL}/messages$", status=500)
    await bot.channel(CHANNEL).send("after a 500")
    statuses = [c.status for c in fake_discord.calls if c.path == f"/channels/{CHANNEL}/messages"]
    assert statuses == [500, 200]


async def test_rate_limit_headers_pace_the_client(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.limits = DiscordLimits(per_channel=2, per_seconds=0.3)
    channel = bot.channel(CHANNEL)
    await asyncio.gather(*(channel.send(f"message {i}") for i in range(5)))
    assert len(fake_discord.channel_messages(CHANNEL)) == 5
    assert fake_discord.count_429 == 0


async def test_limits_refuse_a_client_that_ignores_headers(fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.add_channel(CHANNEL)
    fake_discord.limits = DiscordLimits(per_channel=2, per_seconds=30.0)
    url = f"{fake_discord.rest_base}/channels/{CHANNEL}/messages"
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        statuses = []
        for i in range(3):
            async with session.post(url, json={"content": f"m{i}"}) as resp:
                statuses.append(resp.status)
                last = resp
        assert statuses == [200, 200, 429]
        assert float(last.headers["Retry-After"]) >= 1
        assert last.headers["X-RateLimit-Remaining"] == "0"
    assert fake_discord.count_429 == 1


async def test_global_limit(fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.limits = DiscordLimits(global_per_second=2)
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        replies = []
        for _ in range(3):
            async with session.get(f"{fake_discord.rest_base}/users/@me") as resp:
                replies.append((resp.status, await resp.json()))
    assert [status for status, _ in replies] == [200, 200, 429]
    assert replies[2][1]["global"] is True


async def test_spec_violations_are_refused(fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.add_channel(CHANNEL)
    base = fake_discord.rest_base
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{base}/channels/{CHANNEL}/messages", json={"content": 5}) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50035
        mentions = {"content": "x", "allowed_mentions": {"parse": ["nobody"]}}
        async with session.post(f"{base}/channels/{CHANNEL}/messages", json=mentions) as resp:
            errors = (await resp.json())["errors"]
            assert errors["allowed_mentions"]["parse"]["0"]["_errors"]
        async with session.get(f"{base}/channels/{CHANNEL}", params={"bogus": "1"}) as resp:
            assert resp.status == 400
        async with session.get(f"{base}/no/such/route") as resp:
            assert resp.status == 404
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
    assert len(fake_discord.take_violations()) == 4
    assert fake_discord.channel_messages(CHANNEL) == []


async def test_gateway_rejects_wrong_token(fake_discord: FakeDiscord) -> None:  # noqa: F811
    identify = {"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}}
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake_discord.gateway_url) as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json(identify)
            closing = await ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert closing.data == 4004


async def test_login_with_wrong_token_fails(fake_discord: FakeDiscord) -> None:  # noqa: F811
    client = discord.Client(intents=discord.Intents.none())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not.the.token")
    finally:
        await client.close()
    assert [c.status for c in fake_discord.calls] == [401]
    assert len(fake_discord.take_violations()) == 1


async def test_messages_can_be_awaited_and_edited(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    async def publish() -> None:
        message = await bot.channel(CHANNEL).send("Draft")
        await message.edit(content="Final", embed=discord.Embed(title="Resolution 1"))

    task = asyncio.create_task(publish())
    first = await fake_discord.wait_for_channel_messages(CHANNEL, n=1)
    await task
    assert len(first) == 1
    [stored] = fake_discord.channel_messages(CHANNEL)
    assert stored["content"] == "Final" and stored["edited"] is True
    assert stored["embeds"][0]["title"] == "Resolution 1"


async def test_gateway_drop_is_resumed(bot: Bot, fake_discord: FakeDiscord) -> None:  # noqa: F811
    resumed = asyncio.Event()
    bot.client.event(_set_on(resumed, "on_resumed"))
    await fake_discord.drop_gateway(4000)
    await asyncio.wait_for(resumed.wait(), 5)
    assert len(fake_discord.gateway.identifies) == 1
    assert fake_discord.gateway.resumes[0]["token"] == fake_discord.token
    iid = await fake_discord.push_interaction("news", guild_id=GUILD)
    assert (await fake_discord.wait_for_final(iid))["embeds"][0]["title"] == "News: all"


async def test_intents_none_still_gets_interactions(fake_discord: FakeDiscord) -> None:  # noqa: F811
    fake_discord.add_guild(GUILD)
    fake_discord.add_channel(CHANNEL, guild_id=GUILD)
    client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.05)
    tree = build_tree(client, [], asyncio.Event(), late_delay=0)
    ready = asyncio.Event()
    client.event(_set_on(ready, "on_ready"))
    await client.login(fake_discord.token)
    task = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(ready.wait(), 5)
        assert client.get_channel(int(CHANNEL)) is None  # no GUILDS intent: no GUILD_CREATE
        await tree.sync()
        iid = await fake_discord.push_interaction("news", guild_id=GUILD, permissions="8")
        final = await fake_discord.wait_for_final(iid)
        assert final["embeds"][0]["title"] == "News: all"
        assert final["embeds"][0]["footer"]["text"] == "perms=8"
    finally:
        await client.close()
        await task


def _set_on(event: asyncio.Event, name: str):  # type: ignore[no-untyped-def]
    """A discord.py event handler named `name` that sets `event`."""

    async def handler() -> None:
        event.set()

    handler.__name__ = name
    return handler


def test_embed_limits_name_the_field() -> None:
    embed = {"title": "t" * 257, "fields": [{"name": "n", "value": "v" * 1025}]}
    errors = check_message_limits({"content": "ok", "embeds": [embed]})
    assert errors["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert "value" in errors["embeds"]["0"]["fields"]["0"]
    assert check_message_limits({"embeds": [{"description": "d" * 4096}]}) == {}
    too_big = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    assert "_errors" in check_message_limits({"embeds": too_big})["embeds"]


def test_spec_is_carried_by_the_repository() -> None:
    root = Path(__file__).resolve().parents[1]
    assert default_spec_path().is_relative_to(root) and default_spec_path().is_file()
