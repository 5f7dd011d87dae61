"""What the process itself says: owner alerts about the platforms (bot/owner_alerts.py)
and the words of a platform's own replies (stale buttons, ...)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "alert.failing": {
        "fr": "⚠️ {platform} ne fonctionne pas : {error}. Le bot réessaie de lui-même.",
        "en": "⚠️ {platform} is not working: {error}. The bot keeps retrying by itself.",
    },
    "alert.degraded": {
        "fr": "⚠️ {platform} fonctionne en partie : {error}. Le bot réessaie de lui-même.",
        "en": "⚠️ {platform} works only in part: {error}. The bot keeps retrying by itself.",
    },
    "alert.stopped": {
        "fr": "⛔ {platform} est arrêté : {error}.",
        "en": "⛔ {platform} has stopped: {error}.",
    },
    "alert.recovered": {
        "fr": "✅ {platform} fonctionne de nouveau.",
        "en": "✅ {platform} works again.",
    },

    "telegram.stale_button": {
        "fr": "Ce bouton n’est plus valable. Relancez la commande, par exemple /news.",
        "en": "This button has expired. Please run the command again, e.g. /news.",
    },
}
