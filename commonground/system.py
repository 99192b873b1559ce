"""Common Ground as the case system: Open Klant for contact moments, the Zaken API for the zaak,
the Objects API for tasks. Each may be configured without the others (docs/common-ground.md)."""

from __future__ import annotations

from casework.ports import ContactMoment, ContactOutcome, Refused, RemoteTask, ZaakState
from commonground.objecten import ObjectsApi
from commonground.openklant import OpenKlant
from commonground.zaken import ZakenApi


class CommonGround:
    """`casework.ports.CaseSystem` over the municipality's Common Ground APIs."""

    def __init__(
        self,
        *,
        open_klant: OpenKlant | None,
        zaken: ZakenApi | None,
        objects: ObjectsApi | None = None,
    ) -> None:
        self.open_klant = open_klant
        self.zaken = zaken
        self.objects = objects

    async def record_contact(self, moment: ContactMoment) -> ContactOutcome:
        if self.open_klant is None:  # nothing is queued then; a row left from before stays
            return Refused("open_klant_not_configured")
        return await self.open_klant.record_contact(moment)

    async def zaak(self, zaak_id: str) -> ZaakState | None:
        if self.zaken is None:
            return None
        return await self.zaken.zaak(zaak_id)

    async def tasks(self, party: str) -> list[RemoteTask] | None:
        if self.objects is None:
            return None
        return await self.objects.tasks(party)

    async def set_task_done(self, remote_id: str, done: bool) -> bool:
        if self.objects is None:  # no task of ours is "objects:" then: nothing to write
            return False
        return await self.objects.set_task_done(remote_id, done)

    async def task_owner(self, remote_id: str) -> str | None:
        if self.objects is None:
            return None
        return await self.objects.task_owner(remote_id)
