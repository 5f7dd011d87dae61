r"""The console chat: a REPL in the terminal, and the one-shot `ask` used by scripts and tests.

Buttons are shown numbered; typing the number presses the button. A line ending with ``\``
continues on the next line (multi-line admin commands such as /additem). End of input (Ctrl-D
or a closed pipe) ends the chat cleanly.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.app import App
from bot.platforms.base import About, Pace, offer_sender, withdraw_sender
from bot.platforms.console.render import render
from handlers import Reply, Request
from handlers.parse import parse_command
from handlers.reply import Button

CHAT_ID = "console"


class ConsoleSender:
    """Digests, alerts and broadcasts for the console chat, printed in the terminal.

    With it, `make run` shows the whole flow without a platform token: /subscribe alerts,
    then /publish an item, and the alert appears in the chat.
    """

    platform = "console"

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply, *, nonce: str = "",
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        """Print the reply as one message (nothing to split, pace or resume: the options
        are ignored)."""
        self.sent += 1
        kind = nonce.split(":", 1)[0] or "message"
        self.stdout.write(f"\n[{kind} #{self.sent}]\n{render(reply)}\n\n")
        self.stdout.flush()
        return [f"console-{self.sent}"]

    async def edit(self, chat_id: str, message_ids: list[str], reply: Reply) -> bool:
        return False  # printed text cannot be changed: the worker sends the correction notice


class ConsoleChat:
    """The console's Component: while it runs, digests and alerts of the console chat are
    printed in it (its :class:`ConsoleSender` is offered to the outbox worker). The chat
    itself is :func:`repl`, run by ``python -m bot run`` on top of it."""

    name = "console"

    def __init__(self, app: App, stdout: TextIO | None = None) -> None:
        self.app = app
        self.sender = ConsoleSender(stdout if stdout is not None else sys.stdout)

    async def start(self) -> None:
        offer_sender(self.app, self.sender)

    async def stop(self) -> None:
        withdraw_sender(self.app, self.sender)


def make_request(app: App, text: str, *, chat_id: str = CHAT_ID, lang: str | None = None,
                 page: int = 1, forced: bool = False) -> Request:
    command, args = parse_command(text)
    return Request(
        platform="console", chat_id=chat_id, user_id=app.settings.console.user_id,
        command=command, args=args, chat_kind="private", user_name="console",
        user_language=lang, forced_language=lang if forced else None, page=page,
    )


async def ask(app: App, text: str, lang: str | None = None) -> str:
    reply = await app.handle(make_request(app, text, chat_id="ask", lang=lang, forced=lang is not None))
    return render(reply)


async def repl(app: App, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    interactive = stdin.isatty()
    if interactive:
        print("Assembly news bot — console chat. Type /help (or /start); Ctrl-D quits.", file=stdout)
    buttons: tuple[Button, ...] = ()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:  # end of input
            if interactive:
                stdout.write("\n")
            return 0
        # A line ending with a backslash continues on the next one, for multi-line commands
        # such as /additem (title on the first line, text below).
        while line.rstrip("\r\n").endswith("\\"):
            more = await asyncio.to_thread(stdin.readline)
            line = line.rstrip("\r\n")[:-1] + "\n" + more
            if not more:
                break
        text = line.strip()
        if not text:
            continue
        if text.isascii() and text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
            b = buttons[int(text) - 1]
            request = make_request(app, f"/{b.command} {b.args}", page=b.page)
        else:
            request = make_request(app, text)
        reply: Reply = await app.handle(request)
        buttons = reply.buttons
        stdout.write(render(reply) + "\n\n")
        stdout.flush()
