"""The import's edges (issue 19): no BSN in any text field, caps checked as a stream before
memory grows, a repeated key refused, and no message that repeats a value."""

from __future__ import annotations

import copy
import json
import re
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from casework.importer import (
    MAX_ORGANISATIONS,
    MAX_RECORD_BYTES,
    ImportDocument,
    ImportRejected,
    check_file,
    import_document,
    import_file,
    parse_document,
)
from casework.planning import PlanningRules
from storage.bsn import passes_eleven_test
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "import.schema.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
RULES = PlanningRules()
BSN = "123456782"
SECRET_LOGIN = "secret.person@example.org"


def base() -> dict[str, Any]:
    """A small valid document with one of every kind of record."""
    return {
        "$schema": "../docs/import.schema.json",
        "organisations": [
            {
                "key": "rit",
                "name": "Regional team",
                "kind": "regional_team",
                "municipalities": ["Hoorn"],
                "phone": "0229 252 200",
                "email": "team@example.org",
                "desk": "Nieuwe Steen 1",
            }
        ],
        "staff": [
            {
                "key": "sanne",
                "name": "Sanne de Vries",
                "organisation": "rit",
                "login": SECRET_LOGIN,
                "telegram_username": "sanne_rit",
            }
        ],
        "clients": [
            {
                "ref": "HRN-1",
                "first_name": "Amina",
                "municipality": "Hoorn",
                "caseworker": "sanne",
                "social_guide": "sanne",
                "locale": "ar",
                "plan": {
                    "decision_date": "2025-02-28",
                    "period_start": "2025-03-01",
                    "period_end": "2028-03-01",
                    "learning_route": "b1",
                    "monitoring": "Every three months",
                    "summary": "You follow the B1-route.",
                    "parts": [
                        {
                            "external_id": "p1",
                            "kind": "reading",
                            "title": "Reading",
                            "provider": "Taalcentrum",
                            "note": "Mornings",
                        }
                    ],
                },
                "exams": [
                    {"external_id": "e1", "component": "knm", "date": "2027-01-10", "place": "DUO"}
                ],
                "appointments": [
                    {
                        "external_id": "a1",
                        "kind": "intake",
                        "title": "Intake",
                        "start": "2027-01-05T10:00:00+01:00",
                        "staff": "sanne",
                        "place_name": "Town hall",
                        "address": "Nieuwe Steen 1",
                        "phone": "0229 252 200",
                        "video_url": "https://meet.example.org/x",
                        "bring": "Your letter",
                    }
                ],
                "tasks": [{"external_id": "t1", "title": "Bring a photo", "description": "Any"}],
            }
        ],
    }


# -- no BSN -------------------------------------------------------------------------------------

# Where each record of the schema sits in base(), and its path in messages.
PLACES = {
    "ImportDocument": ((), ""),
    "OrganisationRecord": (("organisations", 0), "organisations[0]"),
    "StaffRecord": (("staff", 0), "staff[0]"),
    "ClientRecord": (("clients", 0), "clients[0]"),
    "PlanRecord": (("clients", 0, "plan"), "clients[0].plan"),
    "PlanPartRecord": (("clients", 0, "plan", "parts", 0), "clients[0].plan.parts[0]"),
    "ExamRecord": (("clients", 0, "exams", 0), "clients[0].exams[0]"),
    "AppointmentRecord": (("clients", 0, "appointments", 0), "clients[0].appointments[0]"),
    "TaskRecord": (("clients", 0, "tasks", 0), "clients[0].tasks[0]"),
}


def _string_schema(prop: dict[str, Any]) -> dict[str, Any] | None:
    """The string schema of a property (plain, nullable or a list of strings), else None."""
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "array":
            item = option.get("items", {})
            if item.get("type") == "string" and "format" not in item:
                return {**item, "list": True}
        if option.get("type") == "string" and "format" not in option and "enum" not in option:
            return option
    return None


