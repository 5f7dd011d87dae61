"""The words users type, in every language the bot knows (French, English, Spanish, Arabic).

One table per concept, as data: ``meaning -> the spellings users type``. Matching is on the
folded form (``storage.text.fold``: case, accents, Arabic hamza forms), so a table lists a word
once, however it is accented or capitalised ("récap" also matches "RECAP", "الإسبانية" also
"الاسبانية"). A spelling that would mean two things in one table is refused when the table is
first read (tests/test_words.py reads them all).

The tables know all four languages; which languages the bot *accepts* is another matter
(``storage.text.LANGUAGES``, see :func:`handlers.i18n.normalize_language`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Generic, TypeVar

from storage.text import fold

T = TypeVar("T")


def folded(text: str) -> str:
    """The form a word is matched in: folded, inner spaces collapsed ("Pasado  Mañana" ->
    "pasado manana")."""
    return " ".join(fold(text).split())


class Words(Generic[T]):
    """One concept's words: ``{meaning: (spelling, …)}``; ``words.get("Mañana")`` -> meaning."""

    def __init__(self, table: Mapping[T, Iterable[str]]) -> None:
        self.table: Mapping[T, tuple[str, ...]] = {k: tuple(v) for k, v in table.items()}

    @cached_property
    def index(self) -> Mapping[str, T]:
        """folded spelling -> meaning; ValueError if a spelling means two things."""
        found: dict[str, T] = {}
        for meaning, spellings in self.table.items():
            for spelling in spellings:
                key = folded(spelling)
                if not key:
                    raise ValueError(f"empty spelling for {meaning!r}")
                if found.setdefault(key, meaning) != meaning:
                    raise ValueError(f"{spelling!r} means both {found[key]!r} and {meaning!r}")
        return found

    def get(self, text: str | None) -> T | None:
        """The meaning of ``text`` (one word or a fixed phrase), or None."""
        return self.index.get(folded(text)) if text else None

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.get(text) is not None

    def meaning(self, text: str | None, default: T) -> T:
        found = self.get(text)
        return default if found is None else found


#: the bot's languages by their codes and names, in each of them (``/lang``, ``/settings lang``)
LANGUAGE_NAMES: Words[str] = Words({
    "fr": ("fr", "français", "francais", "french", "francés", "frances", "francesa",
           "الفرنسية", "فرنسية", "فرنسي", "فرنساوي"),
    "en": ("en", "english", "anglais", "inglés", "ingles", "الإنجليزية", "إنجليزية",
           "إنجليزي", "الإنكليزية", "إنكليزي", "انجليزي"),
    "es": ("es", "español", "espanol", "castellano", "espagnol", "spanish", "الإسبانية",
           "إسبانية", "إسباني", "الاسبانية"),
    "ar": ("ar", "arabic", "arabe", "árabe", "العربية", "عربية", "عربي", "عربى"),
})

#: weekdays (``/agenda mardi``): Monday = 0 … Sunday = 6, as ``datetime.date.weekday``
WEEKDAYS: Words[int] = Words({
    0: ("lundi", "monday", "lunes", "الاثنين", "الإثنين", "اثنين"),
    1: ("mardi", "tuesday", "martes", "الثلاثاء", "ثلاثاء"),
    2: ("mercredi", "wednesday", "miércoles", "الأربعاء", "أربعاء"),
    3: ("jeudi", "thursday", "jueves", "الخميس", "خميس"),
    4: ("vendredi", "friday", "viernes", "الجمعة", "جمعة"),
    5: ("samedi", "saturday", "sábado", "السبت", "سبت"),
    6: ("dimanche", "sunday", "domingo", "الأحد", "أحد"),
})

