"""Telegram's text formatting, as the server sees it: parse_mode markup → plain text + entities.

The limits Telegram enforces (4096 characters per message, 1024 per caption) count the text *after*
this parsing, and a markup mistake is refused with "can't parse entities", so the fake has to parse
for real. The parsers follow TDLib's (HTML, MarkdownV2, legacy Markdown) closely enough that the
same inputs are accepted or refused, with TDLib's wording. Entity offsets are in UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What Telegram trims from both ends of a message text.
_TRIMMED = " \t\r\n\v\f\0"


class EntityError(ValueError):
    """Markup Telegram refuses; str(error) is TDLib's reason."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Builder:
    """Collects plain text and entities while a parser walks the markup."""

    source: str
    chars: list[str] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    length: int = 0  # UTF-16 length of chars so far

    def add(self, text: str) -> None:
        self.chars.append(text)
        self.length += utf16_len(text)

    def entity(self, kind: str, start: int, **extra) -> None:
        if self.length > start:
            self.entities.append({"type": kind, "offset": start, "length": self.length - start, **extra})

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def result(self) -> tuple[str, list[dict]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.chars), self.entities


# ---------------------------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]+));")
_TAG_NAME = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME = re.compile(r"[a-zA-Z0-9_-]*")


def _decode_html_entity(text: str, i: int) -> tuple[str, int]:
    """The character an &…; at text[i] stands for and where it ends; a lone '&' stays itself."""
    match = _HTML_ENTITY.match(text, i)
    if match:
        hex_code, dec_code, name = match.groups()
        if name is None:
            code = int(hex_code, 16) if hex_code else int(dec_code)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), match.end()
        elif name in _HTML_NAMED:
            return _HTML_NAMED[name], match.end()
    return "&", i + 1


def _html_attributes(text: str, i: int, tag: str, out: _Builder, tag_start: int) -> tuple[dict, int]:
    """Parse attributes up to '>' (returns them and the index after '>')."""
    attrs: dict[str, str] = {}
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise EntityError(f"Unclosed start tag at byte offset {out.byte_offset(tag_start)}")
        if text[i] == ">":
            return attrs, i + 1
        name = _ATTR_NAME.match(text, i).group().lower()
        if not name:
            raise EntityError(f"Empty attribute name in the tag \"{tag}\" at byte offset {out.byte_offset(tag_start)}")
        i += len(name)
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != "=":
            if i < len(text) and (text[i] == ">" or text[i].isalpha()):
                attrs[name] = ""  # a bare attribute such as <blockquote expandable>
                continue
            raise EntityError(
                f"Expected equal sign in declaration of an attribute of the tag \"{tag}\" at byte offset "
                f"{out.byte_offset(tag_start)}"
            )
        i += 1
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] in "\"'":
            end = text.find(text[i], i + 1)
            if end < 0:
                raise EntityError(f"Unclosed start tag at byte offset {out.byte_offset(tag_start)}")
            raw, i = text[i + 1:end], end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] != ">":
                end += 1
            raw, i = text[i:end], end
        attrs[name] = _unescape_html(raw)


def _unescape_html(raw: str) -> str:
    parts, i = [], 0
    while i < len(raw):
        if raw[i] == "&":
            char, i = _decode_html_entity(raw, i)
            parts.append(char)
        else:
            parts.append(raw[i])
            i += 1
    return "".join(parts)


def _html_entity_fields(tag: str, attrs: dict[str, str], out: _Builder, tag_start: int) -> dict | None:
    """Extra fields of the entity a tag opens; None when the tag makes no entity (e.g. <a> without href)."""
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityError(f"Tag \"span\" must have class \"tg-spoiler\" at byte offset {out.byte_offset(tag_start)}")
    if tag == "a":
        return {"url": attrs["href"]} if attrs.get("href") else None
    if tag == "tg-emoji":
        if not attrs.get("emoji-id"):
            raise EntityError(f"Custom emoji entity must contain a tg://emoji URL at byte offset {out.byte_offset(tag_start)}")
        return {"custom_emoji_id": attrs["emoji-id"]}
    if tag == "code" and attrs.get("class", "").startswith("language-"):
        return {"language": attrs["class"][len("language-"):]}
    return {}


def parse_html(text: str) -> tuple[str, list[dict]]:
    out = _Builder(text)
    open_tags: list[tuple[str, int, dict | None]] = []  # (tag, start offset, entity fields)
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            decoded, i = _decode_html_entity(text, i)
            out.add(decoded)
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        tag_start = i
        if text.startswith("</", i):
            tag = _TAG_NAME.match(text, i + 2).group().lower()
            i += 2 + len(tag)
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text) or text[i] != ">":
                raise EntityError(f"Unclosed end tag at byte offset {out.byte_offset(tag_start)}")
            i += 1
            if not open_tags:
                raise EntityError(f"Unexpected end tag at byte offset {out.byte_offset(tag_start)}")
            expected, start, fields = open_tags.pop()
            if tag != expected:
                raise EntityError(
                    f"Unmatched end tag at byte offset {out.byte_offset(tag_start)}, "
                    f"expected \"</{expected}>\", found \"</{tag}>\""
                )
            _close_html_tag(out, open_tags, expected, start, fields)
            continue
        tag = _TAG_NAME.match(text, i + 1).group().lower()
        if tag not in _HTML_TAGS:
            raise EntityError(f"Unsupported start tag \"{tag}\" at byte offset {out.byte_offset(tag_start)}")
        attrs, i = _html_attributes(text, i + 1 + len(tag), tag, out, tag_start)
        open_tags.append((tag, out.length, _html_entity_fields(tag, attrs, out, tag_start)))
    if open_tags:
        raise EntityError(f"Can't find end tag corresponding to start tag \"{open_tags[-1][0]}\"")
    return out.result()


