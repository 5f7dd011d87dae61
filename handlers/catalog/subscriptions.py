"""The words of the subscription commands (/subscribe, /unsubscribe, /settings): part of the
catalog (handlers.catalog)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "sub.group_admins_only": {
        "fr": "Dans un groupe, seuls ses administrateurs peuvent changer l’abonnement.",
        "en": "In a group, only its administrators can change the subscription.",
    },
    "sub.bad_arg": {
        "fr": "Je ne comprends pas « {value} ». Attendu : digest, alerts ou both, une heure "
              "HH:MM, ou des thèmes parmi : {topics}.",
        "en": "I don't understand “{value}”. Expected: digest, alerts or both, a time HH:MM, "
              "or topics among: {topics}.",
    },
    "sub.bad_kind": {
        "fr": "« {value} » : choisissez digest, alerts ou all.",
        "en": "“{value}”: choose digest, alerts or all.",
    },
    "sub.bad_time": {
        "fr": "« {value} » n’est pas une heure. Exemple : 07:30.",
        "en": "“{value}” is not a time of day. Example: 07:30.",
    },
    "sub.bad_tz": {
        "fr": "Fuseau horaire inconnu « {value} ». Exemples : Europe/Paris, Africa/Casablanca, "
              "America/New_York.",
        "en": "Unknown time zone “{value}”. Examples: Europe/Paris, Africa/Casablanca, "
              "America/New_York.",
    },
    "sub.bad_quiet": {
        "fr": "« {value} » : indiquez une plage HH:MM-HH:MM (ex. 22:00-07:00) ou off.",
        "en": "“{value}”: give a range HH:MM-HH:MM (e.g. 22:00-07:00) or off.",
    },
    "sub.bad_onoff": {"fr": "« {value} » : on ou off.", "en": "“{value}”: on or off."},
    "sub.bad_setting": {
        "fr": "Réglage inconnu « {value} ». Réglages : time, tz, lang, topics, quiet, empty.",
        "en": "Unknown setting “{value}”. Settings: time, tz, lang, topics, quiet, empty.",
    },
    "sub.missing_topics": {
        "fr": "Quels thèmes pour « {kind} » ? Ex. : /settings topics {kind} cybercrime, ou all.",
        "en": "Which topics for “{kind}”? E.g. /settings topics {kind} cybercrime, or all.",
    },
    "sub.missing_value": {
        "fr": "Il manque la valeur du réglage « {name} ».",
        "en": "The “{name}” setting needs a value.",
    },
    "sub.quiet_released": {
        "fr": "{n} alerte(s) retenue(s) par les heures calmes libérée(s) : elles partent maintenant.",
        "en": "{n} alert(s) held by quiet hours released: they go out now.",
    },
    "sub.quiet_retimed": {
        "fr": "{n} alerte(s) retenue(s) par les heures calmes partiront le {at}.",
        "en": "{n} alert(s) held by quiet hours will now go out at {at}.",
    },
    "sub.quiet_none_held": {
        "fr": "Aucune alerte n’était retenue par les heures calmes.",
        "en": "No alert was held by quiet hours.",
    },
    "sub.subscribed": {"fr": "Abonnement enregistré.", "en": "Subscription saved."},
    "sub.unsubscribed": {
        "fr": "Désabonnement fait. Vos réglages sont gardés ; /subscribe pour revenir.",
        "en": "Unsubscribed. Your settings are kept; /subscribe to come back.",
    },
    "sub.not_subscribed": {
        "fr": "Ce chat n’est abonné à rien. /subscribe pour recevoir le récapitulatif.",
        "en": "This chat has no subscription. /subscribe to get the daily digest.",
    },
    "sub.saved": {"fr": "Réglage enregistré.", "en": "Setting saved."},
    "settings.title": {"fr": "Réglages de ce chat", "en": "This chat's settings"},
    "settings.digest": {"fr": "Récapitulatif quotidien : ", "en": "Daily digest: "},
    "settings.alerts": {"fr": "Alertes : ", "en": "Alerts: "},
    "settings.on_at": {"fr": "oui, à {time} ({tz})", "en": "on, at {time} ({tz})"},
    "settings.on": {"fr": "oui", "en": "on"},
    "settings.off": {"fr": "non", "en": "off"},
    "settings.next": {"fr": "Prochain récapitulatif : ", "en": "Next digest: "},
    "settings.digest_topics": {"fr": "Thèmes du récapitulatif : ", "en": "Digest topics: "},
    "settings.alerts_topics": {"fr": "Thèmes des alertes : ", "en": "Alert topics: "},
    "settings.all_topics": {"fr": "tous", "en": "all"},
    "settings.digest_thread": {"fr": "Récapitulatif publié dans : ", "en": "Digest posted in: "},
    "settings.alerts_thread": {"fr": "Alertes publiées dans : ", "en": "Alerts posted in: "},
    "settings.thread": {"fr": "le sujet n° {id} du forum", "en": "forum topic #{id}"},
    "settings.quiet": {"fr": "Heures calmes : ", "en": "Quiet hours: "},
    "settings.empty": {"fr": "Récapitulatif même vide : ", "en": "Digest even when empty: "},
    "settings.language": {"fr": "Langue : ", "en": "Language: "},
    "settings.change": {
        "fr": "Changer : /settings time 07:30 · tz Europe/Paris · lang en · "
              "topics alertes cybercrime · topics récap tous · quiet 22:00-07:00 · empty on",
        "en": "Change: /settings time 07:30 · tz Europe/Paris · lang fr · "
              "topics alerts cybercrime · topics digest all · quiet 22:00-07:00 · empty on",
    },
}
