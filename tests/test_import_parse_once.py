"""The reading of a record's text at its edges (issue 15, item 5): a key repeated deep in a
record, brackets, quotes, colons and unicode escapes in strings, a truncated record, what the
standard parser and pydantic's parser disagree on. A faster reading must keep these outcomes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casework.importer import ImportDocument, ImportRejected, parse_document
from tests.test_import_limits import base


def _read(text: str) -> dict[str, Any] | str:
    """The outcome of reading a document: its records, or the message of its refusal."""
    try:
        return parse_document(text).model_dump()
    except ImportRejected as exc:
        return str(exc)


def _dumps(document: dict[str, Any], pretty: bool) -> str:
    if pretty:
        return json.dumps(document, indent=2)
    return json.dumps(document, separators=(",", ":"))


def _part(text: str) -> str:
    """base() as JSON with the text of its first plan part's object replaced."""
    document = base()
    document["clients"][0]["plan"]["parts"][0] = {"MARK": 1}
    return json.dumps(document).replace('{"MARK": 1}', text)


@pytest.mark.parametrize("pretty", [False, True])
def test_a_valid_document_is_read_whole(pretty: bool) -> None:
    outcome = _read(_dumps(base(), pretty))
    assert isinstance(outcome, dict)
    expected = ImportDocument.model_validate(base()).model_dump()
    for kind in ("organisations", "staff", "clients"):
        assert outcome[kind] == expected[kind]


@pytest.mark.parametrize(
    "part",
    [
        '{"external_id": "p1", "kind": "reading", "title": "A", "title": "B"}',
        '{"external_id": "p1", "kind": "reading", "title" : "A", "title": "B"}',
        '{"external_id": "p1", "kind": "reading", "title": "A", "t\\u0069tle": "B"}',
        '{"external_id": "p1", "kind": "reading", "title": "A\\":", "title": "B"}',
        '{"external_id": "p1", "kind": "reading", "title": ":A", "title": "\\":B"}',
        '{"external_id": "p1", "kind": "reading", "title": "A",\n"title"\n:\n"B"}',
    ],
)
def test_a_key_repeated_deep_in_a_record_is_refused(part: str) -> None:
    assert _read(_part(part)) == (
        "clients[0].plan.parts[0].title: this key appears twice in the same object"
    )


@pytest.mark.parametrize(
    "title",
    [
        'a } ] { [ "quoted" \\ back\\slash',
        "}}}}",
        "{{{{[[[",
        '"}, {"title": "x"',
        "10:00 and 11:00",
        ":",
        "NaN Infinity",
        "é € 😀 \u2028",
    ],
)
@pytest.mark.parametrize("pretty", [False, True])
@pytest.mark.parametrize("ascii_only", [False, True])
def test_brackets_quotes_colons_and_unicode_escapes_in_strings_are_kept(
    title: str, pretty: bool, ascii_only: bool
) -> None:
    document = base()
    document["clients"][0]["plan"]["parts"][0]["title"] = title
    document["clients"][0]["tasks"][0]["description"] = title
    text = json.dumps(document, indent=2 if pretty else None, ensure_ascii=ascii_only)
    outcome = _read(text)
    assert isinstance(outcome, dict)
    assert outcome["clients"][0]["plan"]["parts"][0]["title"] == title
    assert outcome["clients"][0]["tasks"][0]["description"] == title


def test_a_truncated_record_is_refused_with_its_place() -> None:
    text = json.dumps(base())
    start = text.index('"clients": [') + len('"clients": [')
    messages = {_read(text[:cut]) for cut in range(start, len(text) - 1, 7)}
    assert all(isinstance(message, str) and "invalid JSON" in message for message in messages)
    assert _read(text[: text.index('"tasks"')]) == (
        f"invalid JSON: EOF while parsing a value at line 1 column {text.index('tasks') - 1}"
    )


P = '{"external_id": "p1", "kind": "reading", "title": "A"'
AT = "clients[0].plan.parts[0]"


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (P + ', "hours": NaN}', "invalid JSON: trailing characters at line 1 column 1262"),
        (P + ', "hours": Infinity}', "invalid JSON: trailing characters at line 1 column 1267"),
        (  # pydantic's parser refuses a lone surrogate, the standard one takes it
            P[:-1] + '\\ud800"}',
            "clients[0]: invalid JSON: unexpected end of hex escape at line 1 column 395",
        ),
        (P + "}}", "invalid JSON: expected `,` or `]` at line 1 column 789"),
        (P + ', "title": "A\\u0000"}', f"{AT}.title: this key appears twice in the same object"),
        (P + ' "note": "B"}', "invalid JSON: expected `,` or `}` at line 1 column 789"),
        (
            P[:-1] + '\tB"}',
            "invalid JSON: control character (\\u0000-\\u001F) found while parsing a string"
            " at line 1 column 787",
        ),
        (P + ', "x": {"a": 1, "a": 2}}', f"{AT}.x.a: this key appears twice in the same object"),
        (P + ', "x": {"a\\\\": 1, "a": 2}}', f"{AT}.x: Extra inputs are not permitted"),
        (
            P + ', "note": ' + "[" * 12 + "]" * 12 + "}",
            f"{AT}.note: Input should be a valid string",
        ),
        (
            P + ', "note": {' + '"a": {' * 10 + "}" * 11 + "}",
            f"{AT}.note: Input should be a valid string",
        ),
    ],
)
def test_other_broken_records_are_refused_with_their_messages(part: str, message: str) -> None:
    assert _read(_part(part)) == message
