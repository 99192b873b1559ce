"""Choosing a user's locale: stored preference, else Telegram's language_code, else the default."""

from __future__ import annotations

from bot.i18n import BY_CODE

# Telegram sends IETF tags (`en`, `pt-br`, `fa-AF`) or ISO 639-2/3 codes some clients use.
_ALIASES = {
    "prs": "fa_AF",
    "fa-af": "fa_AF",
    "fa_af": "fa_AF",
    "per": "fa",
    "pes": "fa",
    "kmr": "ku",
    "ku-latn": "ku",
    "kur": "ku",
    "ckb": "ckb",
    "ku-arab": "ckb",
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
    "tur": "tr",
    "nld": "nl",
    "dut": "nl",
    "fra": "fr",
    "fre": "fr",
    "eng": "en",
}


def map_language_code(code: str | None, shipped: tuple[str, ...] | None = None) -> str | None:
    """A shipped locale for a Telegram language_code, or None when we have none for it."""
    if not code:
        return None
    tag = code.strip().replace("_", "-").lower()
    available = set(shipped) if shipped is not None else set(BY_CODE)
    candidates = [tag, _ALIASES.get(tag)]
    base = tag.split("-")[0]
    candidates += [_ALIASES.get(base), base]
    for candidate in candidates:
        if not candidate:
            continue
        for code_ in (candidate, candidate.replace("-", "_")):
            match = next((c for c in available if c.lower() == code_.lower()), None)
            if match:
                return match
    return None


def choose_locale(
    *,
    stored: str | None,
    telegram_code: str | None,
    default: str,
    shipped: tuple[str, ...],
) -> str:
    """Stored preference, else the mapped Telegram language, else the organisation's default."""
    if stored and stored in shipped:
        return stored
    return map_language_code(telegram_code, shipped) or (default if default in shipped else "nl")
