"""Persistence: typed models, repositories, a unit of work, search, migrations and seed data.

Nothing here imports the bot process, the handlers or a chat platform (see the import-linter
contracts in pyproject.toml).
"""
