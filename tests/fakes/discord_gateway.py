"""A minimal Discord gateway (v10, JSON text frames, no compression) over an aiohttp websocket.

It speaks the part of the protocol a discord.py `Client` needs: HELLO, heartbeat ACKs,
IDENTIFY → READY + GUILD_CREATE, RESUME → RESUMED, and dispatching INTERACTION_CREATE.
A wrong token closes the socket with 4004 (Authentication failed), as Discord does.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_model import guild_create_payload

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    9,
    10,
    11,
)
GUILDS_INTENT = 1 << 0


@dataclass
class GatewaySession:
    """One connected, identified client."""

    ws: web.WebSocketResponse
    session_id: str = ""
    seq: int = 0
    intents: int = 0
    identified: bool = False
    heartbeats: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        async with self.lock:
            self.seq += 1
            await self.ws.send_str(
                json.dumps({"op": DISPATCH, "t": event, "s": self.seq, "d": data})
            )


class Gateway:
    """Accepts websocket clients and fans out dispatch events to the identified ones."""

    def __init__(self, fake: FakeDiscord, heartbeat_interval_ms: int = 41250) -> None:
        self.fake = fake
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: list[GatewaySession] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.ready = asyncio.Event()
        self._known_sessions: set[str] = set()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = GatewaySession(ws=ws)
        await ws.send_str(
            json.dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type == WSMsgType.BINARY:
                        self.fake.violations.append(
                            "gateway: binary frame from client (expected JSON text)"
                        )
                    continue
                await self._on_message(session, json.loads(msg.data))
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            if not self.sessions:
                self.ready.clear()
        return ws

    async def _on_message(self, session: GatewaySession, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == HEARTBEAT:
            session.heartbeats += 1
            async with session.lock:
                await session.ws.send_str(json.dumps({"op": HEARTBEAT_ACK}))
        elif op == IDENTIFY:
            await self._identify(session, data or {})
        elif op == RESUME:
            await self._resume(session, data or {})
        elif op in (3, 4, 8):  # presence, voice state, request guild members: accepted silently
            return
        else:
            self.fake.violations.append(f"gateway: unexpected opcode {op!r}")

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if data.get("token") != self.fake.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        if not isinstance(data.get("intents"), int) or "properties" not in data:
            await session.ws.close(code=4002, message=b"Error while decoding payload.")
            return
        session.intents = data["intents"]
        session.session_id = secrets.token_hex(16)
        session.identified = True
        self._known_sessions.add(session.session_id)
        fake = self.fake
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": fake.bot_user.payload(),
                "guilds": [{"id": g.id, "unavailable": True} for g in fake.guilds.values()],
                "session_id": session.session_id,
                "resume_gateway_url": fake.gateway_url,
                "session_type": "normal",
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "application": {"id": fake.application_id, "flags": 0},
                "_trace": ["fake-discord"],
            },
        )
        if session.intents & GUILDS_INTENT:
            for guild in fake.guilds.values():
                channels = [fake.channels[c] for c in guild.channel_ids]
                await session.dispatch(
                    "GUILD_CREATE", guild_create_payload(guild, channels, fake.bot_user)
                )
        self.sessions.append(session)
        self.ready.set()

    async def _resume(self, session: GatewaySession, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        if data.get("token") != self.fake.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("session_id") not in self._known_sessions:
            async with session.lock:
                await session.ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return
        session.session_id = data["session_id"]
        session.seq = int(data.get("seq") or 0)
        session.identified = True
        await session.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        self.sessions.append(session)
        self.ready.set()

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send an event to every identified session; returns how many received it."""
        sessions = list(self.sessions)
        for session in sessions:
            await session.dispatch(event, data)
        return len(sessions)

    async def close_all(self, code: int = 1001) -> None:
        for session in list(self.sessions):
            self.sessions.remove(session)
            await session.ws.close(code=code)
        if not self.sessions:
            self.ready.clear()
