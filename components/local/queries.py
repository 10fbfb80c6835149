"""The query language of the local test server: enough MongoDB for a handler's CRUD.

The wire-protocol test server keeps documents in memory (`wire_server.DocumentStore`); this
module decides which of them a command means and what it does to them, with MongoDB's
semantics for the common cases and a clear refusal (the server's own error code) for the
rest, so a handler that needs more fails loudly instead of reading a wrong answer:

* filters: equality on a field or a dotted path (an array field matches when an element
  does), `$eq $ne $gt $gte $lt $lte $in $nin $exists`, `$and $or $nor`;
* sort on one or more keys, skip, limit, inclusion or exclusion projection;
* aggregation stages `$match $sort $skip $limit $project $count $group` (accumulators
  `$sum $avg $min $max $first $last $push`; `_id` a constant, a `$field` or a document of
  them), which is what `count_documents` and a typical report pipeline send;
* updates: a replacement document, or `$set $unset $inc $push $setOnInsert`, with upsert.

Comparisons order values as MongoDB's BSON order does across types (null < numbers <
strings < documents < arrays < binary < ObjectId < booleans < dates), so a sort never
fails on mixed types.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import bson

Document = dict[str, Any]
MISSING = object()
# The server's codes for what this server does not implement.
BAD_VALUE = 2
FAILED_TO_PARSE = 9
UNRECOGNIZED_STAGE = 40324
UNRECOGNIZED_EXPRESSION = 168


class QueryError(Exception):
    """A command this server cannot run; `code` is the one MongoDB answers with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- values ------------------------------------------------------------------------------


def _type_rank(value: Any) -> int:
    """MongoDB's comparison order of BSON types (minKey/maxKey and the rarest left out)."""
    if value is None or value is MISSING:
        return 1
    if isinstance(value, bool):
        return 8
    if isinstance(value, int | float | bson.Int64 | bson.Decimal128):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, Mapping):
        return 4
    if isinstance(value, list | tuple):
        return 5
    if isinstance(value, bytes | bson.Binary):
        return 6
    if isinstance(value, bson.ObjectId):
        return 7
    if isinstance(value, datetime.datetime):
        return 9
    return 10


def sort_key(value: Any) -> tuple[Any, ...]:
    """A key that orders any two values as MongoDB compares them."""
    rank = _type_rank(value)
    if rank == 1:
        return (rank, 0)
    if rank == 2:
        return (rank, float(value.to_decimal()) if isinstance(value, bson.Decimal128) else value)
    if rank == 4:
        return (rank, [(k, sort_key(v)) for k, v in value.items()])
    if rank == 5:
        return (rank, [sort_key(v) for v in value])
    if rank == 9 and value.tzinfo is None:
        return (rank, value.replace(tzinfo=datetime.UTC))
    if rank == 10:
        return (rank, repr(value))
    return (rank, value)


def _compare(left: Any, right: Any) -> int | None:
    """-1/0/1, or None when the types differ (MongoDB's `$gt` never matches across types)."""
    if _type_rank(left) != _type_rank(right):
        return None
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


def get_path(document: Any, path: str) -> Any:
    """The value at a dotted path, or MISSING; through arrays, a list of what each element
    holds there (MongoDB's implicit array traversal)."""
    value: Any = document
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, MISSING)
        elif isinstance(value, list) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else MISSING
        elif isinstance(value, list):
            found = [get_path(item, part) for item in value if isinstance(item, Mapping)]
            value = [item for item in found if item is not MISSING] or MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def _candidates(value: Any) -> list[Any]:
    """A field's value and, for an array, each element: what a filter may match."""
    if isinstance(value, list):
        return [value, *value]
    return [value]


# --- filters -----------------------------------------------------------------------------


def _operator_matches(operator: str, actual: Any, expected: Any) -> bool:
    if operator == "$exists":
        return (actual is not MISSING) == bool(expected)
    if operator == "$eq":
        return _equals(actual, expected)
    if operator == "$ne":
        return not _equals(actual, expected)
    if operator == "$in":
        return any(_equals(actual, item) for item in _array(operator, expected))
    if operator == "$nin":
        return not any(_equals(actual, item) for item in _array(operator, expected))
    comparisons: dict[str, Callable[[int], bool]] = {
        "$gt": lambda c: c > 0,
        "$gte": lambda c: c >= 0,
        "$lt": lambda c: c < 0,
        "$lte": lambda c: c <= 0,
    }
    if operator in comparisons:
        values = [] if actual is MISSING else _candidates(actual)
        results = [_compare(value, expected) for value in values]
        return any(c is not None and comparisons[operator](c) for c in results)
    raise QueryError(BAD_VALUE, f"unknown operator: {operator}")


