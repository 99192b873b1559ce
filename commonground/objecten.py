"""The Objects API (v2): a client's tasks as "taak" objects, and their status written back.

Reading: `GET /objects?type=<the taak objecttype>&data_attr=identificatie__type__exact__<type>
&data_attr=identificatie__value__exact__<party uuid>`: the party is matched by the identifier the
municipality's configuration names (`OBJECTS_IDENTIFICATION_TYPE`, by default "partij_uuid"),
never a BSN. Of each object the bot reads `titel`, `status` ("open" or "afgerond"),
`verloopdatum` and `url` from the record's data.

Writing back: `GET /objects/{uuid}` again (the object as it is now), then `PATCH /objects/{uuid}`
with a new record: the same data with only `status` changed, the same typeVersion, startAt
today. Token authentication (`Authorization: Token <key>`). Every answer is checked against our
schema copies (commonground/schemas.py); an object whose data does not fit the taak schema is
left out (and logged, without its data).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import httpx

from casework.ports import RemoteTask
from commonground.schemas import problems

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(3.0, connect=2.0)
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}


class _Unreadable(Exception):
    pass


class ObjectsApi:
    """The task half of `casework.ports.CaseSystem` over the Objects API."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        type_url: str,
        identification_type: str = "partij_uuid",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.type_url = type_url
        self.identification_type = identification_type
        self._token = token
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Token {self._token}", "Accept": "application/json"},
            timeout=TIMEOUT,
            transport=self._transport,
        )

    async def tasks(self, party: str) -> list[RemoteTask] | None:
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("type", self.type_url),
            ("data_attr", f"identificatie__type__exact__{self.identification_type}"),
            ("data_attr", f"identificatie__value__exact__{party}"),
            ("pageSize", "100"),
        ]
        try:
            async with self._client() as http:
                response = await http.get("/objects", params=params, headers=CRS)
                page = _read(response, 200, "PaginatedObjectList")
        except (_Unreadable, httpx.HTTPError) as exc:
            log.warning("objects api: tasks not read", extra={"error": type(exc).__name__})
            return None
        found = []
        for item in page["results"]:
            data = item["record"].get("data") or {}
            if item.get("type") != self.type_url or problems("Taak.data", data):
                log.warning("objects api: an object is not a taak we can read")
                continue
            identity = data["identificatie"]
            if (identity["type"], identity["value"]) != (self.identification_type, party):
                continue  # not this party's (a filter the API did not apply)
            found.append(
                RemoteTask(
                    remote_id=str(item["uuid"]),
                    title=str(data["titel"]),
                    done=data["status"] == "afgerond",
                    due=date.fromisoformat(data["verloopdatum"])
                    if data.get("verloopdatum")
                    else None,
                    link=str(data.get("url") or ""),
                )
            )
        return found

    async def task_owner(self, remote_id: str) -> str | None:
        """The party of one taak object, read anew (a notification is only a hint)."""
        try:
            async with self._client() as http:
                found = _read(await http.get(f"/objects/{remote_id}", headers=CRS), 200, "Object")
        except (_Unreadable, httpx.HTTPError):
            return None
        data = found["record"].get("data") or {}
        if found.get("type") != self.type_url or problems("Taak.data", data):
            return None
        identity = data["identificatie"]
        if identity["type"] != self.identification_type:
            return None
        return str(identity["value"])

    async def set_task_done(self, remote_id: str, done: bool) -> bool:
        try:
            async with self._client() as http:
                response = await http.get(f"/objects/{remote_id}", headers=CRS)
                current = _read(response, 200, "Object")
                record = current["record"]
                body = {
                    "record": {
                        "typeVersion": record["typeVersion"],
                        "data": {**record["data"], "status": "afgerond" if done else "open"},
                        "startAt": datetime.now(UTC).date().isoformat(),
                    }
                }
                wrong = problems("PatchedObject.request", body)
                if wrong:
                    log.error("objects api: our write-back does not fit the schema")
                    return False
                response = await http.patch(f"/objects/{remote_id}", json=body, headers=CRS)
                _read(response, 200, "Object")
        except (_Unreadable, httpx.HTTPError) as exc:
            log.warning("objects api: status not written", extra={"error": type(exc).__name__})
            return False
        return True


def _read(response: httpx.Response, expected: int, schema: str) -> dict[str, Any]:
    if response.status_code != expected:
        level = logging.ERROR if response.status_code in (401, 403) else logging.WARNING
        log.log(level, "objects api refused a call", extra={"status": response.status_code})
        raise _Unreadable
    try:
        document = response.json()
    except ValueError:
        document = None
    wrong = problems(schema, document)
    if wrong or not isinstance(document, dict):
        log.warning(
            "objects api answered outside its schema",
            extra={"schema": schema, "fields": [field for field, _ in wrong][:10]},
        )
        raise _Unreadable
    return document
