"""The conformance layer: a plan's every registered input, as the requests its providers
send, checked against the published models (botocore, the pinned Atlas spec), autonames
included."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from components.offline.plan import Plan

from . import atlas_spec, aws_models
from .aws_models import Violation
from .requests import MAPPINGS, ApiRequest, unknown_inputs


@dataclass
class Report:
    """What one plan's check found and covered."""

    violations: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    """Requests checked, by `<api> <operation>`."""
    types: Counter[str] = field(default_factory=Counter)
    """Resources checked, by type."""
    autonamed: list[str] = field(default_factory=list)
    """Resources given no name: checked at the autoname's length."""


def requests_for(type_: str, inputs: dict, name: str) -> list[ApiRequest]:
    return MAPPINGS[type_].build(inputs, name)


def check_request(request: ApiRequest) -> list[Violation]:
    if request.api == "atlas":
        return atlas_spec.check(request.operation, request.body, request.parameters)
    service = request.api.removeprefix("botocore:")
    return aws_models.check(service, request.operation, request.body)


def check_plan(plan: Plan) -> Report:
    report = Report()
    for resource in plan.resources:
        if not resource.custom:
            continue
        where = f"{resource.type} {resource.name}"
        mapped = MAPPINGS.get(resource.type)
        if mapped is None:
            report.violations.append(f"{where}: no mapping to its provider's requests")
            continue
        for key in unknown_inputs(resource.type, resource.inputs):
            report.violations.append(f"{where}: input {key!r} is not mapped to a request member")
        report.types[resource.type] += 1
        if mapped.autoname and resource.inputs.get(mapped.autoname) is None:
            report.autonamed.append(where)
        for request in requests_for(resource.type, resource.inputs, resource.name):
            report.requests[f"{request.api} {request.operation}"] += 1
            report.violations += [f"{where}: {v}" for v in check_request(request)]
    return report
