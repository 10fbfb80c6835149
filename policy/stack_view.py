"""What the stack policies need to know about a stack, read once from its resources.

Stack policies see every resource's properties in wire form (camelCase keys). This module
turns them into small records — clusters with their tiers and shape, Lambda functions with
their environment and reserved concurrency — and answers which cluster a function talks
to. Values not known at preview stay `UNKNOWN`; each policy decides what that means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from . import resource_types as types
from .props import UNKNOWN, items, read, string_map

MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")
URI_KEY = "MONGODB_URI"
SHARDED_TYPES = ("SHARDED", "GEOSHARDED")
# The default when reservedConcurrentExecutions is not set: no reservation.
UNRESERVED = -1
# Atlas host labels: `<cluster>` (public SRV), `<cluster>-pl-<n>` (PrivateLink),
# `<cluster>-shard-00-00` (a node), `<cluster>-pl-<n>-lb` (shard-optimized PrivateLink).
# The cluster part is what we match on.
HOST_SUFFIX = re.compile(r"-(pl-\d+(-lb)?|shard-\d+-\d+|lb)$")


class StackResource(Protocol):
    """The part of pulumi-policy's PolicyResource the policies read."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str

    @property
    def dependencies(self) -> Sequence[StackResource]:
        """Every resource this one depends on (through any property, or `depends_on`)."""
        ...

    @property
    def property_dependencies(self) -> Mapping[str, Sequence[StackResource]]:
        """Per input property, the resources its value came from."""
        ...


@dataclass(frozen=True)
class Cluster:
    """An Atlas cluster as declared: its name, the tiers of its nodes, and its shape."""

    urn: str
    resource_name: str
    """The Pulumi resource name, for messages."""
    name: Any
    """The cluster's name in Atlas (UNKNOWN if computed)."""
    tiers: tuple[str, ...]
    """Distinct instance sizes of the electable nodes ("FLEX" for a Flex cluster)."""
    sharded: bool | None
    """None when the cluster type is not known at preview."""


@dataclass(frozen=True)
class LambdaFunction:
    """An aws.lambda.Function: its environment and reserved concurrency."""

    urn: str
    name: str
    environment: dict[str, Any]
    reserved_concurrency: Any
    """An int, None when unreserved, or UNKNOWN."""

    def mongodb_uri_keys(self) -> list[str]:
        """Variables that hold a MongoDB URI: MONGODB_URI, and any value with a mongodb
        scheme (a URI under another name, e.g. DATABASE_URL, gets the same checks)."""
        return sorted(
            key
            for key, value in self.environment.items()
            if key == URI_KEY or (isinstance(value, str) and value.startswith(MONGODB_SCHEMES))
        )

    def known_uris(self) -> dict[str, str]:
        return {
            key: self.environment[key]
            for key in self.mongodb_uri_keys()
            if isinstance(self.environment[key], str)
        }

    @property
    def talks_to_mongodb(self) -> bool:
        return bool(self.mongodb_uri_keys())


def _advanced_cluster_tiers(props: Mapping[str, Any]) -> tuple[str, ...]:
    tiers: list[str] = []
    for spec in items(read(props, "replicationSpecs")):
        for region in items(read(spec, "regionConfigs")):
            size = read(region, "electableSpecs", "instanceSize")
            tier = "FLEX" if read(region, "providerName") == "FLEX" else size
            if isinstance(tier, str) and tier not in tiers:
                tiers.append(tier)
    return tuple(tiers)


def cluster_of(resource: StackResource) -> Cluster | None:
    """A Cluster record for an AdvancedCluster or FlexCluster; None for anything else."""
    props = resource.props
    if resource.resource_type == types.FLEX_CLUSTER:
        return Cluster(resource.urn, resource.name, read(props, "name"), ("FLEX",), False)
    if resource.resource_type != types.ADVANCED_CLUSTER:
        return None
    cluster_type = read(props, "clusterType", default="REPLICASET")
    sharded = None if cluster_type is UNKNOWN else cluster_type in SHARDED_TYPES
    return Cluster(
        resource.urn, resource.name, read(props, "name"), _advanced_cluster_tiers(props), sharded
    )


def function_of(resource: StackResource) -> LambdaFunction | None:
    if resource.resource_type != types.LAMBDA_FUNCTION:
        return None
    props = resource.props
    concurrency = read(props, "reservedConcurrentExecutions", default=UNRESERVED)
    if isinstance(concurrency, float) and concurrency.is_integer():
        concurrency = int(concurrency)  # protobuf numbers arrive as doubles
    return LambdaFunction(
        urn=resource.urn,
        name=resource.name,
        environment=string_map(read(props, "environment", "variables")),
        reserved_concurrency=None if concurrency == UNRESERVED else concurrency,
    )


def _host_label(uri: str) -> str:
    try:
        host = urlsplit(uri).hostname or ""
    except ValueError:  # a malformed URI names no cluster; the URI rules report it
        host = ""
    return HOST_SUFFIX.sub("", host.split(".")[0].lower())


@dataclass
class StackView:
    """The stack's Atlas clusters, Lambda functions and other resources by type."""

    resources: Sequence[StackResource]
    clusters: list[Cluster] = field(init=False)
    functions: list[LambdaFunction] = field(init=False)

    def __post_init__(self) -> None:
        self.clusters = [c for r in self.resources if (c := cluster_of(r)) is not None]
        self.functions = [f for r in self.resources if (f := function_of(r)) is not None]

    def of_type(self, *type_tokens: str) -> list[StackResource]:
        return [r for r in self.resources if r.resource_type in type_tokens]

    def resource(self, urn: str) -> StackResource | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def cluster_for(self, function: LambdaFunction) -> Cluster | None:
        """The cluster a function's URI names; the only cluster when the stack has one.

        Atlas hostnames begin with the cluster's name (lower-cased, possibly shortened),
        so the URI's first host label identifies the cluster once the URI is known. At
        preview it often is not (it is read from the cluster after the link), and then a
        stack with one cluster is unambiguous while one with several is not: None.
        """
        named = [c for c in self.clusters if isinstance(c.name, str)]
        for uri in function.known_uris().values():
            label = _host_label(uri)
            exact = [c for c in named if c.name.lower() == label]
            shortened = [c for c in named if label and c.name.lower().startswith(label)]
            if exact or shortened:
                return (exact or shortened)[0]
        return self.clusters[0] if len(self.clusters) == 1 else None
