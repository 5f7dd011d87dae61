"""Telegram: the PTB Application run inside our event loop, and the sender used by delivery."""

from __future__ import annotations

from bot.platforms.telegram_send import TelegramSender, translate_error

__all__ = ["TelegramSender", "translate_error"]
