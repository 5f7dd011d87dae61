"""Each command's summary (menus, /help's list), help (``/help <command>``) and the
descriptions of its options (Discord's slash commands): part of the catalog
(handlers.catalog). Keys: ``command.<name>.summary``, ``command.<name>.help`` (a command
without a help text shows its summary), ``option.<command>.<option>`` (or a shared
``option.<what>`` for an option several commands take)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "command.start.summary": {"fr": "Présentation du bot", "en": "What this bot does"},
    "command.help.summary": {"fr": "La liste des commandes", "en": "The list of commands"},
    "command.about.summary": {"fr": "L’événement : lieu, dates, chiffres et sources",
                              "en": "The event: place, dates, figures and sources"},
    "command.lang.summary": {"fr": "Changer la langue du bot (fr, en)", "en": "Change the bot's language (fr, en)"},
    "command.agenda.summary": {"fr": "Le programme, par jour ou par thème", "en": "The agenda, by day or topic"},
    "command.agenda.help": {
        "fr": "Le programme de l’Assemblée. Filtrer par jour (25/11, mardi, 2025-11-25) ou par "
        "thème (cybercriminalité, femmes…), ou par mot.",
        "en": "The Assembly's agenda. Filter by day (25/11, Tuesday, 2025-11-25), by topic "
        "(cybercrime, women…) or by word.",
    },
    "command.participants.summary": {"fr": "Qui était là : nom, fonction, pays", "en": "Who attended: name, role, country"},
    "command.resolution.summary": {"fr": "La résolution sur la Convention de l’ONU contre la cybercriminalité",
                                   "en": "The resolution on the UN Convention against Cybercrime"},
    "command.news.summary": {"fr": "Les dernières nouvelles", "en": "The latest news"},
    "command.news.help": {"fr": "Les n dernières nouvelles (10 par défaut, 50 au plus), 5 par page.",
                          "en": "The n latest news items (10 by default, 50 at most), 5 per page."},
    "command.item.summary": {"fr": "Lire une nouvelle en entier", "en": "Read one news item in full"},
    "command.search.summary": {"fr": "Chercher dans les nouvelles", "en": "Search the news"},
    "command.search.help": {"fr": "Recherche sans tenir compte des accents ni des majuscules, en français et en "
                                  "anglais ; les résultats les plus pertinents d’abord.",
                            "en": "Search ignoring accents and case, in French and English; best matches first."},
    "command.subscribe.summary": {"fr": "Recevoir le récapitulatif quotidien et/ou les alertes",
                                  "en": "Get the daily digest and/or alerts"},
    "command.subscribe.help": {"fr": "Sans argument : le récapitulatif chaque jour à 08:00 (heure du chat). "
                                     "« alerts » : une alerte par nouvelle publiée. Les thèmes donnés valent pour "
                                     "ce que vous nommez (sans thème : tous) ; l’autre abonnement garde les siens. "
                                     "Ex. : /subscribe alerts cybercrime, puis /subscribe digest.",
                               "en": "Without arguments: the digest every day at 08:00 (the chat's time). "
                                     "“alerts”: one alert per published item. The topics given are for what you "
                                     "name (no topic: all of them); the other subscription keeps its own. "
                                     "E.g. /subscribe alerts cybercrime, then /subscribe digest."},
    "command.unsubscribe.summary": {"fr": "Arrêter le récapitulatif et/ou les alertes", "en": "Stop the digest and/or alerts"},
    "command.settings.summary": {"fr": "Voir ou changer les réglages du chat", "en": "See or change the chat's settings"},
    "command.digest.summary": {"fr": "Voir maintenant le prochain récapitulatif", "en": "Preview the next digest now"},
    "command.additem.summary": {"fr": "Créer une nouvelle (brouillon)", "en": "Create a news item (draft)"},
    "command.additem.help": {
        "fr": "Crée un brouillon. Première ligne : le titre ; lignes suivantes : le texte. Options sur la "
              "première ligne, après le titre (lang=en topics=cybercrime,governance source=Le Matin "
              "url=https://… at=2025-11-25T10:00) ou en lignes « clé: valeur » juste après le titre ; "
              "une valeur va jusqu’à l’option suivante ou la fin de la ligne (guillemets facultatifs) :\n"
              "/additem Interpol adopte la résolution\ntopics: cybercrime\nsource: Le Matin\n"
              "url: https://lematin.ma/…\nLe texte de la nouvelle…\n"
              "En réponse à un message transféré, son texte devient la nouvelle (1re ligne = titre). "
              "Heure : ISO 8601 (2025-11-25T10:00, heure de l’événement si pas de fuseau) ou HH:MM. "
              "Sur une seule ligne (Discord) : « Titre // texte ». "
              "Titre ≤ {title_max} caractères, texte ≤ {body_max}, source ≤ {name_max}. Puis /publish <n>.",
        "en": "Creates a draft. First line: the title; next lines: the text. Options on the first line, "
              "after the title (lang=en topics=cybercrime,governance source=Le Matin url=https://… "
              "at=2025-11-25T10:00) or as “key: value” lines right after the title; a value runs to "
              "the next option or the end of the line (quotes optional):\n"
              "/additem Interpol adopts the resolution\ntopics: cybercrime\nsource: Le Matin\n"
              "url: https://lematin.ma/…\nThe text of the item…\n"
              "In reply to a forwarded message, its text becomes the item (first line = title). "
              "Time: ISO 8601 (2025-11-25T10:00, event time when no zone is given) or HH:MM. "
              "On one line (Discord): “Title // text”. "
              "Title ≤ {title_max} characters, text ≤ {body_max}, source ≤ {name_max}. Then /publish <n>.",
    },
    "command.edititem.summary": {"fr": "Modifier une nouvelle", "en": "Edit a news item"},
    "command.edititem.help": {"fr": "Modifie un champ. title/body sans suffixe : la langue d’origine ; title.en, "
                                    "body.fr… : une langue précise. topics : clés séparées par des virgules (- pour "
                                    "vider). at : 2025-11-25T10:00 ou 10:00. Une nouvelle déjà publiée est corrigée "
                                    "chez les lecteurs. /undo annule.",
                              "en": "Edits one field. title/body without a suffix: the original language; title.en, "
                                    "body.fr…: one language. topics: comma-separated keys (- to clear). at: "
                                    "2025-11-25T10:00 or 10:00. A published item is corrected for readers too. "
                                    "/undo takes it back."},
    "command.append.summary": {"fr": "Ajouter du texte à la fin d’une nouvelle",
                               "en": "Add text at the end of a news item"},
    "command.append.help": {"fr": "Pour un texte plus long qu’un message (Telegram : 4 096 caractères) : "
                                  "/additem avec le début, puis /append <n> avec la suite, autant de fois "
                                  "qu’il faut (jusqu’à {body_max} caractères en tout). Langue d’origine par "
                                  "défaut ; /append <n> en … pour l’anglais. En réponse à un message : son texte.",
                            "en": "For a text longer than one message (Telegram: 4,096 characters): /additem "
                                  "with the beginning, then /append <n> with the rest, as many times as needed "
                                  "(up to {body_max} characters in all). The original language by default; "
                                  "/append <n> fr … for French. In reply to a message: its text."},
    "command.translate.summary": {"fr": "Ajouter la version dans une autre langue", "en": "Add the other-language version"},
    "command.translate.help": {"fr": "La nouvelle dans l’autre langue : première ligne le titre, ensuite le texte "
                                     "(ou « Titre // texte » sur une ligne, ou en réponse au message qui contient "
                                     "la traduction).",
                               "en": "The item in the other language: first line the title, then the text "
                                     "(or “Title // text” on one line, or in reply to the message holding the "
                                     "translation)."},
    "command.delitem.summary": {"fr": "Supprimer une nouvelle (/undo l’annule)", "en": "Delete a news item (/undo takes it back)"},
    "command.publish.summary": {"fr": "Publier un brouillon (aperçu, puis confirmation)",
                                "en": "Publish a draft (preview, then confirm)"},
    "command.publish.help": {"fr": "Montre la nouvelle telle que les abonnés la verront, avec un bouton de "
                                   "confirmation ; /publish <n> confirm publie et envoie les alertes.",
                             "en": "Shows the item as subscribers will see it, with a confirm button; "
                                   "/publish <n> confirm publishes it and sends the alerts."},
    "command.undo.summary": {"fr": "Annuler ma dernière modification", "en": "Take back my last change"},
    "command.undo.help": {"fr": "Annule exactement votre dernière modification (ajout, modification, "
                                "traduction, publication, suppression) : ses champs et sa langue, rien "
                                "d’autre. /undo encore annule la précédente. Refusé si quelqu’un a modifié "
                                "les mêmes champs depuis.",
                          "en": "Takes back exactly your last change (add, edit, translation, publish, "
                                "delete): its fields and its language, nothing else. /undo again takes "
                                "back the one before. Refused when someone changed the same fields since."},
    "command.revert.summary": {"fr": "Annuler une révision précise", "en": "Take back one revision"},
    "command.revert.help": {"fr": "Annule la révision donnée (numéro de /history ou /audit), de n’importe "
                                  "quand, si ses champs n’ont pas changé depuis.",
                            "en": "Takes back the given revision (its number in /history or /audit), however "
                                  "old, if its fields have not changed since."},
    "command.stillvalid.summary": {"fr": "Confirmer qu’une traduction reste juste",
                                   "en": "Confirm a translation still holds"},
    "command.stillvalid.help": {"fr": "Après une modification dans une langue, les autres sont marquées « à "
                                      "retraduire » ; si leur texte reste juste, /stillvalid item 4 en retire la "
                                      "marque (/undo l’annule).",
                                "en": "After an edit in one language the others are marked as needing "
                                      "translation; if their text still holds, /stillvalid item 4 fr clears the "
                                      "mark (/undo takes it back)."},
    "command.history.summary": {"fr": "Les révisions d’une fiche", "en": "The revisions of one record"},
    "command.admins.summary": {"fr": "Les administrateurs du bot", "en": "The bot's administrators"},
    "command.admin.summary": {"fr": "Ajouter ou retirer un administrateur (propriétaires)",
                              "en": "Add or remove an administrator (owners)"},
    "command.admin.help": {"fr": "Réservé aux propriétaires (configuration). L’identifiant est celui de la "
                                 "plateforme où vous écrivez ; préfixer telegram:, discord: ou console: pour une autre.",
                           "en": "Owners only (configuration). The id is a user id on the platform you write "
                                 "from; prefix telegram:, discord: or console: for another one."},
    "command.audit.summary": {"fr": "Qui a fait quoi (journal)", "en": "Who did what (log)"},
    "command.drafts.summary": {"fr": "Les brouillons à relire (dont ceux des flux)", "en": "Drafts to review (feeds' too)"},
    "command.broadcast.summary": {"fr": "Message à tous les abonnés (avec confirmation)",
                                  "en": "Message to every subscriber (with confirmation)"},
    "command.broadcast.help": {"fr": "Montre le message et le nombre de destinataires ; le bouton de confirmation "
                                     "(/broadcast confirm <n>) le met en file pour tous les abonnés actifs.",
                               "en": "Shows the message and how many chats will get it; the confirm button "
                                     "(/broadcast confirm <n>) queues it for every active subscriber."},
    "command.stats.summary": {"fr": "Abonnés, envois, file d’attente, flux", "en": "Subscribers, deliveries, queue, feeds"},
    "command.addsession.summary": {"fr": "Ajouter une séance au programme", "en": "Add a session to the agenda"},
    "command.addparticipant.summary": {"fr": "Ajouter un participant", "en": "Add a participant"},
    "command.addparticipant.help": {"fr": "Ajoute un participant : le nom, puis les options sur la même ligne ou en lignes "
                                          "« clé: valeur ». Une valeur va jusqu’à l’option suivante ou la fin de la ligne : "
                                          "/addparticipant Jane Doe role=Cheffe de la police country=Kenya cc=KE. "
                                          "cc : code pays ISO 3166-1 à deux lettres.",
                                    "en": "Adds a participant: the name, then the options on the same line or as "
                                          "“key: value” lines. A value runs to the next option or the end of the line: "
                                          "/addparticipant Jane Doe role=Chief of Police country=Kenya cc=KE. "
                                          "cc: two-letter ISO 3166-1 country code."},
    "command.editsession.summary": {"fr": "Modifier une séance", "en": "Edit a session"},
    "command.editsession.help": {
        "fr": "Modifier une séance. Champs : {fields} ; .en/.fr pour une langue ({localized}). "
              "« - » vide un jour ou un thème.",
        "en": "Edit a session. Fields: {fields}; .en/.fr for one language ({localized}). "
              "“-” clears a day or topic."},
    "command.editparticipant.summary": {"fr": "Modifier un participant", "en": "Edit a participant"},
    "command.editparticipant.help": {
        "fr": "Modifier un participant. Champs : {fields} ; .en/.fr pour une langue ({localized}). "
              "« - » vide un jour ou un thème.",
        "en": "Edit a participant. Fields: {fields}; .en/.fr for one language ({localized}). "
              "“-” clears a day or topic."},
    "command.setresolution.summary": {"fr": "Modifier la résolution (texte, statut, date, source)",
                                      "en": "Edit the resolution (text, status, date, source)"},
    "command.setresolution.help": {"fr": "status : adopted ou draft ; date : texte libre (« 27 novembre 2025 ») ; "
                                         "title.en, text.en, date.en pour l’anglais.",
                                   "en": "status: adopted or draft; date: free text (“27 November 2025”); title.fr, "
                                         "text.fr, date.fr for French."},
    # the options of the slash commands (Discord): option.<command>.<option>, or a shared one
    "option.help.command": {"fr": "Une commande", "en": "A command"},
    "option.lang.language": {"fr": "fr ou en", "en": "fr or en"},
    "option.agenda.filter": {"fr": "Jour ou thème", "en": "Day or topic"},
    "option.participants.filter": {"fr": "Nom, fonction ou pays", "en": "Name, role or country"},
    "option.news.count": {"fr": "Combien (1–50)", "en": "How many (1–50)"},
    "option.item.id": {"fr": "Numéro de la nouvelle", "en": "News item number"},
    "option.search.words": {"fr": "Mots à chercher", "en": "Words to look for"},
    "option.subscribe.what": {"fr": "digest, alerts ou both", "en": "digest, alerts or both"},
    "option.subscribe.rest": {"fr": "Heure HH:MM et thèmes", "en": "Time HH:MM and topics"},
    "option.unsubscribe.what": {"fr": "digest, alerts ou all", "en": "digest, alerts or all"},
    "option.settings.setting": {"fr": "Le réglage", "en": "The setting"},
    "option.settings.value": {"fr": "Sa valeur", "en": "Its value"},
    "option.additem.text": {"fr": "Titre, options, puis le texte", "en": "Title, options, then the text"},
    "option.edititem.field": {"fr": "Champ", "en": "Field"},
    "option.edititem.value": {"fr": "Nouvelle valeur", "en": "New value"},
    "option.append.text": {"fr": "Texte à ajouter", "en": "Text to add"},
    "option.translate.lang": {"fr": "Langue", "en": "Language"},
    "option.translate.text": {"fr": "Titre puis texte", "en": "Title then text"},
    "option.publish.confirm": {"fr": "confirm pour publier", "en": "confirm to publish"},
    "option.revert.revision": {"fr": "Numéro de révision", "en": "Revision number"},
    "option.stillvalid.kind": {"fr": "Type", "en": "Kind"},
    "option.stillvalid.id": {"fr": "Numéro", "en": "Number"},
    "option.stillvalid.language": {"fr": "Langue", "en": "Language"},
    "option.history.kind": {"fr": "Type", "en": "Kind"},
    "option.history.id": {"fr": "Numéro", "en": "Number"},
    "option.admin.action": {"fr": "add ou remove", "en": "add or remove"},
    "option.admin.user": {"fr": "Identifiant de l’utilisateur", "en": "User id"},
    "option.audit.count": {"fr": "Combien (1–50)", "en": "How many (1–50)"},
    "option.broadcast.text": {"fr": "Le message", "en": "The message"},
    "option.addsession.text": {"fr": "Titre, options, puis la description", "en": "Title, options, then the description"},
    "option.addparticipant.text": {"fr": "Nom puis options", "en": "Name then options"},
    "option.setresolution.field": {"fr": "Champ", "en": "Field"},
    "option.setresolution.value": {"fr": "Valeur", "en": "Value"},
    "option.item_id": {"fr": "Numéro de la nouvelle", "en": "News item number"},
    "option.edit.ref": {"fr": "Numéro ou clé", "en": "Number or key"},
    "option.edit.field": {"fr": "Champ", "en": "Field"},
    "option.edit.value": {"fr": "Valeur", "en": "Value"},
}