def _close_html_tag(out: _Builder, open_tags: list, tag: str, start: int, fields: dict | None) -> None:
    if fields is None:
        return
    kind = _HTML_TAGS[tag]
    if tag == "blockquote" and "expandable" in fields:
        kind = "expandable_blockquote"
    language = fields.pop("language", None)
    # <pre><code class="language-x">…</code></pre> is one pre entity with a language, as in Telegram.
    if kind == "code" and language is not None and open_tags and open_tags[-1][0] == "pre":
        open_tags[-1][2]["language"] = language
        return
    out.entity(kind, start, **{k: v for k, v in fields.items() if k != "expandable"})


# ---------------------------------------------------------------------------------------- MarkdownV2

_V2_RESERVED = "_*[]()~`>#+-=|{}.!"
_V2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}
# The opening character sequence of each MarkdownV2 entity, longest first.
_V2_OPENERS = (("```", "pre"), ("__", "underline"), ("||", "spoiler"), ("![", "custom_emoji"), ("_", "italic"),
               ("*", "bold"), ("~", "strikethrough"), ("`", "code"), ("[", "text_link"))
_V2_CLOSERS = {"pre": "```", "underline": "__", "spoiler": "||", "custom_emoji": "]", "italic": "_", "bold": "*",
               "strikethrough": "~", "code": "`", "text_link": "]"}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    out = _Builder(text)
    stack: list[tuple[str, int, int]] = []  # (kind, start offset, index of the opener in text)
    quote_start: int | None = None
    i = 0
    while i < len(text):
        char = text[i]
        in_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if char == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if char == ">" and not in_code and (i == 0 or text[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.length
            i += 1
            continue
        if char == "\n" and quote_start is not None and not text.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
        if char not in _V2_RESERVED or (in_code and char != "`"):
            out.add(char)
            i += 1
            continue
        if stack and text.startswith(_V2_CLOSERS[stack[-1][0]], i):
            i = _close_v2(text, i, stack.pop(), out)
            continue
        opener = None if in_code else next(((s, k) for s, k in _V2_OPENERS if text.startswith(s, i)), None)
        if opener is None:
            raise EntityError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        seq, kind = opener
        i += len(seq)
        if kind == "pre":  # the rest of the opening line names the language
            newline = text.find("\n", i)
            if newline >= 0 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", text[i:newline]):
                i = newline + 1
        stack.append((kind, out.length, i - len(seq)))
    if stack:
        kind, _, opener_index = stack[-1]
        raise EntityError(f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {out.byte_offset(opener_index)}")
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


def _close_v2(text: str, i: int, opened: tuple[str, int, int], out: _Builder) -> int:
    kind, start, _ = opened
    i += len(_V2_CLOSERS[kind])
    if kind not in ("text_link", "custom_emoji"):
        out.entity(kind, start)
        return i
    url = ""
    if text.startswith("(", i):
        end = i + 1
        while end < len(text) and text[end] != ")":
            end += 2 if text[end] == "\\" else 1
        if end >= len(text):
            raise EntityError(f"Can't find end of a URL at byte offset {out.byte_offset(i)}")
        url, i = re.sub(r"\\(.)", r"\1", text[i + 1:end]), end + 1
    if kind == "custom_emoji":
        out.entity(kind, start, custom_emoji_id=url.rpartition("id=")[2])
    elif url:
        out.entity(kind, start, url=url)
    return i


# ----------------------------------------------------------------------------------- legacy Markdown

_LEGACY = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    out = _Builder(text)
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in _LEGACY:
            out.add(char)
            i += 1
            continue
        kind, closer, begin = _LEGACY[char], "]" if char == "[" else char, i
        if text.startswith("```", i):
            kind, closer = "pre", "```"
        i += len(closer) if kind == "pre" else 1
        end = text.find(closer, i)
        if end < 0:
            raise EntityError(f"Can't find end of the entity starting at byte offset {out.byte_offset(begin)}")
        start = out.length
        out.add(text[i:end])
        i = end + len(closer)
        if kind == "text_link":
            url = ""
            if text.startswith("(", i) and text.find(")", i) > 0:
                close = text.find(")", i)
                url, i = text[i + 1:close], close + 1
            if url:
                out.entity(kind, start, url=url)
        else:
            out.entity(kind, start)
    return out.result()


# ------------------------------------------------------------------------------------------- public

PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def formatted_text(text: str, parse_mode: str | None, entities: list[dict] | None = None) -> tuple[str, list[dict]]:
    """What the recipient sees: (plain text, entities), trimmed like Telegram trims messages.

    Raises EntityError for bad markup and ValueError("unsupported parse_mode") for an unknown mode.
    """
    if parse_mode:
        parser = PARSERS.get(parse_mode.lower())
        if parser is None:
            raise ValueError("unsupported parse_mode")
        text, entities = parser(text)
    return _trim(text, list(entities or []))


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    stripped = text.lstrip(_TRIMMED)
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(_TRIMMED)
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


# A command as Telegram marks it in what users write: /name or /name@bot, at the start or after a space.
_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")


def command_entities(text: str) -> list[dict]:
    return [
        {"type": "bot_command", "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group())}
        for m in _COMMAND.finditer(text)
    ]
