"""Unit of work: one transaction, the repositories on its session; commit on success, else roll back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.buttons import ButtonTokenRepository
from storage.feeds import FeedRepository
from storage.outbox import LeaseRepository, OutboxRepository
from storage.repositories import (
    AdminRepository,
    AuditRepository,
    ChatRepository,
    ContentRepository,
    ItemRepository,
)
from storage.subscriptions import SubscriptionRepository


class UnitOfWork:
    session: AsyncSession

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.content = ContentRepository(self.session)
        self.items = ItemRepository(self.session)
        self.chats = ChatRepository(self.session)
        self.admins = AdminRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.feeds = FeedRepository(self.session)
        self.subscriptions = SubscriptionRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.leases = LeaseRepository(self.session)
        self.buttons = ButtonTokenRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()