def text_fields() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(record, field, string schema) of every free or patterned text field in the schema."""
    records = {**SCHEMA["$defs"], "ImportDocument": SCHEMA}
    for name, definition in records.items():
        for field, prop in definition.get("properties", {}).items():
            string = _string_schema(prop)
            if string is not None and "const" not in string:
                yield name, field, string


def holding_bsn(string: dict[str, Any]) -> str | None:
    """A value that the field's pattern allows and that holds a BSN, or None if none can."""
    for value in (
        f"About {BSN} here",
        BSN,
        f"x{BSN}",
        f"a{BSN}@example.org",
        f"https://example.org/{BSN}",
        f"user{BSN}",
    ):
        pattern = string.get("pattern")
        if (pattern is None or re.search(pattern, value)) and len(value) <= string.get(
            "maxLength", 10_000
        ):
            return value
    return None


FIELDS = sorted(text_fields())


def test_the_schema_has_the_text_fields_we_expect() -> None:
    """A guard on the enumeration itself: every kind of record has text fields in it."""
    assert {record for record, _, _ in FIELDS} == set(PLACES)
    assert len(FIELDS) >= 35
    unfit = [(r, f) for r, f, s in FIELDS if holding_bsn(s) is None]
    # Only locale codes cannot hold digits at all, and UUIDs only in their fixed shape.
    assert {f for _, f in unfit} <= {
        "locale",
        "default_locale",
        "interpreter_language",
        "party_uuid",
        "zaak_uuid",
    }


@pytest.mark.parametrize(
    ("record", "field", "string"),
    [pytest.param(*f, id=f"{f[0]}.{f[1]}") for f in FIELDS if holding_bsn(f[2]) is not None],
)
def test_a_bsn_in_any_text_field_is_refused_without_repeating_it(
    record: str, field: str, string: dict[str, Any]
) -> None:
    document = base()
    steps, path = PLACES[record]
    target: Any = document
    for step in steps:
        target = target[step]
    value = holding_bsn(string)
    assert value is not None
    target[field] = [value] if string.get("list") else value
    with pytest.raises(ImportRejected) as refused:
        parse_document(json.dumps(document))
    where = f"{path}.{field}" if path else field
    if string.get("list"):
        where += "[0]"
    message = str(refused.value)
    assert message.startswith(f"{where}: holds a number that passes the BSN eleven-test"), message
    assert BSN not in message and value not in message


def test_grouped_and_eight_digit_bsns_are_refused_and_other_numbers_are_not() -> None:
    for text in ("1234.56.782", "123 456 782", "1234-56-782", "Nr 12345611"):
        digits = re.sub(r"\D", "", text)
        assert passes_eleven_test(digits[-9:]) or passes_eleven_test(digits[-8:])
        document = base()
        document["clients"][0]["tasks"][0]["description"] = text
        with pytest.raises(ImportRejected, match=r"^clients\[0\]\.tasks\[0\]\.description: "):
            parse_document(json.dumps(document))
    fine = base()
    fine["clients"][0]["tasks"][0]["description"] = "Call 0229 252 200 or 123456789"
    fine["clients"][0]["appointments"][0]["phone"] = "+31 6 12345678"
    assert parse_document(json.dumps(fine)).clients[0].ref == "HRN-1"


async def test_a_bsn_in_the_last_client_of_a_file_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    document = base()
    for n in range(2, 30):
        extra = copy.deepcopy(document["clients"][0])
        extra["ref"] = f"HRN-{n}"
        document["clients"].append(extra)
    document["clients"][-1]["first_name"] = f"Amina {BSN}"
    path = tmp_path / "region.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ImportRejected, match=r"^clients\[28\]\.first_name: holds a number"):
        await import_file(db, path, rules=RULES, now=NOW)
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            assert (await conn.execute(table.select())).all() == [], table.name


# -- caps, checked as a stream ------------------------------------------------------------------


