"""Text formatting the way Telegram does it: parse modes, entities and UTF-16 offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024


class EntityParseError(ValueError):
    """The text does not parse in its parse_mode; str() is Telegram's detail text."""


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit Telegram offsets use."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def byte_offset(text: str, index: int) -> int:
    """Return the UTF-8 byte offset of index, the unit Telegram error messages use."""
    return len(text[:index].encode("utf-8", "surrogatepass"))


@dataclass
class _OpenTag:
    """A formatting span that has started but not ended yet."""

    name: str
    entity: Entity | None
    offset: int
    source_index: int


@dataclass
class _Builder:
    """Accumulates plain text and entities while a formatted text is parsed."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        """Append plain text."""
        if text:
            self.parts.append(text)
            self.length += utf16_len(text)

    def close(self, tag: _OpenTag) -> None:
        """Turn a finished span into an entity; Telegram drops empty ones."""
        if tag.entity is not None and self.length > tag.offset:
            self.entities.append(
                {**tag.entity, "offset": tag.offset, "length": self.length - tag.offset}
            )

    def result(self) -> tuple[str, list[Entity]]:
        """Return the plain text and its entities sorted like Telegram sorts them."""
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

HTML_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
HTML_TAGS = frozenset({*HTML_SIMPLE_TAGS, "a", "span", "blockquote", "tg-emoji"})
HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot|apos|nbsp);")
HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\xa0"}
HTML_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
HTML_TAG_NAME = re.compile(r"[a-zA-Z0-9-]*")
HTML_PLAIN_RUN = re.compile(r"[^<&]+")


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset into plain text and entities, or raise EntityParseError."""
    builder = _Builder()
    stack: list[_OpenTag] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            index = _html_tag(text, index, builder, stack)
        elif char == "&":
            index = _html_entity(text, index, builder)
        else:
            run = HTML_PLAIN_RUN.match(text, index)
            assert run is not None
            builder.add(run.group())
            index = run.end()
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return builder.result()


def check_strict_html(text: str) -> None:
    """Telegram's documented rule, stricter than its parser: every <, > and & that is not part
    of a tag or an entity must be escaped. Raises EntityParseError for a bare > or & (which
    Telegram itself lets through), after `parse_html`'s own checks."""
    parse_html(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            index = text.index(">", index) + 1
            continue
        if char == ">":
            raise EntityParseError(f'Bare ">" at byte offset {byte_offset(text, index)}')
        if char == "&" and HTML_ENTITY.match(text, index) is None:
            raise EntityParseError(f'Bare "&" at byte offset {byte_offset(text, index)}')
        index += 1


def _html_entity(text: str, index: int, builder: _Builder) -> int:
    """Decode one character reference; an unknown one stays literal text."""
    match = HTML_ENTITY.match(text, index)
    if match is None:
        builder.add("&")
        return index + 1
    name = match.group(1)
    if name.startswith("#x"):
        builder.add(chr(int(name[2:], 16)))
    elif name.startswith("#"):
        builder.add(chr(int(name[1:])))
    else:
        builder.add(HTML_NAMED[name])
    return match.end()


def _html_tag(text: str, index: int, builder: _Builder, stack: list[_OpenTag]) -> int:
    """Handle the tag starting at index and return the index after it."""
    end = text.find(">", index)
    is_end_tag = text.startswith("</", index)
    name_match = HTML_TAG_NAME.match(text, index + (2 if is_end_tag else 1))
    assert name_match is not None
    name = name_match.group().lower()
    offset = byte_offset(text, index)
    if is_end_tag:
        if end == -1:
            raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
        _html_close(name, offset, builder, stack)
        return end + 1
    if name not in HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    if end == -1:
        raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {offset}')
    attributes = _html_attributes(text[name_match.end() : end])
    entity = _html_entity_for(name, attributes, stack)
    stack.append(_OpenTag(name, entity, builder.length, index))
    return end + 1


def _html_close(name: str, offset: int, builder: _Builder, stack: list[_OpenTag]) -> None:
    """Close the innermost open tag, which must be the one named."""
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
    if stack[-1].name != name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1].name}>", '
            f'found "</{name}>"'
        )
    builder.close(stack.pop())


