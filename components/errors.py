"""The one error type for bad configuration, so every message has the same shape."""

from __future__ import annotations

from collections.abc import Iterable

# A value a message quotes back is cut to this many characters (an ellipsis marks the cut):
# a 10 MB config value or a 3 MB input must not come back whole (a terminal, a CI log, the
# gRPC metadata an InputPropertyError travels in: 16 KB).
ECHO_MAX = 80
# An unquoted word (a number, a path) is cut later: paths are legitimately long.
WORD_MAX = 160
# And no message is longer than this, whatever it holds.
MESSAGE_MAX = 2000
ELLIPSIS = "…"
_QUOTES = "'\""


def _closing(text: str, quote: str, start: int) -> int:
    """Index of the quote that closes the repr opened at `start` (backslash escapes
    skipped), or -1."""
    index = start + 1
    while True:
        index = text.find(quote, index)
        if index < 0:
            return -1
        backslashes = 0
        while text[index - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return index
        index += 1


def clip(text: str) -> str:
    """`text` with every long quoted value (a repr: `'...'`, `"..."`) cut to ECHO_MAX
    characters, every long unquoted word to WORD_MAX, and the whole to MESSAGE_MAX.

    One pass, linear in the length (a message may quote a 10 MB value). A quote opens a
    value only after a non-alphanumeric character, so the apostrophe of "Lambda's" does not.
    """
    if len(text) <= ECHO_MAX:
        return text
    parts: list[str] = []
    index = 0
    upcoming = {quote: text.find(quote) for quote in _QUOTES}  # next of each, -1: none
    size = 0
    while index < len(text) and size <= MESSAGE_MAX:  # the rest would be cut anyway
        size += len(parts[-1]) if parts else 0
        char = text[index]
        opens = char in _QUOTES and (index == 0 or not text[index - 1].isalnum())
        end = _closing(text, char, index) if opens else -1
        if end >= 0:
            value = text[index + 1 : end]
            if len(value) > ECHO_MAX:
                value = value[: ECHO_MAX - 1] + ELLIPSIS
            parts.append(char + value + char)
            index = end + 1
        elif opens:  # nothing closes it: no later quote can close anything either
            parts.append(_clip_words(text[index:]))
            break
        else:
            for quote, at in upcoming.items():
                if 0 <= at <= index:
                    upcoming[quote] = text.find(quote, index + 1)
            stop = min((at for at in upcoming.values() if at >= 0), default=len(text))
            parts.append(_clip_words(text[index:stop]))
            index = stop
            continue
        for quote, at in upcoming.items():
            if 0 <= at < index:
                upcoming[quote] = text.find(quote, index)
    clipped = "".join(parts)
    if (index < len(text) and size > MESSAGE_MAX) or len(clipped) > MESSAGE_MAX:
        return clipped[: MESSAGE_MAX - 1] + ELLIPSIS
    return clipped


def _clip_words(text: str) -> str:
    if len(text) <= WORD_MAX:
        return text
    words = text.split(" ")
    return " ".join(
        word if len(word) <= WORD_MAX else word[: WORD_MAX - 1] + ELLIPSIS for word in words
    )


class ConfigError(ValueError):
    """A configuration value is invalid.

    Raised before any resource is registered, so a bad stack never half-deploys.
    The message always names the key and, where there is a closed set, the allowed values.
    A value the message quotes back is cut short (`clip`), credentials in URLs hidden.
    """

    def __init__(self, key: str, problem: str, allowed: Iterable[object] | str | None = None):
        from .cli import redact  # a URL's password goes before the value is cut

        self.key = clip(redact(str(key)))
        self.problem = clip(redact(str(problem)))
        if allowed is None or isinstance(allowed, str):
            self.allowed = allowed
        else:
            self.allowed = ", ".join(str(value) for value in allowed)
        if self.allowed:
            self.allowed = clip(self.allowed)
        message = f"{self.key}: {self.problem}"
        if self.allowed:
            message += f" (allowed: {self.allowed})"
        super().__init__(message)
