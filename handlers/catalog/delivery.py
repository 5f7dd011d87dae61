"""What subscribers receive: digests and alerts (handlers/fanout/compose.py)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "digest.title": {"fr": "Votre récapitulatif — {day}", "en": "Your digest — {day}"},
    "digest.count": {"fr": "{n} nouvelle(s) depuis le {since}.",
                     "en": "{n} new item(s) since {since}."},
    "digest.empty": {"fr": "Rien de nouveau depuis le {since}.",
                     "en": "Nothing new since {since}."},
    "digest.other": {"fr": "Autres", "en": "Other"},
    "digest.more": {"fr": "… et {n} de plus : /news", "en": "… and {n} more: /news"},
    "digest.footer": {"fr": "Lire une nouvelle : /item <numéro> · Réglages : /settings",
                      "en": "Read an item: /item <number> · Settings: /settings"},
    "alert.footer": {"fr": "Alerte de votre abonnement · Arrêter : /unsubscribe alerts",
                     "en": "Alert from your subscription · Stop: /unsubscribe alerts"},
}
