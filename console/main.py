"""The console command `inburgerbot`: the group and its commands, one module per command group.

`main` builds the settings once and hands a `CliState` (settings and clock) down through the
click context. Every command is one `asyncio.run` and one transaction; bad input prints one line
on stderr (`error: ...`), exits with code 1 and writes nothing.
"""

from __future__ import annotations

import click

from console import (
    appointments,
    backoffice,
    bot,
    clients,
    commonground,
    data,
    database,
    dispatch,
    invites,
    portal_keys,
    reminders,
    tasks,
    translation,
)
from console.common import CliState, CommandGroup, load_settings
from sandbox.cli import sandbox


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """inburgerbot: the inburgeraar's companion on Telegram, and its administration."""
    state = ctx.ensure_object(CliState)
    if state.settings is None:
        state.settings = load_settings()


for command in (
    bot.run,
    bot.webhook,
    sandbox,
    backoffice.serve,
    backoffice.staff,
    dispatch.dispatch,
    database.db,
    database.status,
    data.import_command,
    data.export_command,
    clients.client,
    invites.invite,
    portal_keys.portal_keys,
    appointments.appointment,
    tasks.task,
    clients.plan,
    reminders.reminders,
    translation.translation,
    commonground.common_ground,
):
    main.add_command(command)