#: days relative to today (``/agenda demain``): days to add
RELATIVE_DAYS: Words[int] = Words({
    -1: ("hier", "yesterday", "ayer", "أمس", "البارحة"),
    0: ("aujourd'hui", "aujourd’hui", "aujourdhui", "auj", "today", "hoy", "اليوم"),
    1: ("demain", "tomorrow", "mañana", "manana", "غدا", "غداً", "بكرة"),
    2: ("après-demain", "apres demain", "day after tomorrow", "pasado mañana", "pasado manana", "بعد غد",
        "بعد غدا"),
})

#: yes/no, on/off (``/settings empty on``, ``/settings quiet off``, the desk's yes/no fields)
YES_NO: Words[bool] = Words({
    True: ("yes", "y", "on", "true", "1", "oui", "o", "activer", "sí", "activar", "encender",
           "نعم", "تشغيل", "تفعيل"),
    False: ("no", "n", "off", "false", "0", "non", "désactiver", "desactivar", "apagar",
            "لا", "إيقاف", "تعطيل"),
})

#: the word that confirms a step shown first as a preview (``/publish 12 confirm``)
CONFIRM: Words[bool] = Words({
    True: ("confirm", "ok", "yes", "confirmer", "oui", "confirmar", "sí", "تأكيد", "أكد",
           "نعم"),
})

#: /settings' setting names -> the canonical one
SETTINGS: Words[str] = Words({
    "time": ("time", "heure", "hora", "الوقت", "وقت", "الساعة"),
    "tz": ("tz", "timezone", "fuseau", "zona", "huso", "المنطقة", "منطقة", "التوقيت"),
    "lang": ("lang", "language", "langue", "idioma", "lengua", "اللغة", "لغة"),
    "topics": ("topics", "themes", "thèmes", "temas", "المواضيع", "مواضيع"),
    "quiet": ("quiet", "calme", "silencio", "هدوء", "الهدوء"),
    "empty": ("empty", "vide", "vacío", "فارغ"),
    "remind": ("remind", "reminder", "reminders", "rappel", "rappels", "recordatorio",
               "recordatorios", "تذكير", "التذكير"),
})

#: what a subscription delivers (``/subscribe alerts``, ``/settings topics récap …``)
KINDS: Words[str] = Words({
    "digest": ("digest", "résumé", "recap", "récapitulatif", "resumen", "ملخص", "الملخص"),
    "alerts": ("alerts", "alert", "alertes", "alerte", "alertas", "alerta", "تنبيهات",
               "التنبيهات", "تنبيه"),
    "both": ("both", "tout", "all", "les2", "ambos", "todo", "كلاهما", "الكل"),
})

#: "every topic" (``/settings topics all``)
ALL_TOPICS: Words[bool] = Words({
    True: ("all", "tous", "tout", "none", "todos", "todo", "الكل", "كل"),
})

#: /admin add|remove (the owners' command): True adds
ADD_REMOVE: Words[bool] = Words({
    True: ("add", "ajouter", "añadir", "agregar", "إضافة", "أضف"),
    False: ("remove", "retirer", "quitar", "eliminar", "إزالة", "احذف"),
})


def _month_names() -> dict[int, tuple[str, ...]]:
    """Every month's names as Babel (CLDR) writes them in the bot's languages, wide and
    abbreviated, in running text and standing alone ('novembre', 'nov.', 'November', 'Nov',
    'noviembre', 'نوفمبر'; Moroccan Arabic's 'نونبر' too), without an abbreviation's dot."""
    from babel.dates import get_month_names

    names: dict[int, list[str]] = {m: [] for m in range(1, 13)}
    for locale in ("fr", "en", "es", "ar", "ar_MA"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for month, name in get_month_names(width, context, locale=locale).items():
                    spelling = name.rstrip(".")
                    if folded(spelling) not in map(folded, names[month]):
                        names[month].append(spelling)
    return {m: tuple(v) for m, v in names.items()}


#: months (``/agenda 26 novembre``, ``Nov 26``, ``26 de noviembre``, ``26 نوفمبر``): 1 … 12
MONTHS: Words[int] = Words(_month_names())
