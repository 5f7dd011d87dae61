"""The bot process: configuration, CLI, platform adapters, scheduler and delivery."""
