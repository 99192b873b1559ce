"""Reading an import document as a stream: the top-level object by hand, each record of its
lists on its own, so that memory holds one chunk and one record, never the whole file.

Errors read like those of a whole-document parse (pydantic's JSON parser: "EOF while parsing a
list at line 1 column 13"): a record that does not parse is handed to that parser on its own
and its line and column are moved to where the record starts in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic_core import from_json

CHUNK_BYTES = 1024 * 1024
_SPACE = re.compile(r"[ \t\n\r]*")
_POSITION = re.compile(r"^(?P<what>.*) at line (?P<line>\d+) column (?P<column>\d+)$")
BOM = b"\xef\xbb\xbf"


class StreamError(ValueError):
    """A problem in the text itself (encoding, JSON syntax, size); `path` as in ImportRejected."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


class _Repeated(dict[str, Any]):
    """An object in which a key was repeated (marked, found again after parsing)."""

    def __init__(self, pairs: list[tuple[str, Any]], key: str) -> None:
        super().__init__(pairs)
        self.repeated = key


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def find_repeated(
    value: Any, path: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], str] | None:
    """The first object (in document order) with a repeated key: its path and the key."""
    if isinstance(value, _Repeated):
        return path, value.repeated
    if isinstance(value, dict):
        for key, item in value.items():
            found = find_repeated(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_repeated(item, (*path, index))
            if found is not None:
                return found
    return None


class Source:
    """UTF-8 text from a file or from memory, in chunks; knows where a character is."""

    def __init__(
        self,
        opener: Callable[[], BinaryIO],
        *,
        size: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self._opener = opener
        self.size = size
        self._progress = progress

    @classmethod
    def of_file(cls, path: Path, progress: Callable[[int], None] | None = None) -> Source:
        return cls(lambda: path.open("rb"), size=path.stat().st_size, progress=progress)

    @classmethod
    def of_bytes(cls, data: bytes) -> Source:
        import io

        return cls(lambda: io.BytesIO(data), size=len(data))

    def quiet(self) -> Source:
        """The same text, read again without telling the progress."""
        return Source(self._opener, size=self.size)

    def chunks(self) -> Iterator[str]:
        """Decoded text; a byte that is not UTF-8 stops with its offset in the file."""
        with self._opener() as stream:
            offset = 0
            pending = b""
            first = True
            while True:
                data = stream.read(CHUNK_BYTES)
                final = not data
                data = pending + data
                start = 0
                if (first and len(data) >= 3) or final:
                    if first and data.startswith(BOM):
                        start = 3
                    first = False
                elif first:
                    pending = data
                    continue
                try:
                    text = data[start:].decode("utf-8")
                    pending = b""
                except UnicodeDecodeError as exc:
                    cut = start + exc.start
                    if not final and exc.reason == "unexpected end of data" and len(data) - cut < 4:
                        text = data[start:cut].decode("utf-8")
                        pending = data[cut:]
                    else:
                        raise StreamError(
                            "", f"the file is not UTF-8 text (byte {offset + cut})"
                        ) from None
                offset += len(data) - len(pending)
                if self._progress is not None:
                    self._progress(offset)
                if text:
                    yield text
                if final:
                    return

    def locate(self, char_offset: int) -> tuple[int, int]:
        """Line (from 1) and column (in bytes from the line's start) of a character."""
        line, column_bytes, seen = 1, 0, 0
        for text in self.quiet().chunks():
            part = text[: max(0, char_offset - seen)]
            newlines = part.count("\n")
            if newlines:
                line += newlines
                column_bytes = len(part[part.rindex("\n") + 1 :].encode())
            else:
                column_bytes += len(part.encode())
            seen += len(text)
            if seen >= char_offset:
                break
        return line, column_bytes


@dataclass
class Scanner:
    """A cursor over the text of a Source, reading more as it needs it."""

    source: Source
    buffer: str = ""
    position: int = 0  # in `buffer`
    base: int = 0  # characters of the text before `buffer`

    def __post_init__(self) -> None:
        self._chunks = self.source.chunks()
        self.ended = False
        self.repeated = False  # set when an object with a repeated key was parsed
        self._decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=_no_constant)

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.repeated = True
                    return _Repeated(pairs, key)
                seen.add(key)
        return result

    def _more(self) -> bool:
        if self.ended:
            return False
        try:
            text = next(self._chunks)
        except StopIteration:
            self.ended = True
            return False
        if self.position > CHUNK_BYTES:  # drop what has been read
            self.base += self.position
            self.buffer = self.buffer[self.position :]
            self.position = 0
        self.buffer += text
        return True

    @property
    def offset(self) -> int:
        return self.base + self.position

    def peek(self) -> str:
        """The next character that is not white space ('' at the end), without taking it."""
        while True:
            self.position = _SPACE.match(self.buffer, self.position).end()  # type: ignore[union-attr]
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self._more():
                return ""

    def take(self) -> str:
        char = self.peek()
        self.position += 1
        return char

    def value(self, *, limit: int) -> tuple[str, Any]:
        """The next JSON value: its text and its parsed form (objects may be _Repeated)."""
        self.peek()
        start = self.position
        while True:
            try:
                parsed, end = self._decoder.raw_decode(self.buffer, start)
            except (ValueError, RecursionError):
                if len(self.buffer) - start <= limit and self._more():
                    start = self.position  # _more may have moved the buffer
                    continue
                raise self._syntax_error(start, limit) from None
            if end - start > limit:
                raise TooLarge(limit)
            self.position = end
            return self.buffer[start:end], parsed

    def _syntax_error(self, start: int, limit: int) -> StreamError:
        """The parser's own words for the first problem after `start`, placed in the file."""
        text = self.buffer[start:]
        try:
            from_json(text.encode())
        except ValueError as exc:
            message = str(exc)
        else:  # the standard parser refused what pydantic's accepts (NaN, a lone surrogate)
            return StreamError("", f"invalid JSON at {self.where(start)}")
        if message.startswith("EOF") and len(text) > limit:
            raise TooLarge(limit)
        match = _POSITION.match(message)
        if match is None:
            return StreamError("", f"invalid JSON: {message}")
        line, column = int(match["line"]), int(match["column"])
        first_line, first_column = self.source.locate(self.base + start)
        if line == 1:
            column += first_column
        line += first_line - 1
        return StreamError("", f"invalid JSON: {match['what']} at line {line} column {column}")

    def where(self, position: int | None = None) -> str:
        line, column = self.source.locate(
            self.base + (self.position if position is None else position)
        )
        return f"line {line} column {column + 1}"

    def error(self, what: str, *, at_end: bool = False) -> StreamError:
        """A syntax error at the cursor, worded as pydantic's parser words it."""
        line, column = self.source.locate(self.offset)
        return StreamError(
            "", f"invalid JSON: {what} at line {line} column {column if at_end else column + 1}"
        )


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit
