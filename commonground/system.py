"""Common Ground as the case system: Open Klant for contact moments, the Zaken API for the zaak.

Either half may be configured without the other (docs/common-ground.md)."""

from __future__ import annotations

from casework.ports import ContactMoment, ContactOutcome, Refused, ZaakState
from commonground.openklant import OpenKlant
from commonground.zaken import ZakenApi


class CommonGround:
    """`casework.ports.CaseSystem` over the municipality's Common Ground APIs."""

    def __init__(self, *, open_klant: OpenKlant | None, zaken: ZakenApi | None) -> None:
        self.open_klant = open_klant
        self.zaken = zaken

    async def record_contact(self, moment: ContactMoment) -> ContactOutcome:
        if self.open_klant is None:  # nothing is queued then; a row left from before stays
            return Refused("open_klant_not_configured")
        return await self.open_klant.record_contact(moment)

    async def zaak(self, zaak_id: str) -> ZaakState | None:
        if self.zaken is None:
            return None
        return await self.zaken.zaak(zaak_id)
