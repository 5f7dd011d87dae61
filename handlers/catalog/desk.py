"""The news desk's words (admin commands): part of the catalog (handlers.catalog)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "admin.bad_id": {"fr": "« {value} » n’est pas un numéro ({what}).",
                     "en": "“{value}” is not a number ({what})."},
    "admin.empty": {"fr": "Le champ {field} est vide.", "en": "The {field} field is empty."},
    "admin.too_long": {"fr": "Le champ {field} est trop long : {length} caractères (maximum {limit}).",
                       "en": "The {field} field is too long: {length} characters (at most {limit})."},
    "admin.title_one_line": {"fr": "Le titre doit tenir sur une ligne.",
                             "en": "The title must fit on one line."},
    "admin.bad_lang": {"fr": "Langue inconnue « {value} ». Langues : {langs}.",
                       "en": "Unknown language “{value}”. Languages: {langs}."},
    "admin.bad_url": {"fr": "« {value} » n’est pas une adresse http:// ou https:// valide.",
                      "en": "“{value}” is not a valid http:// or https:// address."},
    "admin.bad_topic": {"fr": "Thème inconnu « {value} ». Thèmes : {topics}.",
                        "en": "Unknown topic “{value}”. Topics: {topics}."},
    "admin.bad_time": {
        "fr": "Heure invalide « {value} ». Écrire 2025-11-25T10:00 (heure de {tz}), "
              "2025-11-25T10:00+01:00 ou 10:00 (aujourd’hui).",
        "en": "Invalid time “{value}”. Write 2025-11-25T10:00 ({tz} time), "
              "2025-11-25T10:00+01:00 or 10:00 (today)."},
    "admin.bad_day": {"fr": "Date invalide « {value} ». Écrire 2025-11-25.",
                      "en": "Invalid date “{value}”. Write 2025-11-25."},
    "admin.bad_bool": {"fr": "« {value} » : répondre oui ou non.", "en": "“{value}”: answer yes or no."},
    "admin.bad_field": {"fr": "Champ inconnu « {value} ». Champs : {fields}.",
                        "en": "Unknown field “{value}”. Fields: {fields}."},
    "admin.missing": {"fr": "Il manque des arguments.", "en": "Some arguments are missing."},
    "admin.bad_option": {
        "fr": "Option inconnue « {value}= ». Options : {options}. Une valeur qui contient « = » "
              "s’écrit entre guillemets.",
        "en": "Unknown option “{value}=”. Options: {options}. Put a value containing “=” in quotes."},
    "admin.option_twice": {"fr": "L’option {option} est donnée deux fois : n’en garder qu’une.",
                           "en": "The {option} option is given twice: keep only one."},
    "admin.option_empty": {
        "fr": "L’option {option} n’a pas de valeur : écrire {option}= suivi de la valeur, ou l’enlever.",
        "en": "The {option} option has no value: write {option}= followed by the value, or leave it out."},
    "admin.option_stray": {
        "fr": "« {value} » suit la valeur entre guillemets de {option} : une valeur entre guillemets "
              "s’arrête au guillemet fermant (sans guillemets, elle va jusqu’à l’option suivante), "
              "et le titre vient avant les options.",
        "en": "“{value}” follows the quoted value of {option}: a quoted value ends at its closing "
              "quote (unquoted, it runs to the next option), and the title comes before the options."},
    "admin.option_unclosed": {
        "fr": "La valeur de {option} ouvre un guillemet {quote} qui n’est pas fermé sur la ligne : "
              "le fermer, ou écrire la valeur sans guillemets (elle va jusqu’à l’option suivante).",
        "en": "The value of {option} opens a {quote} quote that is not closed on its line: close "
              "it, or write the value without quotes (it runs to the next option)."},
    "admin.extra_text": {
        "fr": "Texte en trop : « {value} ». Après le nom, seulement des options : clé=valeur, ou une "
              "ligne « clé: valeur » par option.",
        "en": "Unexpected text: “{value}”. After the name, only options: key=value, or one "
              "“key: value” line each."},
    "admin.owner_only": {"fr": "La commande /{command} est réservée aux propriétaires du bot.",
                         "en": "The /{command} command is for the bot's owners only."},
    "admins.title": {"fr": "Administrateurs", "en": "Administrators"},
    "admins.owners": {"fr": "Propriétaires (configuration) : ", "en": "Owners (configuration): "},
    "admins.none": {"fr": "Aucun administrateur ajouté.", "en": "No administrator added."},
    "admins.added": {"fr": "{user} ({platform}) est maintenant administrateur.",
                     "en": "{user} ({platform}) is now an administrator."},
    "admins.already": {"fr": "{user} ({platform}) est déjà administrateur.",
                       "en": "{user} ({platform}) is already an administrator."},
    "admins.removed": {"fr": "{user} ({platform}) n’est plus administrateur.",
                       "en": "{user} ({platform}) is no longer an administrator."},
    "admins.not_found": {"fr": "{user} ({platform}) n’est pas administrateur.",
                         "en": "{user} ({platform}) is not an administrator."},
    "admins.owner": {"fr": "{user} est propriétaire (configuration) : rien à changer ici.",
                     "en": "{user} is an owner (configuration): nothing to change here."},
    "admins.bad_user": {"fr": "« {value} » n’est pas un identifiant d’utilisateur.",
                        "en": "“{value}” is not a user id."},
    "item.admin_none": {"fr": "Aucune nouvelle n’a le numéro {id}.", "en": "No news item has number {id}."},
    "item.deleted": {"fr": "La nouvelle #{id} est supprimée (/undo pour revenir en arrière).",
                     "en": "News item #{id} is deleted (/undo to take it back)."},
    "item.draft_created": {"fr": "Brouillon #{id} créé. Aperçu :", "en": "Draft #{id} created. Preview:"},
    "item.updated": {"fr": "Nouvelle #{id} modifiée ({field}).", "en": "News item #{id} updated ({field})."},
    "item.translated": {"fr": "Nouvelle #{id} : version {language} enregistrée.",
                        "en": "News item #{id}: {language} version saved."},
    "item.deleted_ok": {"fr": "Nouvelle #{id} supprimée. /undo pour l’annuler.",
                        "en": "News item #{id} deleted. /undo to take it back."},
    "item.status": {"fr": "#{id} · {status} · langues : {langs}", "en": "#{id} · {status} · languages: {langs}"},
    "item.status.draft": {"fr": "brouillon", "en": "draft"},
    "item.status.published": {"fr": "publiée", "en": "published"},
    "item.missing_lang": {"fr": "Pas encore de version {language} : /translate {id} {language}",
                          "en": "No {language} version yet: /translate {id} {language}"},
    "item.hint": {"fr": "Modifier : /edititem {id} <champ> <valeur> · Publier : /publish {id}",
                  "en": "Edit: /edititem {id} <field> <value> · Publish: /publish {id}"},
    "item.hint_published": {"fr": "Modifier : /edititem {id} <champ> <valeur> · Annuler : /undo",
                             "en": "Edit: /edititem {id} <field> <value> · Take back: /undo"},
    "item.corrections": {
        "fr": "Lecteurs déjà servis : {edits} message(s) corrigé(s) sur place, {notices} avis de correction.",
        "en": "Readers already served: {edits} message(s) edited in place, {notices} correction notice(s)."},
    "publish.preview": {"fr": "Aperçu : voici ce que verront les abonnés.",
                        "en": "Preview: this is what subscribers will see."},
    "publish.button": {"fr": "Publier…", "en": "Publish…"},
    "publish.confirm": {"fr": "Confirmer la publication", "en": "Confirm publication"},
    "publish.already": {"fr": "La nouvelle #{id} est déjà publiée.", "en": "News item #{id} is already published."},
    "publish.done": {"fr": "Nouvelle #{id} publiée. Alertes en file : {alerts}, dont {held} "
                           "retenue(s) par les heures calmes des abonnés.",
                     "en": "News item #{id} published. Alerts queued: {alerts}, {held} of them "
                           "held by the subscribers' quiet hours."},
    "publish.no_publisher": {"fr": "Nouvelle #{id} publiée (pas d’alertes : la diffusion n’est pas active).",
                             "en": "News item #{id} published (no alerts: delivery is not running)."},
    "publish.bad_word": {"fr": "Écrire /publish {id} confirm pour confirmer.",
                         "en": "Write /publish {id} confirm to confirm."},
    "undo.nothing": {"fr": "Rien à annuler : aucune modification de votre part depuis {minutes} min.",
                     "en": "Nothing to undo: no change of yours in the last {minutes} min."},
    "correction.label": {"fr": "Correction", "en": "Correction"},
    "correction.notice": {"fr": "La nouvelle #{id} « {title} » a été corrigée. Lire : /item {id}",
                          "en": "News item #{id} “{title}” was corrected. Read: /item {id}"},
    "correction.updated": {"fr": "(mise à jour)", "en": "(updated)"},
    "retraction.label": {"fr": "Retrait", "en": "Withdrawn"},
    "retraction.notice": {"fr": "La nouvelle #{id} « {title} » a été retirée par la rédaction.",
                          "en": "News item #{id} “{title}” was withdrawn by the editors."},
    "item.withdrawn": {
        "fr": "Lecteurs : {held} alerte(s) en attente annulée(s), {edits} message(s) remplacé(s) "
              "par un avis de retrait, {notices} avis de retrait envoyé(s).",
        "en": "Readers: {held} pending alert(s) cancelled, {edits} message(s) replaced by a "
              "withdrawal notice, {notices} withdrawal notice(s) sent."},
    "restoration.label": {"fr": "Rétablie", "en": "Back"},
    "restoration.notice": {"fr": "La nouvelle #{id} « {title} » est de nouveau publiée. Lire : /item {id}",
                           "en": "News item #{id} “{title}” is published again. Read: /item {id}"},
    "item.restored_copies": {
        "fr": "Lecteurs : {edits} message(s) rétabli(s) sur place, {notices} avis de retour envoyé(s).",
        "en": "Readers: {edits} message(s) restored in place, {notices} notice(s) that it is back sent."},
    "item.restored_alerts": {
        "fr": "{count} alerte(s) annulée(s) par la suppression remise(s) en file.",
        "en": "{count} alert(s) cancelled by the delete queued again."},
    "audit.title": {"fr": "Journal des modifications", "en": "Change log"},
    "audit.none": {"fr": "Aucune modification enregistrée.", "en": "No change recorded."},
    "audit.bad_count": {"fr": "« {value} » n’est pas un nombre entre 1 et {max}.",
                        "en": "“{value}” is not a number between 1 and {max}."},

    "broadcast.heading": {"fr": "Message de la rédaction", "en": "From the news desk"},
    "broadcast.preview": {"fr": "Aperçu — ce message partira vers {n} discussion(s) abonnée(s) :",
                          "en": "Preview — this message will go to {n} subscribed chat(s):"},
    "broadcast.confirm": {"fr": "Envoyer à tous", "en": "Send to everyone"},
    "broadcast.queued": {"fr": "Message mis en file pour {n} discussion(s).",
                         "en": "Message queued for {n} chat(s)."},
    "broadcast.no_draft": {
        "fr": "Aucun message en attente de confirmation (il expire au bout d’une heure) : renvoyez /broadcast <texte>.",
        "en": "No message waiting for confirmation (it expires after an hour): send /broadcast <text> again."},
    "stats.title": {"fr": "Statistiques", "en": "Statistics"},
    "stats.subscribers": {"fr": "Abonnés actifs", "en": "Active subscribers"},
    "stats.sub_row": {"fr": "{n} (résumé : {digest}, alertes : {alerts})",
                      "en": "{n} (digest: {digest}, alerts: {alerts})"},
    "stats.delivery": {"fr": "Envois (24 h) : ", "en": "Deliveries (24 h): "},
    "stats.delivery_row": {
        "fr": "{sent} envoyé(s), {failed} échec(s) ; file : {pending} en attente dont {retrying} en nouvel essai.",
        "en": "{sent} sent, {failed} failed; queue: {pending} pending, {retrying} of them retrying."},
    "stats.uncertain": {"fr": "Sans réponse à temps (24 h) : ", "en": "No answer in time (24 h): "},
    "stats.uncertain_row": {
        "fr": "{sent} envoyé(s) à nouveau puis confirmé(s) (peut-être reçu(s) deux fois), "
              "{waiting} en attente d’un nouvel essai, {dead} abandonné(s) (incertain : "
              "peut-être reçu(s), peut-être pas).",
        "en": "{sent} sent again and confirmed (the chat may have it twice), {waiting} waiting "
              "to be sent again, {dead} given up (uncertain: it may have arrived, or not)."},
    "stats.feeds": {"fr": "Flux", "en": "Feeds"},
    "stats.no_feeds": {"fr": "Aucun flux interrogé.", "en": "No feed polled yet."},
    "stats.feed_ok": {"fr": "dernier succès : {when}", "en": "last success: {when}"},
    "stats.feed_failing": {"fr": "{n} échec(s) de suite, dernier : {error} ({when})",
                           "en": "{n} failure(s) in a row, last: {error} ({when})"},
    "stats.feed_next": {"fr": "prochain essai : {when}", "en": "next try: {when}"},

    "program.bad_cc": {"fr": "« {value} » n’est pas un code pays ISO 3166-1 à deux lettres (MA, FR, KE…).",
                       "en": "“{value}” is not a two-letter ISO 3166-1 country code (MA, FR, KE…)."},
    "program.bad_status": {"fr": "Statut inconnu « {value} ». Statuts : {statuses}.",
                           "en": "Unknown status “{value}”. Statuses: {statuses}."},
    "program.not_found": {"fr": "Rien ne correspond à « {ref} » ({what}) : donner le numéro ou la clé.",
                          "en": "Nothing matches “{ref}” ({what}): give the number or the key."},
    "program.updated": {"fr": "Modifié : {label} (#{id}, {ref}).", "en": "Updated: {label} (#{id}, {ref})."},
    "program.session_added": {"fr": "Séance ajoutée : {label} (#{id}, clé {ref}). Voir /agenda.",
                              "en": "Session added: {label} (#{id}, key {ref}). See /agenda."},
    "program.participant_added": {"fr": "Participant ajouté : {label} (#{id}, clé {ref}). Voir /participants.",
                                  "en": "Participant added: {label} (#{id}, key {ref}). See /participants."},

    "undo.done": {"fr": "Annulé (révision #{rev}) : {what}.", "en": "Undone (revision #{rev}): {what}."},
    "revert.done": {"fr": "Révision #{rev} annulée : {what}.", "en": "Revision #{rev} taken back: {what}."},
    "publish.changed": {
        "fr": "La nouvelle #{id} a changé depuis votre aperçu (révision #{rev}) : la voici telle "
              "qu’elle est maintenant. Confirmer à nouveau pour la publier.",
        "en": "News item #{id} changed since your preview (revision #{rev}): here it is as it "
              "now stands. Confirm again to publish it."},
    "preview.no_text": {"fr": "Pas de texte : les lecteurs ne verront que le titre.",
                        "en": "No text: readers will see the title only."},
    "preview.no_source": {"fr": "Pas de source : ajouter source=… ou url=… (/edititem).",
                          "en": "No source: add source=… or url=… (/edititem)."},
    "item.appended": {"fr": "Nouvelle #{id} : texte ({language}) complété, {length} caractères sur {max}.",
                      "en": "News item #{id}: text ({language}) extended, {length} of {max} characters."},
    "program.day_outside": {
        "fr": "Le {day} tombe en dehors de l’événement (du {start} au {end}). Si c’est voulu, "
              "écrire la date suivie d’un point d’exclamation : {value}",
        "en": "{day} is outside the event ({start} to {end}). If that is what you mean, write "
              "the date followed by an exclamation mark: {value}"},
    "ops.label": {"fr": "Exploitation", "en": "Operations"},
    "ops.feed_failing": {
        "fr": "Le flux « {feed} » échoue depuis {count} relevés de suite (dernière erreur : {error}). Voir /stats.",
        "en": "Feed “{feed}” has failed {count} polls in a row (last error: {error}). See /stats."},
    "ops.dead_letters": {
        "fr": "{count} message(s) n’ont pas pu être envoyés et sont abandonnés. Voir /stats.",
        "en": "{count} message(s) could not be sent and were given up. See /stats."},
    "ops.lease_moved": {
        "fr": "L’envoi des récaps et alertes est maintenant assuré par {owner} (avant : {previous}).",
        "en": "Digests and alerts are now sent by {owner} (before: {previous})."},
    "ops.unwritable": {
        "fr": "La base de données n’accepte plus d’écriture ({error}) : commandes de la rédaction, "
              "abonnements et envois sont bloqués.",
        "en": "The database no longer accepts writes ({error}): desk commands, subscriptions "
              "and deliveries are blocked."},
    "edit.field": {"fr": "Champ modifié : {field}.", "en": "Field changed: {field}."},
    "stale.admin": {
        "fr": "À retraduire en {language} : {fields}. /translate, /edit… .{language}, ou "
              "/stillvalid {kind} {id} {language} si le texte reste juste.",
        "en": "Needs translation into {language}: {fields}. /translate, /edit… .{language}, or "
              "/stillvalid {kind} {id} {language} if the text still holds."},
    "drafts.stale": {"fr": "à retraduire : {languages}", "en": "needs translation: {languages}"},
    "revision.stale_on": {"fr": "{field} : à retraduire", "en": "{field}: needs translation"},
    "revision.stale_off": {"fr": "{field} : à jour", "en": "{field}: current"},
    "stale.reader": {"fr": "(Traduction en cours de mise à jour.)",
                     "en": "(Translation being updated.)"},
    "stale.cleared": {"fr": "Textes en {language} confirmés à jour ({object}).",
                      "en": "{language} texts confirmed current ({object})."},
    "stale.none": {"fr": "Rien à retraduire en {language} ({object}).",
                   "en": "Nothing to translate into {language} ({object})."},
    "revert.already": {"fr": "La révision #{rev} est déjà annulée (par #{by}).",
                       "en": "Revision #{rev} is already taken back (by #{by})."},
    "undo.not_content": {"fr": "La révision #{rev} n’est pas une modification du contenu : rien à annuler.",
                         "en": "Revision #{rev} is not a change to content: nothing to take back."},
    "undo.gone_object": {"fr": "La fiche {object} n’existe plus : rien à annuler.",
                         "en": "{object} no longer exists: nothing to take back."},
    "undo.conflict": {
        "fr": "Non annulé : {fields} ({object}) ont changé depuis la révision #{rev}. "
              "Voir /history, puis /revert la révision plus récente d’abord.",
        "en": "Not undone: {fields} of {object} changed since revision #{rev}. "
              "See /history, then /revert the newer revision first."},
    "undo.later_change": {
        "fr": "Non annulé : la fiche {object} a changé depuis (révision #{later}). Annuler d’abord celle-là.",
        "en": "Not undone: {object} changed since (revision #{later}). Take that one back first."},
    "history.title": {"fr": "Révisions — {object}", "en": "Revisions — {object}"},
    "history.none": {"fr": "Aucune révision pour la fiche {object}.", "en": "No revision of {object}."},
    "history.hint": {"fr": "Annuler une révision : /revert <numéro>",
                     "en": "Take one back: /revert <number>"},
    "history.bad_kind": {"fr": "Type inconnu « {value} ». Types : {kinds}.",
                         "en": "Unknown kind “{value}”. Kinds: {kinds}."},
    "revision.undone_by": {"fr": "(annulée par #{rev})", "en": "(taken back by #{rev})"},
    "revision.kind.item": {"fr": "nouvelle #{id}", "en": "news item #{id}"},
    "revision.kind.session": {"fr": "séance #{id}", "en": "session #{id}"},
    "revision.kind.participant": {"fr": "participant #{id}", "en": "participant #{id}"},
    "revision.kind.resolution": {"fr": "résolution #{id}", "en": "resolution #{id}"},
    "revision.kind.fact": {"fr": "fait #{id}", "en": "fact #{id}"},
    "revision.kind.source": {"fr": "source #{id}", "en": "source #{id}"},
    "revision.action.item.add": {"fr": "ajout ({object})", "en": "{object} added"},
    "revision.action.item.edit": {"fr": "modification ({object})", "en": "edit of {object}"},
    "revision.action.item.translate": {"fr": "traduction ({object})", "en": "translation of {object}"},
    "revision.action.item.publish": {"fr": "publication ({object})", "en": "{object} published"},
    "revision.action.item.delete": {"fr": "suppression ({object})", "en": "{object} deleted"},
    "revision.action.session.add": {"fr": "ajout ({object})", "en": "{object} added"},
    "revision.action.session.edit": {"fr": "modification ({object})", "en": "edit of {object}"},
    "revision.action.participant.add": {"fr": "ajout ({object})", "en": "{object} added"},
    "revision.action.participant.edit": {"fr": "modification ({object})", "en": "edit of {object}"},
    "revision.action.resolution.edit": {"fr": "modification ({object})", "en": "edit of {object}"},
    "revision.action.source.add": {"fr": "ajout ({object})", "en": "{object} added"},
    "revision.action.undo": {"fr": "annulation de la révision #{rev} ({object})",
                             "en": "undo of revision #{rev} ({object})"},
    "revision.action.revert": {"fr": "retour sur la révision #{rev} ({object})",
                               "en": "revert of revision #{rev} ({object})"},
    "revision.field.source_id": {"fr": "source", "en": "source"},
    "revision.field.published_at": {"fr": "date de publication", "en": "publication time"},
    "revision.field.deleted_at": {"fr": "suppression", "en": "deletion"},
    "revision.field.status": {"fr": "statut", "en": "status"},
    "revision.field.topics": {"fr": "thèmes", "en": "topics"},
    "revision.field.title": {"fr": "titre", "en": "title"},
    "revision.field.body": {"fr": "texte", "en": "text"},
    "revision.field.name": {"fr": "nom", "en": "name"},
    "revision.field.role": {"fr": "fonction", "en": "role"},
    "revision.field.organisation": {"fr": "organisation", "en": "organisation"},
    "revision.field.country": {"fr": "pays", "en": "country"},
    "revision.field.country_code": {"fr": "code pays", "en": "country code"},
    "revision.field.spoke": {"fr": "a pris la parole", "en": "spoke"},
    "revision.field.day": {"fr": "jour", "en": "day"},
    "revision.field.topic": {"fr": "thème", "en": "topic"},
    "revision.field.description": {"fr": "description", "en": "description"},
    "revision.field.summary": {"fr": "texte", "en": "text"},
    "revision.field.adopted": {"fr": "date d’adoption", "en": "adoption date"},
    "revision.published": {"fr": "publiée", "en": "published"},
    "revision.withdrawn": {"fr": "retirée (redevenue brouillon)", "en": "withdrawn (back to draft)"},
    "revision.deleted": {"fr": "supprimée", "en": "deleted"},
    "revision.restored": {"fr": "rétablie", "en": "restored"},
    "revision.status": {"fr": "statut : {status}", "en": "status: {status}"},
    "revision.yes": {"fr": "oui", "en": "yes"},
    "revision.no": {"fr": "non", "en": "no"},

    "drafts.title": {"fr": "Brouillons ({n})", "en": "Drafts ({n})"},
    "drafts.none": {"fr": "Aucun brouillon en attente.", "en": "No draft waiting."},
    "drafts.hint": {"fr": "Relire et publier : /publish <n> · modifier : /edititem <n> … · jeter : /delitem <n>",
                    "en": "Review and publish: /publish <n> · edit: /edititem <n> … · discard: /delitem <n>"},
}
