"""The bot's heap after start: everything loaded, then frozen out of the garbage collector's way.

Python's cyclic garbage collector examines every tracked object of the oldest generation in a
full collection. After start that is the whole program: python-telegram-bot, SQLAlchemy, Babel,
the catalogues. A full collection then took 80 to 235 ms in the bot process, during which no
update moves: one in the paced run's window put its reply p99 at 86 to 141 ms where it is
otherwise about 9 ms (docs/performance.md, "The garbage collector held every update up for
0.1 s").

`settle` loads what the bot would otherwise load at its first updates (the catalogue and
formats of every shipped language), collects once, and freezes the survivors (`gc.freeze`):
they stay, and collections from then on examine only what was made after. Objects that live
on from there (cached statements, a new chat's context) are still collected as before.
"""

from __future__ import annotations

import gc
from zoneinfo import ZoneInfo

from texts.fmt import formatter
from texts.html import html_translator
from texts.i18n import translator


def settle(locales: tuple[str, ...], zone: ZoneInfo) -> int:
    """Load every language's texts and formats, collect, freeze; how many objects froze."""
    for locale in locales:
        translator(locale)
        html_translator(locale)
        formatter(locale, zone)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