def _html_attributes(raw: str) -> dict[str, str]:
    """Return the attributes of a start tag."""
    return {
        match.group(1).lower(): match.group(2) or match.group(3) or match.group(4) or ""
        for match in HTML_ATTRIBUTE.finditer(raw.rstrip("/"))
    }


def _html_entity_for(name: str, attributes: dict[str, str], stack: list[_OpenTag]) -> Entity | None:
    """Return the entity a start tag opens (without offset/length)."""
    if name in HTML_SIMPLE_TAGS:
        return (
            _html_code_entity(attributes, stack)
            if name == "code"
            else {"type": HTML_SIMPLE_TAGS[name]}
        )
    if name == "a":
        href = attributes.get("href")
        return {"type": "text_link", "url": href} if href else None
    if name == "span":
        if attributes.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        return {"type": "spoiler"}
    if name == "tg-emoji":
        if "emoji-id" not in attributes:
            raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
        return {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
    expandable = "expandable" in attributes
    return {"type": "expandable_blockquote" if expandable else "blockquote"}


def _html_code_entity(attributes: dict[str, str], stack: list[_OpenTag]) -> Entity | None:
    """A <code class="language-x"> inside <pre> sets the pre's language instead."""
    language = attributes.get("class", "")
    if stack and stack[-1].name == "pre" and stack[-1].entity is not None:
        if language.startswith("language-"):
            stack[-1].entity["language"] = language[len("language-") :]
        return None
    return {"type": "code"}


# ---------------------------------------------------------------------------------------------
# Markdown (legacy) and MarkdownV2
# ---------------------------------------------------------------------------------------------

MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
MARKDOWN_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


class _MarkdownParser:
    """A compact re-implementation of Telegram's Markdown and MarkdownV2 parsers."""

    def __init__(self, text: str, v2: bool) -> None:
        self.text = text
        self.v2 = v2
        self.builder = _Builder()
        self.stack: list[_OpenTag] = []
        self.index = 0

    def parse(self) -> tuple[str, list[Entity]]:
        """Return plain text and entities, or raise EntityParseError."""
        while self.index < len(self.text):
            self._step()
        if self.stack:
            self._fail_unclosed(self.stack[-1])
        return self.builder.result()

    def _step(self) -> None:
        """Consume one token."""
        text, index = self.text, self.index
        char = text[index]
        if char == "\\" and index + 1 < len(text) and (self.v2 or text[index + 1] in "_*`["):
            self.builder.add(text[index + 1])
            self.index += 2
        elif char == "`":
            self._code()
        elif char == "[":
            self._open("[", {"type": "text_link"}, 1)
        elif char == "]" and self.stack and self.stack[-1].name == "[":
            self._close_link()
        elif char == "*" or (char == "~" and self.v2):
            self._toggle(char, {"*": "bold", "~": "strikethrough"}[char], 1)
        elif char == "_":
            underline = self.v2 and text.startswith("__", index)
            self._toggle(
                "__" if underline else "_",
                "underline" if underline else "italic",
                2 if underline else 1,
            )
        elif self.v2 and text.startswith("||", index):
            self._toggle("||", "spoiler", 2)
        elif self.v2 and char == ">" and (index == 0 or text[index - 1] == "\n"):
            self._blockquote_line()
        elif self.v2 and char in MARKDOWN_V2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            self.builder.add(char)
            self.index += 1

    def _open(self, marker: str, entity: Entity, width: int) -> None:
        """Start a span."""
        self.stack.append(_OpenTag(marker, entity, self.builder.length, self.index))
        self.index += width

    def _toggle(self, marker: str, entity_type: str, width: int) -> None:
        """Close the span opened by marker, or open a new one."""
        if self.stack and self.stack[-1].name == marker:
            self.builder.close(self.stack.pop())
            self.index += width
        elif any(tag.name == marker for tag in self.stack) or (self.stack and not self.v2):
            self._fail_unclosed(self.stack[-1])
        else:
            self._open(marker, {"type": entity_type}, width)

    def _close_link(self) -> None:
        """Finish [text](url); without a (url) the brackets are plain text in effect."""
        tag = self.stack.pop()
        close = self.text.find(")", self.index)
        if not self.text.startswith("(", self.index + 1) or close == -1:
            self.index += 1
            return
        url = self.text[self.index + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
        if tag.entity is not None:
            tag.entity["url"] = url
        self.builder.close(tag)
        self.index = close + 1

    def _code(self) -> None:
        """Parse `code` or ```pre``` whose content is taken literally."""
        fence = "```" if self.text.startswith("```", self.index) else "`"
        start = self.index + len(fence)
        end = self._find_unescaped(fence, start)
        if end == -1:
            name = "Pre" if fence == "```" else "Code"
            offset = byte_offset(self.text, self.index)
            raise EntityParseError(f"Can't find end of {name} entity at byte offset {offset}")
        content = self.text[start:end]
        entity: Entity = {"type": "code"}
        if fence == "```":
            entity = {"type": "pre"}
            first_line, newline, rest = content.partition("\n")
            if newline and first_line and " " not in first_line:
                entity["language"] = first_line
                content = rest
        if self.v2:
            content = re.sub(r"\\([\\`])", r"\1", content)
        tag = _OpenTag(fence, entity, self.builder.length, self.index)
        self.builder.add(content)
        self.builder.close(tag)
        self.index = end + len(fence)

    def _find_unescaped(self, fence: str, start: int) -> int:
        """Return the index of the next fence not preceded by a backslash (V2 only)."""
        position = self.text.find(fence, start)
        while self.v2 and position > 0 and self.text[position - 1] == "\\":
            position = self.text.find(fence, position + 1)
        return position

    def _blockquote_line(self) -> None:
        """A '>' at line start quotes the rest of the line."""
        line_end = self.text.find("\n", self.index)
        line_end = len(self.text) if line_end == -1 else line_end
        tag = _OpenTag(">", {"type": "blockquote"}, self.builder.length, self.index)
        inner = _MarkdownParser(self.text[self.index + 1 : line_end], v2=True)
        plain, entities = inner.parse()
        for entity in entities:
            entity["offset"] += self.builder.length
        self.builder.entities.extend(entities)
        self.builder.add(plain)
        self.builder.close(tag)
        self.index = line_end

    def _fail_unclosed(self, tag: _OpenTag) -> None:
        """Raise Telegram's error for a span that never ends."""
        offset = byte_offset(self.text, tag.source_index)
        if not self.v2:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
        entity_type = tag.entity["type"] if tag.entity else "text_link"
        name = MARKDOWN_ENTITY_NAMES.get(entity_type, entity_type)
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {offset}")


# ---------------------------------------------------------------------------------------------
# Entities Telegram detects by itself
# ---------------------------------------------------------------------------------------------

AUTO_ENTITY_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+")),
    ("mention", re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{4,32}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#[^\W\d]\w*")),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
)
AUTO_ENTITY_HINT = re.compile(r"[/@#:]")


def detect_entities(text: str) -> list[Entity]:
    """Return the commands, URLs, mentions, hashtags and e-mails Telegram would mark up."""
    if not AUTO_ENTITY_HINT.search(text):
        return []
    spans: list[tuple[int, int, str]] = []
    for entity_type, pattern in AUTO_ENTITY_PATTERNS:
        spans.extend((m.start(), m.end(), entity_type) for m in pattern.finditer(text))
    spans.sort(key=lambda span: (span[0], -(span[1] - span[0])))
    entities: list[Entity] = []
    covered_until = 0
    for start, end, entity_type in spans:
        if start >= covered_until:
            offset = utf16_len(text[:start])
            entities.append(
                {"type": entity_type, "offset": offset, "length": utf16_len(text[start:end])}
            )
            covered_until = end
    return entities


def merge_entities(explicit: list[Entity], detected: list[Entity]) -> list[Entity]:
    """Add detected entities that do not overlap explicit ones."""
    if not detected:
        return explicit
    taken = [(e["offset"], e["offset"] + e["length"]) for e in explicit]
    extra = [
        e
        for e in detected
        if all(e["offset"] + e["length"] <= start or e["offset"] >= end for start, end in taken)
    ]
    return sorted(explicit + extra, key=lambda e: (e["offset"], -e["length"]))


def format_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for a text as Telegram would store it."""
    mode = (parse_mode or "").lower()
    if entities:
        plain, explicit = text, list(entities)
    elif mode == "html":
        plain, explicit = parse_html(text)
    elif mode in ("markdownv2", "markdown"):
        plain, explicit = _MarkdownParser(text, v2=mode == "markdownv2").parse()
    elif mode:
        raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')
    else:
        plain, explicit = text, []
    return plain, merge_entities(explicit, detect_entities(plain))