def _array(operator: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise QueryError(BAD_VALUE, f"{operator} needs an array")
    return value


def _equals(actual: Any, expected: Any) -> bool:
    """Equality as a filter means it: null also matches a missing field, and an array
    field matches when it equals the value or any element does."""
    if expected is None and actual is MISSING:
        return True
    if actual is MISSING:
        return False
    return any(_compare(value, expected) == 0 for value in _candidates(actual))


def matches(document: Mapping[str, Any], query: Mapping[str, Any] | None) -> bool:
    """True if `document` satisfies the filter `query`."""
    for key, condition in (query or {}).items():
        if key in ("$and", "$or", "$nor"):
            results = [matches(document, part) for part in _array(key, condition)]
            ok = all(results) if key == "$and" else any(results)
            if (key == "$nor") == ok:
                return False
            continue
        if key.startswith("$"):
            raise QueryError(BAD_VALUE, f"unknown top level operator: {key}")
        actual = get_path(document, key)
        operators = (
            condition
            if isinstance(condition, Mapping) and condition and next(iter(condition))[0] == "$"
            else {"$eq": condition}
        )
        for operator, expected in operators.items():
            if not _operator_matches(operator, actual, expected):
                return False
    return True


# --- sort, projection --------------------------------------------------------------------


def sort_documents(documents: list[Document], spec: Mapping[str, Any] | None) -> list[Document]:
    """Stable sort by each key of `spec` (1 ascending, -1 descending), last key first."""
    ordered = list(documents)
    for key, direction in reversed(list((spec or {}).items())):
        if direction not in (1, -1):
            raise QueryError(BAD_VALUE, f"sort direction for {key!r} must be 1 or -1")
        ordered.sort(key=lambda d, key=key: sort_key(get_path(d, key)), reverse=direction < 0)
    return ordered


def project(document: Document, projection: Mapping[str, Any] | None) -> Document:
    """An inclusion (`{a: 1}`) or exclusion (`{a: 0}`) projection on top-level fields;
    `_id` is kept unless excluded."""
    if not projection:
        return document
    fields = {k: v for k, v in projection.items() if k != "_id"}
    keep_id = bool(projection.get("_id", 1))
    if any(isinstance(v, Mapping | str) for v in fields.values()):
        raise QueryError(BAD_VALUE, "only inclusion or exclusion projections are supported")
    included = {k for k, v in fields.items() if v}
    if fields and included and len(included) != len(fields):
        raise QueryError(BAD_VALUE, "cannot mix inclusion and exclusion in a projection")
    if included:
        result = {k: v for k, v in document.items() if k in included}
    else:
        result = {k: v for k, v in document.items() if k not in fields}
    if keep_id and "_id" in document:
        result = {"_id": document["_id"], **result}
    elif not keep_id:
        result.pop("_id", None)
    return result


def select(documents: Iterable[Document], command: Mapping[str, Any]) -> list[Document]:
    """A find command's result: filter, sort, skip, limit, projection."""
    chosen = [d for d in documents if matches(d, command.get("filter"))]
    chosen = sort_documents(chosen, command.get("sort"))
    skip = int(command.get("skip") or 0)
    limit = abs(int(command.get("limit") or 0))
    chosen = chosen[skip:]
    if limit:
        chosen = chosen[:limit]
    return [project(d, command.get("projection")) for d in chosen]


# --- aggregation -------------------------------------------------------------------------


def _expression(document: Document, expression: Any) -> Any:
    """`"$field"` is the field's value; a document of expressions is evaluated per key;
    anything else is a constant."""
    if isinstance(expression, str) and expression.startswith("$"):
        value = get_path(document, expression[1:])
        return None if value is MISSING else value
    if isinstance(expression, Mapping):
        if any(str(k).startswith("$") for k in expression):
            raise QueryError(
                UNRECOGNIZED_EXPRESSION, f"unsupported expression: {next(iter(expression))}"
            )
        return {k: _expression(document, v) for k, v in expression.items()}
    return expression


def _accumulate(operator: str, values: list[Any]) -> Any:
    numbers = [v for v in values if _type_rank(v) == 2]
    present = [v for v in values if v is not None]
    if operator == "$sum":
        return sum(numbers)
    if operator == "$avg":
        return sum(numbers) / len(numbers) if numbers else None
    if operator == "$min":
        return min(present, key=sort_key) if present else None
    if operator == "$max":
        return max(present, key=sort_key) if present else None
    if operator == "$first":
        return values[0] if values else None
    if operator == "$last":
        return values[-1] if values else None
    if operator == "$push":
        return list(values)
    raise QueryError(UNRECOGNIZED_EXPRESSION, f"unknown group operator {operator!r}")


def _group(documents: list[Document], spec: Mapping[str, Any]) -> list[Document]:
    if "_id" not in spec:
        raise QueryError(FAILED_TO_PARSE, "a group specification must include an _id")
    groups: dict[Any, tuple[Any, list[Document]]] = {}
    for document in documents:
        key_value = _expression(document, spec["_id"])
        key = repr(sort_key(key_value))
        groups.setdefault(key, (key_value, []))[1].append(document)
    results = []
    for key_value, members in groups.values():
        result: Document = {"_id": key_value}
        for field, accumulator in spec.items():
            if field == "_id":
                continue
            if not isinstance(accumulator, Mapping) or len(accumulator) != 1:
                raise QueryError(FAILED_TO_PARSE, f"group field {field!r} needs one accumulator")
            [(operator, argument)] = accumulator.items()
            result[field] = _accumulate(operator, [_expression(d, argument) for d in members])
        results.append(result)
    return results


def aggregate(documents: Iterable[Document], pipeline: list[Mapping[str, Any]]) -> list[Document]:
    """Run `pipeline` over `documents` (stages in order)."""
    current = [copy.deepcopy(d) for d in documents]
    for stage in pipeline:
        if not isinstance(stage, Mapping) or len(stage) != 1:
            raise QueryError(FAILED_TO_PARSE, "a pipeline stage is a document with one field")
        [(name, argument)] = stage.items()
        if name == "$match":
            current = [d for d in current if matches(d, argument)]
        elif name == "$sort":
            current = sort_documents(current, argument)
        elif name == "$skip":
            current = current[int(argument) :]
        elif name == "$limit":
            current = current[: int(argument)]
        elif name == "$project":
            current = [project(d, argument) for d in current]
        elif name == "$count":
            current = [{str(argument): len(current)}] if current else []
        elif name == "$group":
            current = _group(current, argument)
        else:
            raise QueryError(UNRECOGNIZED_STAGE, f"Unrecognized pipeline stage name: '{name}'")
    return current


# --- updates -----------------------------------------------------------------------------

UPDATE_OPERATORS = ("$set", "$unset", "$inc", "$push", "$setOnInsert")


def is_operator_update(update: Mapping[str, Any]) -> bool:
    return bool(update) and all(str(k).startswith("$") for k in update)


def _set_path(document: Document, path: str, value: Any) -> None:
    parts = path.split(".")
    target = document
    for part in parts[:-1]:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise QueryError(BAD_VALUE, f"cannot create field {part!r} in a non-document")
    target[parts[-1]] = value


def _unset_path(document: Document, path: str) -> None:
    parts = path.split(".")
    target: Any = document
    for part in parts[:-1]:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target.pop(parts[-1], None)


def apply_update(
    document: Document, update: Mapping[str, Any] | list[Any], *, inserting: bool = False
) -> Document:
    """The document after `update` (a copy); `_id` never changes."""
    if isinstance(update, list):
        raise QueryError(BAD_VALUE, "pipeline updates are not supported by the local server")
    if not is_operator_update(update):
        if any(str(k).startswith("$") for k in update):
            raise QueryError(BAD_VALUE, "an update mixes operators and fields")
        replaced = dict(update)
        if "_id" in document:
            replaced = {"_id": document["_id"], **{k: v for k, v in replaced.items() if k != "_id"}}
        return replaced
    result = copy.deepcopy(document)
    for operator, fields in update.items():
        if operator not in UPDATE_OPERATORS:
            raise QueryError(BAD_VALUE, f"unknown update operator: {operator}")
        for path, value in fields.items():
            if operator == "$set" or (operator == "$setOnInsert" and inserting):
                _set_path(result, path, value)
            elif operator == "$unset":
                _unset_path(result, path)
            elif operator == "$inc":
                current = get_path(result, path)
                base = 0 if current is MISSING else current
                if _type_rank(base) != 2 or _type_rank(value) != 2:
                    raise QueryError(BAD_VALUE, f"$inc on a non-numeric field {path!r}")
                _set_path(result, path, base + value)
            elif operator == "$push":
                current = get_path(result, path)
                items = [] if current is MISSING else current
                if not isinstance(items, list):
                    raise QueryError(BAD_VALUE, f"$push to a non-array field {path!r}")
                each = value.get("$each") if isinstance(value, Mapping) else None
                _set_path(result, path, [*items, *(each if each is not None else [value])])
    return result


def upsert_seed(query: Mapping[str, Any] | None) -> Document:
    """The fields an upsert's new document takes from the filter: its plain equalities."""
    seed: Document = {}
    for key, condition in (query or {}).items():
        if key.startswith("$"):
            continue
        if isinstance(condition, Mapping) and condition and next(iter(condition))[0] == "$":
            if "$eq" in condition:
                _set_path(seed, key, condition["$eq"])
            continue
        _set_path(seed, key, condition)
    return seed
