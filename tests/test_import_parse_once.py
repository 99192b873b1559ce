"""Each record is parsed once (pydantic) when it is plainly valid; anything else is read as
before (the standard parser for its end and repeated keys, then pydantic). Both readings must
accept the same documents with the same records and refuse the others with the same message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casework import importer
from casework.import_stream import Scanner
from casework.importer import ImportDocument, ImportRejected, parse_document
from tests.test_import_limits import base


def _read(text: str) -> dict[str, Any] | str:
    try:
        return parse_document(text).model_dump()
    except ImportRejected as exc:
        return str(exc)


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | str:
    """The outcome of the fast reading, after checking the full reading gives the same."""
    fast = _read(text)
    with monkeypatch.context() as patch:
        patch.setattr(Scanner, "object_text", lambda self, *, limit: None)
        slow = _read(text)
    assert fast == slow
    return fast


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
def test_a_valid_document_reads_the_same_both_ways(
    pretty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick: list[object] = []
    plain_record = importer._plain_record

    def spy(model: Any, scanner: Scanner) -> Any:
        quick.append(plain_record(model, scanner))
        return quick[-1]

    monkeypatch.setattr(importer, "_plain_record", spy)
    outcome = _both(_dumps(base(), pretty), monkeypatch)
    assert isinstance(outcome, dict)
    expected = ImportDocument.model_validate(base()).model_dump()
    for kind in ("organisations", "staff", "clients"):
        assert outcome[kind] == expected[kind]
    assert len(quick) == 6  # three records, read fast and then the full way
    assert None not in quick[:3]  # the fast reading took each record: parsed once


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
def test_a_key_repeated_deep_in_a_record_is_refused(
    part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _both(_part(part), monkeypatch) == (
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
    title: str, pretty: bool, ascii_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = base()
    document["clients"][0]["plan"]["parts"][0]["title"] = title
    document["clients"][0]["tasks"][0]["description"] = title
    text = json.dumps(document, indent=2 if pretty else None, ensure_ascii=ascii_only)
    outcome = _both(text, monkeypatch)
    assert isinstance(outcome, dict)
    assert outcome["clients"][0]["plan"]["parts"][0]["title"] == title
    assert outcome["clients"][0]["tasks"][0]["description"] == title


def test_a_truncated_record_is_refused_with_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(base())
    start = text.index('"clients": [') + len('"clients": [')
    messages = {_both(text[:cut], monkeypatch) for cut in range(start, len(text) - 1, 7)}
    assert all(isinstance(message, str) and "invalid JSON" in message for message in messages)
    assert _both(text[: text.index('"tasks"')], monkeypatch) == (
        f"invalid JSON: EOF while parsing a value at line 1 column {text.index('tasks') - 1}"
    )


@pytest.mark.parametrize(
    "part",
    [
        '{"external_id": "p1", "kind": "reading", "title": "A", "hours": NaN}',
        '{"external_id": "p1", "kind": "reading", "title": "A", "hours": Infinity}',
        '{"external_id": "p1", "kind": "reading", "title": "A\\ud800"}',
        '{"external_id": "p1", "kind": "reading", "title": "A"}}',
        '{"external_id": "p1", "kind": "reading", "title": "A", "title": "A\\u0000"}',
        '{"external_id": "p1", "kind": "reading", "title": "A" "note": "B"}',
        '{"external_id": "p1", "kind": "reading", "title": "A\tB"}',
        '{"external_id": "p1", "kind": "reading", "title": "A", "unknown": {"a": 1, "a": 2}}',
        '{"external_id": "p1", "kind": "reading", "title": "A", "unknown": {"a\\\\": 1, "a": 2}}',
    ],
)
def test_other_broken_records_are_refused_as_before(
    part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(_both(_part(part), monkeypatch), str)


def test_records_deeper_than_the_fast_reading_are_read_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deep = "[" * 12 + "]" * 12
    part = '{"external_id": "p1", "kind": "reading", "title": "A", "note": DEEP}'
    nested = "{" + '"a": {' * 10 + "}" * 11
    for value in (deep, nested):
        assert isinstance(_both(_part(part.replace("DEEP", value)), monkeypatch), str)
