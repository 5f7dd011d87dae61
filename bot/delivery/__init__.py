"""The outbox worker and its parts (see :mod:`bot.delivery.worker`)."""

from bot.delivery.worker import OutboxWorker

__all__ = ["OutboxWorker"]
