"""The words of the reader's commands (/start, /help, /about, /agenda, /news, /search, /lang …)
and of the error replies: part of the catalog (handlers.catalog)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "source": {"fr": "Source :", "en": "Source:"},
    "sources": {"fr": "Sources :", "en": "Sources:"},
    "error.generic": {
        "fr": "Désolé, une erreur interne est survenue. Réessayez dans un instant.",
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    },
    "error.unknown_command": {
        "fr": "Commande inconnue : /{command}. Tapez /help pour la liste des commandes.",
        "en": "Unknown command: /{command}. Type /help to see the commands.",
    },
    "error.not_a_command": {
        "fr": "Les commandes commencent par « / ». Tapez /help pour la liste, ou /search suivi de mots.",
        "en": "Commands start with “/”. Type /help for the list, or /search followed by words.",
    },
    "error.admin_only": {
        "fr": "La commande /{command} est réservée aux administrateurs du bot.",
        "en": "The /{command} command is for the bot's administrators only.",
    },
    "error.too_long": {
        "fr": "Message trop long : {length} caractères (maximum {limit}). Rien n’a été enregistré.",
        "en": "Message too long: {length} characters (at most {limit}). Nothing was saved.",
    },
    "usage": {"fr": "Utilisation : {usage}", "en": "Usage: {usage}"},
    "page": {"fr": "Page {page}/{pages}", "en": "Page {page}/{pages}"},
    "prev": {"fr": "◀ Précédent", "en": "◀ Previous"},
    "next": {"fr": "Suivant ▶", "en": "Next ▶"},
    "start.title": {"fr": "Bienvenue !", "en": "Welcome!"},
    "start.body": {
        "fr": "Je suis le bot d’actualité de la {event} ({place}). Je réponds sur le programme, "
        "les participants, la résolution sur la Convention de l’ONU contre la cybercriminalité "
        "et les dernières nouvelles, chaque fait avec sa source.",
        "en": "I am the news bot of the {event} ({place}). I answer about the agenda, the "
        "participants, the resolution on the UN Convention against Cybercrime and the latest "
        "news, each fact with its source.",
    },
    "start.try": {"fr": "Pour commencer :", "en": "To get started:"},
    "start.lang": {
        "fr": "Switch to English: /lang en",
        "en": "Passer en français : /lang fr",
    },
    "help.title": {"fr": "Commandes", "en": "Commands"},
    "help.more": {
        "fr": "Détails d’une commande : /help <commande>",
        "en": "Details of a command: /help <command>",
    },
    "help.admin": {"fr": "Administration", "en": "Administration"},
    "help.unknown": {
        "fr": "Pas de commande /{command}. Tapez /help pour la liste.",
        "en": "No /{command} command. Type /help for the list.",
    },
    "about.title": {"fr": "À propos de l’événement", "en": "About the event"},
    "about.where": {"fr": "Lieu : ", "en": "Where: "},
    "about.when": {"fr": "Dates : ", "en": "When: "},
    "about.figures": {"fr": "Chiffres et faits", "en": "Facts and figures"},
    # after a content text shown in another language than the reader's (handlers.common.shown)
    "fallback.fr": {"fr": "(en français)", "en": "(in French)"},
    "fallback.en": {"fr": "(en anglais)", "en": "(in English)"},
    "fallback.es": {"fr": "(en espagnol)", "en": "(in Spanish)"},
    "fallback.ar": {"fr": "(en arabe)", "en": "(in Arabic)"},
    "fallback.other": {"fr": "(langue : {language})", "en": "(language: {language})"},
    "about.disagree": {
        "fr": "Les sources divergent :",
        "en": "The sources disagree:",
    },
    "about.empty": {"fr": "Aucun contenu chargé.", "en": "No content loaded."},
    "dates.or": {"fr": "ou", "en": "or"},
    "dates.disagree": {"fr": " : les sources divergent", "en": ": the sources disagree"},
    "agenda.title": {"fr": "Programme", "en": "Agenda"},
    "agenda.title_for": {"fr": "Programme : {what}", "en": "Agenda: {what}"},
    "agenda.no_day": {"fr": "Jour non précisé", "en": "Day not given"},
    "agenda.none": {
        "fr": "Rien au programme pour « {query} ». Thèmes : {topics}. Jours : {days}.",
        "en": "Nothing on the agenda for “{query}”. Topics: {topics}. Days: {days}.",
    },
    "agenda.day_none": {
        "fr": "Aucune séance datée du {day} dans les sources. Les sources ne donnent pas de "
        "programme jour par jour ; voici les séances sans jour précisé.",
        "en": "No session is dated {day} in the sources. They give no day-by-day schedule; "
        "here are the sessions with no set day.",
    },
    "participants.title": {"fr": "Participants", "en": "Participants"},
    "participants.title_for": {"fr": "Participants : {what}", "en": "Participants: {what}"},
    "participants.spoke": {"fr": "a pris la parole", "en": "spoke"},
    "participants.none": {
        "fr": "Aucun participant ne correspond à « {query} ». Essayez un nom, une fonction ou un pays.",
        "en": "No participant matches “{query}”. Try a name, a role or a country.",
    },
    "resolution.none": {"fr": "Aucune résolution enregistrée.", "en": "No resolution recorded."},
    "resolution.status": {"fr": "Statut : ", "en": "Status: "},
    "resolution.adopted": {"fr": "adoptée", "en": "adopted"},
    "resolution.draft": {"fr": "projet", "en": "draft"},
    "resolution.when": {"fr": "Adoptée ", "en": "Adopted "},
    "resolution.points": {"fr": "Ce que dit la résolution", "en": "What the resolution says"},
    "news.title": {"fr": "Dernières nouvelles", "en": "Latest news"},
    "news.none": {"fr": "Aucune nouvelle publiée pour l’instant.", "en": "No news published yet."},
    "news.more": {"fr": "Lire : /item {id}", "en": "Read: /item {id}"},
    "item.none": {
        "fr": "Aucune nouvelle publiée n’a le numéro {id}. Voir /news pour les numéros.",
        "en": "No published news item has number {id}. See /news for the numbers.",
    },
    "item.bad_id": {
        "fr": "« {value} » n’est pas un numéro de nouvelle.",
        "en": "“{value}” is not a news item number.",
    },
    "item.topics": {"fr": "Thèmes : ", "en": "Topics: "},
    "search.title": {"fr": "Recherche : {query}", "en": "Search: {query}"},
    "search.empty": {
        "fr": "Que cherchez-vous ? Exemple : /search cybercriminalité",
        "en": "What are you looking for? Example: /search cybercrime",
    },
    "search.none": {
        "fr": "Aucun résultat pour « {query} ». Essayez d’autres mots, ou /news.",
        "en": "No results for “{query}”. Try other words, or /news.",
    },
    "search.count": {"fr": "{n} résultat(s)", "en": "{n} result(s)"},
    "search.count_many": {
        "fr": "Plus de {n} résultats, les plus récents d’abord : ajoutez des mots pour affiner.",
        "en": "More than {n} results, most recent first: add words to narrow the search.",
    },
    "lang.set": {"fr": "Langue : français.", "en": "Language: English."},
    "lang.current": {
        "fr": "Langue actuelle : français. Changer : /lang en",
        "en": "Current language: English. Change: /lang fr",
    },
    "lang.bad": {
        "fr": "Langue inconnue « {value} ». Langues disponibles : fr, en.",
        "en": "Unknown language “{value}”. Available: fr, en.",
    },
    "news.bad_count": {
        "fr": "« {value} » n’est pas un nombre entre 1 et {max}.",
        "en": "“{value}” is not a number between 1 and {max}.",
    },
}
