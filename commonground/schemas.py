"""JSON Schemas of the parts of Open Klant's klantinteracties API (0.9.0) that we use.

Trimmed by hand from the official OpenAPI document (maykinmedia/open-klant,
src/openklant/components/klantinteracties/openapi.yaml at 754d9cd2): the schemas `MaakKlantcontact`,
`Klantcontact`, `BetrokkeneKlantcontactReadOnly`, `OnderwerpobjectKlantcontactReadOnly`,
`Onderwerpobjectidentificator`, `InterneTaak`, the paginated lists and the foreign keys, with
their types, lengths, enums and required fields as published. OpenAPI's `nullable` is written
as a JSON Schema type union; a field marked `readOnly` is left out of the request schemas (a
client does not send it) and required in the response schemas, as the document says. The
error body (`ValidatieFout`, with `FieldValidationError`) is the one of the VNG APIs' common
standard (the Zaken API 1.5.1 document), which Open Klant answers with on 400/401.

From the VNG Zaken API 1.5.1 (VNG-Realisatie/zaken-api, src/openapi.yaml at 9be7e14b): `Zaak`
(the fields we read, and every field the document marks required, with their types and formats)
and `PaginatedStatusList` with `Status`. Unknown fields are allowed, as in the documents.

Both our adapters (commonground/openklant.py, commonground/zaken.py) and the fake servers
(commonground/fakes/) validate against these, so neither can drift from the published contract
unnoticed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

UUID = {"type": "string", "format": "uuid"}
URL = {"type": "string", "format": "uri", "minLength": 1, "maxLength": 1000}


def _fk_in() -> dict[str, Any]:
    """A foreign key as a client sends it (the url is read-only)."""
    return {"type": "object", "properties": {"uuid": UUID}, "required": ["uuid"]}


def _fk_out() -> dict[str, Any]:
    return {"type": "object", "properties": {"uuid": UUID, "url": URL}, "required": ["url", "uuid"]}


IDENTIFICATOR = {
    "type": "object",
    "properties": {
        "objectId": {"type": "string", "maxLength": 200},
        "codeObjecttype": {"type": "string", "maxLength": 200},
        "codeRegister": {"type": "string", "maxLength": 200},
        "codeSoortObjectId": {"type": "string", "maxLength": 200},
    },
}

KLANTCONTACT_FIELDS: dict[str, Any] = {
    "nummer": {"type": ["string", "null"], "maxLength": 10},
    "referentienummer": {"type": ["string", "null"], "maxLength": 10},
    "kanaal": {"type": "string", "maxLength": 50},
    "onderwerp": {"type": "string", "maxLength": 200},
    "inhoud": {"type": "string", "maxLength": 1000},
    "reactie": {"type": "string", "maxLength": 4000},
    "indicatieContactGelukt": {"type": ["boolean", "null"]},
    "hoofdOnderwerpType": {"type": "string", "format": "uri", "maxLength": 200},
    "verdereActieOndernomen": {"type": "boolean"},
    "taal": {"type": "string", "maxLength": 3},
    "vertrouwelijk": {"type": "boolean"},
    "plaatsgevondenOp": {"type": "string", "format": "date-time"},
    "metadata": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255}},
}

KLANTCONTACT_IN = {
    "type": "object",
    "properties": KLANTCONTACT_FIELDS,
    "required": ["kanaal", "onderwerp", "taal", "vertrouwelijk"],
}

KLANTCONTACT_OUT = {
    "type": "object",
    "properties": {
        **KLANTCONTACT_FIELDS,
        "uuid": UUID,
        "url": URL,
        "gingOverOnderwerpobjecten": {"type": "array", "items": _fk_out()},
        "hadBetrokkenActoren": {"type": "array", "items": {"type": "object"}},
        "omvatteBijlagen": {"type": "array", "items": _fk_out()},
        "hadBetrokkenen": {"type": "array", "items": _fk_out()},
        "leiddeTotInterneTaken": {"type": "array", "items": _fk_out()},
    },
    "required": [
        "gingOverOnderwerpobjecten",
        "hadBetrokkenActoren",
        "hadBetrokkenen",
        "kanaal",
        "leiddeTotInterneTaken",
        "omvatteBijlagen",
        "onderwerp",
        "taal",
        "url",
        "uuid",
        "vertrouwelijk",
    ],
}

ROL = {"type": "string", "enum": ["vertegenwoordiger", "klant"]}

BETROKKENE_IN = {
    "type": "object",
    "properties": {
        "wasPartij": {"anyOf": [_fk_in(), {"type": "null"}]},
        "rol": ROL,
        "organisatienaam": {"type": "string", "maxLength": 200},
        "initiator": {"type": "boolean"},
    },
    "required": ["initiator", "rol"],
}

BETROKKENE_OUT = {
    "type": "object",
    "properties": {
        "uuid": UUID,
        "url": URL,
        "wasPartij": {"anyOf": [_fk_out(), {"type": "null"}]},
        "hadKlantcontact": _fk_out(),
        "digitaleAdressen": {"type": "array", "items": _fk_out()},
        "volledigeNaam": {"type": "string"},
        "rol": ROL,
        "organisatienaam": {"type": "string", "maxLength": 200},
        "initiator": {"type": "boolean"},
    },
    "required": [
        "digitaleAdressen",
        "hadKlantcontact",
        "initiator",
        "rol",
        "url",
        "uuid",
        "volledigeNaam",
    ],
}

ONDERWERPOBJECT_IN = {
    "type": "object",
    "properties": {
        "wasKlantcontact": {"anyOf": [_fk_in(), {"type": "null"}]},
        "onderwerpobjectidentificator": {"anyOf": [IDENTIFICATOR, {"type": "null"}]},
    },
}

ONDERWERPOBJECT_OUT = {
    "type": "object",
    "properties": {
        "uuid": UUID,
        "url": URL,
        "klantcontact": {"anyOf": [_fk_out(), {"type": "null"}]},
        "wasKlantcontact": {"anyOf": [_fk_out(), {"type": "null"}]},
        "onderwerpobjectidentificator": {"anyOf": [IDENTIFICATOR, {"type": "null"}]},
    },
    "required": ["klantcontact", "url", "uuid"],
}

STATUS = {"type": "string", "enum": ["te_verwerken", "verwerkt"]}

INTERNETAAK_FIELDS: dict[str, Any] = {
    "referentienummer": {"type": ["string", "null"], "maxLength": 10},
    "gevraagdeHandeling": {"type": "string", "maxLength": 200},
    "toelichting": {"type": "string", "maxLength": 1000},
    "status": STATUS,
    "afgehandeldOp": {"type": ["string", "null"], "format": "date-time"},
}

INTERNETAAK_IN = {
    "type": "object",
    "properties": {
        **INTERNETAAK_FIELDS,
        "aanleidinggevendKlantcontact": _fk_in(),
        "toegewezenAanActoren": {"type": "array", "items": _fk_in()},
    },
    "required": ["aanleidinggevendKlantcontact", "gevraagdeHandeling", "status"],
}

INTERNETAAK_OUT = {
    "type": "object",
    "properties": {
        **INTERNETAAK_FIELDS,
        "uuid": UUID,
        "url": URL,
        "aanleidinggevendKlantcontact": _fk_out(),
        "toegewezenAanActoren": {"type": "array", "items": _fk_out()},
        "toegewezenOp": {"type": "string", "format": "date-time"},
    },
    "required": [
        "aanleidinggevendKlantcontact",
        "gevraagdeHandeling",
        "status",
        "toegewezenOp",
        "url",
        "uuid",
    ],
}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    nullable_uri = {"type": ["string", "null"], "format": "uri"}
    return {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "next": nullable_uri,
            "previous": nullable_uri,
            "results": {"type": "array", "items": item},
        },
        "required": ["count", "results"],
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "MaakKlantcontact.request": {
        "type": "object",
        "properties": {
            "klantcontact": KLANTCONTACT_IN,
            "betrokkene": BETROKKENE_IN,
            "onderwerpobject": ONDERWERPOBJECT_IN,
        },
        "required": ["klantcontact"],
    },
    "MaakKlantcontact.response": {
        "type": "object",
        "properties": {
            "klantcontact": KLANTCONTACT_OUT,
            "betrokkene": BETROKKENE_OUT,
            "onderwerpobject": ONDERWERPOBJECT_OUT,
        },
        "required": ["klantcontact"],
    },
    "InterneTaak.request": INTERNETAAK_IN,
    "InterneTaak.response": INTERNETAAK_OUT,
    "PaginatedKlantcontactList": _page(KLANTCONTACT_OUT),
    "PaginatedInterneTaakList": _page(INTERNETAAK_OUT),
    "ValidatieFout": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "code": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "invalidParams": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "code": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                    "required": ["code", "name", "reason"],
                },
            },
        },
        "required": ["code", "detail", "instance", "invalidParams", "status", "title"],
    },
}

URI = {"type": "string", "format": "uri", "maxLength": 1000}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri", "maxLength": 1000}
URIS = {"type": "array", "items": {"type": "string", "format": "uri"}}

ZAAK = {
    "type": "object",
    "properties": {
        "url": URL,
        "uuid": UUID,
        "identificatie": {"type": "string", "maxLength": 40},
        "bronorganisatie": {"type": "string", "maxLength": 9},
        "omschrijving": {"type": "string", "maxLength": 80},
        "zaaktype": URI,
        "verantwoordelijkeOrganisatie": {"type": "string", "maxLength": 9},
        "startdatum": {"type": "string", "format": "date"},
        "einddatum": NULLABLE_DATE,
        "einddatumGepland": NULLABLE_DATE,
        "uiterlijkeEinddatumAfdoening": NULLABLE_DATE,
        "betalingsindicatieWeergave": {"type": "string"},
        "deelzaken": URIS,
        "eigenschappen": URIS,
        "rollen": URIS,
        "status": NULLABLE_URI,
        "zaakinformatieobjecten": URIS,
        "zaakobjecten": URIS,
        "resultaat": NULLABLE_URI,
    },
    "required": [
        "betalingsindicatieWeergave",
        "bronorganisatie",
        "deelzaken",
        "eigenschappen",
        "einddatum",
        "resultaat",
        "rollen",
        "startdatum",
        "status",
        "url",
        "uuid",
        "verantwoordelijkeOrganisatie",
        "zaakinformatieobjecten",
        "zaakobjecten",
        "zaaktype",
    ],
}

STATUS_OF_ZAAK = {
    "type": "object",
    "properties": {
        "url": URL,
        "uuid": UUID,
        "zaak": URL,
        "statustype": URI,
        "datumStatusGezet": {"type": "string", "format": "date-time"},
        "statustoelichting": {"type": "string", "maxLength": 1000},
        "indicatieLaatstGezetteStatus": {"type": "boolean"},
        "zaakinformatieobjecten": URIS,
    },
    "required": [
        "datumStatusGezet",
        "indicatieLaatstGezetteStatus",
        "statustype",
        "url",
        "uuid",
        "zaak",
        "zaakinformatieobjecten",
    ],
}

SCHEMAS["Zaak"] = ZAAK
SCHEMAS["PaginatedStatusList"] = _page(STATUS_OF_ZAAK)

# The Objects API 2.7.0 (maykinmedia/objects-api, src/objects/api/v2/openapi.yaml at e69c72a8):
# `Object` with `ObjectRecord`, `PaginatedObjectList`, and `PatchedObject` as we send it.
RECORD_FIELDS: dict[str, Any] = {
    "typeVersion": {"type": "integer", "minimum": 0, "maximum": 32767},
    "data": {"type": "object"},
    "startAt": {"type": "string", "format": "date"},
    "correctionFor": {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647},
}
RECORD_OUT = {
    "type": "object",
    "properties": {
        **RECORD_FIELDS,
        "index": {"type": "integer"},
        "endAt": NULLABLE_DATE,
        "registrationAt": {"type": "string", "format": "date"},
        "correctedBy": {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647},
    },
    "required": ["startAt", "typeVersion"],
}
OBJECT_OUT = {
    "type": "object",
    "properties": {"url": URL, "uuid": UUID, "type": URL, "record": RECORD_OUT},
    "required": ["record", "type"],
}
SCHEMAS["Object"] = OBJECT_OUT
SCHEMAS["PaginatedObjectList"] = _page(OBJECT_OUT)
SCHEMAS["PatchedObject.request"] = {
    "type": "object",
    "properties": {
        "type": URL,
        "record": {
            "type": "object",
            "properties": RECORD_FIELDS,
            "required": ["startAt", "typeVersion"],
        },
    },
}
# The Notificaties API 1.0 (VNG): no copy of its document was given to this project, so these
# are written from the standard's published resource definitions (Abonnement with its Kanalen,
# and the Notificatie message a subscriber receives) and are the place to check first when a
# real Notificaties API disagrees.
KANAAL = {
    "type": "object",
    "properties": {
        "naam": {"type": "string", "maxLength": 50},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["naam"],
}
ABONNEMENT_FIELDS: dict[str, Any] = {
    "callbackUrl": {"type": "string", "format": "uri", "maxLength": 200},
    "auth": {"type": "string", "maxLength": 1000},
    "kanalen": {"type": "array", "items": KANAAL},
}
SCHEMAS["Abonnement.request"] = {
    "type": "object",
    "properties": ABONNEMENT_FIELDS,
    "required": ["callbackUrl", "auth", "kanalen"],
}
SCHEMAS["Abonnement.response"] = {
    "type": "object",
    "properties": {**ABONNEMENT_FIELDS, "url": URL},
    "required": ["url", "callbackUrl", "kanalen"],
}
SCHEMAS["AbonnementList"] = {"type": "array", "items": SCHEMAS["Abonnement.response"]}
SCHEMAS["Notificatie"] = {
    "type": "object",
    "properties": {
        "kanaal": {"type": "string", "maxLength": 50},
        "hoofdObject": {"type": "string", "format": "uri", "maxLength": 1000},
        "resource": {"type": "string", "maxLength": 100},
        "resourceUrl": {"type": "string", "format": "uri", "maxLength": 1000},
        "actie": {"type": "string", "maxLength": 100},
        "aanmaakdatum": {"type": "string", "format": "date-time"},
        "kenmerken": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["kanaal", "hoofdObject", "resource", "resourceUrl", "actie", "aanmaakdatum"],
}

# Not from the API's document: the JSON schema of the "taak" objecttype's data as this project
# reads it (the objecttype is the municipality's own; docs/common-ground.md names the fields).
SCHEMAS["Taak.data"] = {
    "type": "object",
    "properties": {
        "titel": {"type": "string", "minLength": 1, "maxLength": 200},
        "status": {"type": "string", "enum": ["open", "afgerond"]},
        "verloopdatum": NULLABLE_DATE,
        "url": {"type": "string", "format": "uri", "maxLength": 500},
        "identificatie": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "value": {"type": "string"}},
            "required": ["type", "value"],
        },
    },
    "required": ["titel", "status", "identificatie"],
}

_FORMATS = FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339: a date, a time and an offset (or Z)."""
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value.upper() and moment.tzinfo is not None


@_FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def problems(name: str, document: object) -> list[tuple[str, str]]:
    """What is wrong with a document by the named schema: (field path, reason) pairs."""
    validator = Draft202012Validator(SCHEMAS[name], format_checker=_FORMATS)
    found = []
    for error in validator.iter_errors(document):
        path = ".".join(str(part) for part in error.absolute_path) or "nonFieldErrors"
        found.append((path, error.message))
    return sorted(found)
