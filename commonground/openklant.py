"""Open Klant (the klantinteracties API) as the case system: contact moments as klantcontacten.

One moment is one `POST /maak-klantcontact` (klantcontact, betrokkene and onderwerpobject at
once), and for a question, when the team works in Open Klant (an actor is configured), one
`POST /internetaken` for that actor. Before any attempt after the first, the adapter asks with
`GET /klantcontacten?referentienummer=<key>` (and `GET /internetaken?aanleidinggevendKlantcontact
__uuid=`) whether the earlier attempt arrived after all, so a retry never makes a second one.

What is sent, every field (docs/common-ground.md has the table): kanaal "telegram", onderwerp,
inhoud (the message, BSN-masked, at most 1000 characters), taal (ISO 639-2), vertrouwelijk,
plaatsgevondenOp, referentienummer (our key), indicatieContactGelukt (an answer that reached the
client); the betrokkene is the client's party (by its UUID) with rol "klant", the initiator of a
question; the onderwerpobject is the inburgering zaak (by its UUID) for a question and the
question's klantcontact for an answer. No name, chat id, BSN or file leaves the bot.

Every request body is checked against our copy of the published schema before it is sent (a
body that does not fit is a bug of ours and is refused here, not sent), and every answer is
checked before it is believed.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from casework.ports import (
    ContactMoment,
    ContactOutcome,
    Recorded,
    Refused,
    Unauthorized,
    Unavailable,
)
from commonground.schemas import problems

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TASK_ACTION = "Vraag beantwoorden via Telegram"  # internetaak.gevraagdeHandeling
ZAAK_REGISTER = "open-zaak"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class _Problem(Exception):
    def __init__(self, outcome: ContactOutcome) -> None:
        super().__init__(type(outcome).__name__)
        self.outcome = outcome


class OpenKlant:
    """`casework.ports.CaseSystem` over Open Klant's klantinteracties API (v1)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        actor_uuid: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.actor_uuid = actor_uuid
        self._token = token
        self._transport = transport

    async def record_contact(self, moment: ContactMoment) -> ContactOutcome:
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url,
                headers={"Authorization": f"Token {self._token}", "Accept": "application/json"},
                timeout=TIMEOUT,
                transport=self._transport,
            ) as http:
                contact = None if moment.first_attempt else await self._earlier(http, moment.key)
                if contact is None:
                    contact = await self._create(http, moment)
                task = None
                if moment.kind == "question" and self.actor_uuid:
                    task = await self._task(http, contact, first=moment.first_attempt)
                return Recorded(contact, task)
        except _Problem as problem:
            return problem.outcome
        except httpx.TimeoutException:
            return Unavailable("timeout")
        except httpx.HTTPError as exc:
            return Unavailable(f"unreachable:{type(exc).__name__}")

    # -- calls --------------------------------------------------------------------------------

    async def _earlier(self, http: httpx.AsyncClient, key: str) -> str | None:
        """The klantcontact an earlier attempt made (None: it did not arrive)."""
        page = await self._get(
            http, "/klantcontacten", {"referentienummer": key}, "PaginatedKlantcontactList"
        )
        for found in page["results"]:
            if found.get("referentienummer") == key and found.get("kanaal") == CHANNEL:
                return str(found["uuid"])
        return None

    async def _create(self, http: httpx.AsyncClient, moment: ContactMoment) -> str:
        body = maak_klantcontact(moment)
        made = await self._post(http, "/maak-klantcontact", body, "MaakKlantcontact")
        return str(made["klantcontact"]["uuid"])

    async def _task(self, http: httpx.AsyncClient, contact: str, *, first: bool) -> str:
        if not first:
            page = await self._get(
                http,
                "/internetaken",
                {"aanleidinggevendKlantcontact__uuid": contact},
                "PaginatedInterneTaakList",
            )
            for found in page["results"]:
                if found["aanleidinggevendKlantcontact"]["uuid"] == contact:
                    return str(found["uuid"])
        body: dict[str, Any] = {
            "aanleidinggevendKlantcontact": {"uuid": contact},
            "gevraagdeHandeling": TASK_ACTION,
            "toegewezenAanActoren": [{"uuid": self.actor_uuid}],
            "status": "te_verwerken",
        }
        made = await self._post(http, "/internetaken", body, "InterneTaak")
        return str(made["uuid"])

    async def _get(
        self, http: httpx.AsyncClient, path: str, params: dict[str, str], schema: str
    ) -> dict[str, Any]:
        response = await http.get(path, params=params)
        return self._read(response, 200, schema)

    async def _post(
        self, http: httpx.AsyncClient, path: str, body: dict[str, Any], schema: str
    ) -> dict[str, Any]:
        wrong = problems(f"{schema}.request", body)
        if wrong:  # ours to fix: sending it would only earn a 400
            raise _Problem(Refused("invalid_request", tuple(field for field, _ in wrong)))
        response = await http.post(path, json=body)
        return self._read(response, 201, f"{schema}.response")

    def _read(self, response: httpx.Response, expected: int, schema: str) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise _Problem(Unauthorized(f"http_{status}"))
        if status == 400:
            raise _Problem(Refused("http_400", _invalid_params(response)))
        if status == 429 or status >= 500:
            raise _Problem(Unavailable(f"http_{status}"))
        if status != expected:
            raise _Problem(Refused(f"http_{status}"))
        try:
            document = response.json()
        except ValueError:
            raise _Problem(Unavailable("bad_response")) from None
        wrong = problems(schema, document)
        if wrong or not isinstance(document, dict):
            log.warning(
                "open klant answered outside its schema",
                extra={"schema": schema, "fields": [field for field, _ in wrong][:10]},
            )
            raise _Problem(Unavailable("bad_response"))
        return document


def maak_klantcontact(moment: ContactMoment) -> dict[str, Any]:
    """The body of `POST /maak-klantcontact` for one moment."""
    klantcontact: dict[str, Any] = {
        "kanaal": CHANNEL,
        "onderwerp": moment.subject,
        "inhoud": moment.content,
        "taal": moment.language,
        "vertrouwelijk": moment.confidential,
        "plaatsgevondenOp": moment.occurred_at.isoformat(),
        "referentienummer": moment.key,
    }
    if moment.reached is not None:
        klantcontact["indicatieContactGelukt"] = moment.reached
    body: dict[str, Any] = {
        "klantcontact": klantcontact,
        "betrokkene": {
            "wasPartij": {"uuid": moment.party},
            "rol": "klant",
            "initiator": moment.kind == "question",
        },
    }
    if moment.kind == "answer" and moment.answers:
        body["onderwerpobject"] = {"wasKlantcontact": {"uuid": moment.answers}}
    elif moment.zaak:
        body["onderwerpobject"] = {
            "onderwerpobjectidentificator": {
                "objectId": moment.zaak,
                "codeObjecttype": "zaak",
                "codeRegister": ZAAK_REGISTER,
                "codeSoortObjectId": "uuid",
            }
        }
    return body


def _invalid_params(response: httpx.Response) -> tuple[str, ...]:
    """The names of the fields Open Klant found wrong (never their values)."""
    try:
        document = response.json()
    except ValueError:
        return ()
    if problems("ValidatieFout", document):
        return ()
    return tuple(str(param["name"])[:60] for param in document["invalidParams"])[:10]