def test_too_many_organisations_are_refused_before_the_rest_is_read(tmp_path: Path) -> None:
    orgs = ",".join(
        json.dumps({"key": f"o{n}", "name": "Team", "kind": "partner"})
        for n in range(MAX_ORGANISATIONS + 1)
    )
    path = tmp_path / "many.json"
    path.write_text('{"organisations": [' + orgs + ", this is not JSON at all")
    with pytest.raises(ImportRejected) as refused:
        check_file(path)
    assert str(refused.value) == "organisations: the list has more than 1,000 items (the limit)"


def test_too_many_appointments_for_one_client_are_refused() -> None:
    document = base()
    one = document["clients"][0]["appointments"][0]
    document["clients"][0]["appointments"] = [
        {**one, "external_id": f"a{n}", "staff": None} for n in range(1_001)
    ]
    with pytest.raises(ImportRejected, match=r"^clients\[0\]\.appointments: List should have at"):
        parse_document(json.dumps(document))


def test_a_record_over_the_size_cap_is_refused_without_being_parsed() -> None:
    document = base()
    document["clients"][0]["first_name"] = "A" * (MAX_RECORD_BYTES + 10)
    with pytest.raises(ImportRejected) as refused:
        parse_document(json.dumps(document))
    assert str(refused.value) == "clients[0]: the record is larger than 1 MB (the limit)"


def test_a_long_string_is_refused_by_its_schema_length() -> None:
    document = base()
    document["clients"][0]["first_name"] = "A" * 101
    with pytest.raises(ImportRejected, match=r"^clients\[0\]\.first_name: String should have"):
        parse_document(json.dumps(document))
    document = base()
    document["$schema"] = "x" * 10_000
    with pytest.raises(ImportRejected, match=r"^\$schema: the value is too large"):
        parse_document(json.dumps(document))


def test_checking_a_large_file_keeps_memory_small(tmp_path: Path) -> None:
    """About 30 MB of valid clients are checked in a few MB (the old reader held it all)."""
    document = base()
    client = document["clients"][0]
    client["appointments"] = [
        {**client["appointments"][0], "external_id": f"a{n}", "bring": "B" * 400} for n in range(60)
    ]
    path = tmp_path / "large.json"
    with path.open("w") as stream:
        stream.write('{"organisations": [], "staff": [], "clients": [')
        for n in range(800):
            copy_ = {**client, "ref": f"HRN-{n}", "caseworker": None, "social_guide": None}
            copy_["appointments"] = [{**a, "staff": None} for a in client["appointments"]]
            stream.write(("," if n else "") + json.dumps(copy_))
        stream.write("]}")
    assert path.stat().st_size > 25 * 1024 * 1024
    tracemalloc.start()
    try:
        counts = check_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["clients"] == 800
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


# -- repeated keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"clients": [], "clients": []}', "clients: this key appears twice in the same object"),
        (
            '{"organisations": [{"key": "a", "key": "b", "name": "N", "kind": "partner"}]}',
            "organisations[0].key: this key appears twice in the same object",
        ),
        (
            '{"clients": [{"ref": "R-1", "first_name": "A", "municipality": "Hoorn",'
            ' "tasks": [{"external_id": "t", "title": "T", "title": "U"}]}]}',
            "clients[0].tasks[0].title: this key appears twice in the same object",
        ),
        (
            '{"clients": [{"ref": "R-1", "first_name": "A", "municipality": "Hoorn",'
            ' "123456782": 1, "123456782": 2}]}',
            "clients[0].(a field): this key appears twice in the same object",
        ),
    ],
)
def test_a_repeated_key_is_refused(text: str, message: str) -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_document(text)
    assert str(refused.value) == message


# -- messages never repeat a value --------------------------------------------------------------


