"""Reading resource properties that may not be known yet.

During `pulumi preview`, pulumi-policy hands policies a proxy that raises
`UnknownValueError` on any value that exists only after a deploy (a role ARN, the private
SRV string). One raise aborts the whole policy, so a stack policy would skip every
resource because of one unknown. These helpers turn an unknown into the `UNKNOWN` marker
instead, and each policy decides what an unknown means for its rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """The marker for "known after deploy"; falsy so `if value:` reads naturally."""

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final = _Unknown()


def read(props: Any, *path: str | int, default: Any = None) -> Any:
    """The value at `path`, `default` when any step is missing, `UNKNOWN` when unknown."""
    value = props
    for step in path:
        try:
            if isinstance(step, int):
                if not isinstance(value, Sequence) or isinstance(value, str):
                    return default
                value = value[step]
            else:
                if not isinstance(value, Mapping):
                    return default
                value = value[step]
        except (KeyError, IndexError):
            return default
        except UnknownValueError:
            return UNKNOWN
        if value is None:
            return default
    return value


def items(sequence: Any) -> list[Any]:
    """The elements of a list property, each one `UNKNOWN` where not known yet."""
    if sequence is UNKNOWN or isinstance(sequence, str) or not isinstance(sequence, Sequence):
        return []
    return [read(sequence, index) for index in range(len(sequence))]


def string_map(mapping: Any) -> dict[str, Any]:
    """A map property (e.g. environment variables) with unknown values as `UNKNOWN`.

    Keys are always known: only values can depend on other resources.
    """
    if not isinstance(mapping, Mapping):
        return {}
    return {str(key): read(mapping, key) for key in mapping}
