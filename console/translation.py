"""`inburgerbot translation`: which language pairs the configured engine has, asked from it."""

from __future__ import annotations

import asyncio

import click

from bot.services.translating import engine_for
from casework.translation import Capabilities, Engine, TranslationFailed
from console.common import CliState, pass_state
from texts.i18n import BY_CODE


async def ask(engine: Engine) -> Capabilities:
    try:
        return await engine.capabilities()
    finally:
        await engine.close()


def table_lines(engine: str, capabilities: Capabilities) -> list[str]:
    lines = [f"engine: {engine}", "language                 to Dutch  from Dutch"]
    for locale, (to_dutch, from_dutch) in capabilities.table().items():
        language = BY_CODE[locale].english_name if locale in BY_CODE else locale
        name = f"{language} ({locale})"
        lines.append(f"{name:<25}{'yes' if to_dutch else 'no':<10}{'yes' if from_dutch else 'no'}")
    return lines


@click.command("translation")
@pass_state
def translation(state: CliState) -> None:
    """The language pairs of the machine translation engine (docs/translation.md)."""
    engine = engine_for(state.config)
    if engine is None:
        click.echo("machine translation is off (INBURGERBOT_TRANSLATION=none)")
        return
    try:
        capabilities = asyncio.run(ask(engine))
    except TranslationFailed as exc:
        raise click.ClickException(
            f"the {engine.name} engine did not answer ({exc.problem.value})"
        ) from exc
    for line in table_lines(engine.name, capabilities):
        click.echo(line)