async def test_a_login_held_by_someone_else_is_not_repeated(db: Database) -> None:
    async with db.transaction() as session:
        await import_document(session, parse_document(json.dumps(base())), rules=RULES, now=NOW)
    document = base()
    document["staff"].append({"key": "other", "name": "Other", "organisation": "rit"})
    document["staff"][1]["login"] = SECRET_LOGIN.upper()
    document["staff"][0]["login"] = None
    document["staff"] = [document["staff"][1]]
    with pytest.raises(ImportRejected) as refused:
        async with db.transaction() as session:
            await import_document(
                session, parse_document(json.dumps(document)), rules=RULES, now=NOW
            )
    assert str(refused.value) == "staff[0].login: this login belongs to another staff member"
    assert "secret" not in str(refused.value).lower()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["staff"].append({**d["staff"][0], "key": "sanne2"}), "staff[1].login"),
        (lambda d: d["clients"][0].update(first_name=123456782), "clients[0].first_name"),
        (lambda d: d["clients"][0].update(secret_person_field="x"), "clients[0].secret_person_"),
        (lambda d: d["clients"][0].update({"Amina 123456782": "x"}), "clients[0].(a field)"),
        (lambda d: d["clients"][0].update(locale="Amina's language"), "clients[0].locale"),
    ],
)
def test_no_message_repeats_a_value(change: Any, expected: str) -> None:
    document = base()
    change(document)
    with pytest.raises(ImportRejected) as refused:
        parse_document(json.dumps(document))
    message = str(refused.value)
    assert message.startswith(expected), message
    for secret in (SECRET_LOGIN, "Amina", BSN):
        assert secret not in message


# -- syntax errors read as a whole-document parse would say them --------------------------------


def _reference_message(text: str) -> str:
    """What pydantic says of the whole text (the old importer's message)."""
    from pydantic import ValidationError

    try:
        ImportDocument.model_validate_json(text, strict=True)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        return f"invalid JSON: {error['ctx']['error']}"
    raise AssertionError("the text was valid")


def _broken_texts() -> Iterator[str]:
    pretty = json.dumps(base(), indent=2, ensure_ascii=False)
    yield pretty.replace('"first_name": "Amina",', '"first_name": "Amina"', 1)  # no comma
    yield pretty.replace('"title": "Bring a photo"', '"title": "Bring a photo",', 1)  # trailing
    yield pretty[: pretty.index('"appointments"') + 40]  # ends inside a client
    yield pretty.replace('"Sanne de Vries"', "Sanne", 1)  # a bare word
    yield pretty.replace('"key": "rit",', '"key": "rit" "name2": 1,', 1)
    yield pretty.rstrip()[:-1] + ", }"  # a trailing comma at the top
    yield pretty.replace("]\n}", "],\n]\n}", 1)  # a trailing comma in the last list
    yield pretty.replace('"first_name": "Amina"', '"first_name": "Ämïnä é \\x"', 1)  # escape


@pytest.mark.parametrize("text", list(_broken_texts()))
def test_a_syntax_error_is_placed_where_a_whole_parse_places_it(text: str) -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_document(text)
    assert str(refused.value) == _reference_message(text)


async def test_a_login_can_pass_from_one_staff_member_to_another_in_one_file(
    db: Database,
) -> None:
    async with db.transaction() as session:
        await import_document(session, parse_document(json.dumps(base())), rules=RULES, now=NOW)
    document = base()
    document["staff"][0]["login"] = "new.login@example.org"
    document["staff"].append(
        {"key": "other", "name": "Other", "organisation": "rit", "login": SECRET_LOGIN}
    )
    async with db.transaction() as session:
        summary = await import_document(
            session, parse_document(json.dumps(document)), rules=RULES, now=NOW
        )
    assert (summary["staff"].created, summary["staff"].updated) == (1, 1)


def test_a_bsn_behind_json_escapes_is_refused() -> None:
    """The BSN check reads the values as parsed: escapes in the JSON text do not hide a BSN."""
    escaped = "".join(f"\\u{ord(c):04x}" for c in BSN)
    for written in (
        escaped,  # every digit escaped
        f"Nr\\n{BSN}\\t",  # escapes beside it
        f'\\"{BSN}\\"',
        "1234\\u002e56\\u002e782",  # escaped dots between the groups
    ):
        text = json.dumps(base(), ensure_ascii=False).replace(
            '"description": "', f'"description": "{written} ', 1
        )
        assert written in text
        with pytest.raises(ImportRejected, match=r"^clients\[0\]\.tasks\[0\]\.description: "):
            parse_document(text)
