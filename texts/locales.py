"""Choosing a user's locale: stored preference, else Telegram's language_code, else the default."""

from __future__ import annotations

from collections.abc import Iterable

from texts.i18n import BY_CODE

# Telegram sends IETF tags (`en`, `pt-br`, `fa-AF`) or ISO 639-2/3 codes some clients use.
_ALIASES = {
    "prs": "fa_AF",
    "prs-af": "fa_AF",
    "fas": "fa",
    "fa-af": "fa_AF",
    "fa_af": "fa_AF",
    "per": "fa",
    "pes": "fa",
    "kmr": "ku",
    "ku-latn": "ku",
    "kur": "ku",
    "ckb": "ckb",
    "ku-arab": "ckb",
    "ckb-arab": "ckb",
    "kmr-latn": "ku",
    "sdh": "ckb",
    "pus": "ps",
    "pbt": "ps",
    "pbu": "ps",
    "tir": "ti",
    "amh": "am",
    "orm": "om",
    "gaz": "om",
    "som": "so",
    "ara": "ar",
    "arb": "ar",
    "apc": "ar",
    "ajp": "ar",
    "acm": "ar",
    "tur": "tr",
    "nld": "nl",
    "dut": "nl",
    "fra": "fr",
    "fre": "fr",
    "eng": "en",
}


def _shipped(code: str, available: dict[str, str]) -> str | None:
    """A shipped locale for a language we know, following `Language.fallback` (Dari to Persian)."""
    seen: set[str] = set()
    key: str | None = code.replace("-", "_").lower()
    while key and key not in seen:
        seen.add(key)
        if key in available:
            return available[key]
        language = next((lang for lang in BY_CODE.values() if lang.code.lower() == key), None)
        key = language.fallback.lower() if language and language.fallback else None
    return None


def map_language_code(code: str | None, shipped: Iterable[str] | None = None) -> str | None:
    """A shipped locale for a Telegram language_code, or None when we have none for it.

    Tries the whole tag (`fa-AF`), then language and script or region (`ku-Arab` is Sorani),
    then the language alone (`ar-SY` is Arabic, `nl-BE` is Dutch); ISO 639-2/3 codes go through
    the alias table; a language we know but do not ship falls back as LANGUAGES says.
    """
    if not code or not code.strip():
        return None
    tag = code.strip().replace("_", "-").lower()
    available = {c.lower(): c for c in (shipped if shipped is not None else BY_CODE)}
    subtags = tag.split("-")
    for key in dict.fromkeys([tag, "-".join(subtags[:2]), subtags[0]]):
        for candidate in (_ALIASES.get(key), key):
            found = _shipped(candidate, available) if candidate else None
            if found:
                return found
    return None


def choose_locale(
    *,
    stored: str | None,
    telegram_code: str | None,
    default: str,
    shipped: tuple[str, ...],
    organisation_default: str | None = None,
) -> str:
    """Stored preference, else the mapped Telegram language, else the organisation's default.

    `default` is the instance's INBURGERBOT_DEFAULT_LOCALE, used when the organisation's is
    unknown or not shipped; Dutch is the last resort.
    """
    if stored and stored in shipped:
        return stored
    mapped = map_language_code(telegram_code, shipped)
    if mapped:
        return mapped
    for fallback in (organisation_default, default):
        if fallback and fallback in shipped:
            return fallback
    return "nl"
