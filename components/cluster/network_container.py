"""The Atlas network container a peering connects to: one per project and AWS region.

Atlas creates a container with its default CIDR by itself when the first dedicated cluster
of a region is deployed, and then fixes its CIDR (pulumi_mongodbatlas NetworkContainer:
"create the container before creating the cluster"; Atlas "Set Up a Network Peering
Connection"). So the container is declared before the cluster, and the cluster waits for it.
A project this toolkit creates has none yet. A given project may have one for the region
already: it is reused when its CIDR is the one asked for, and refused otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_mongodbatlas as atlas

from ..guardrails import network_paths, rules


def _declare(
    name: str, project_id: pulumi.Input[str], cidr: str, region: str, parent: pulumi.Resource
) -> pulumi.Output[str]:
    container = atlas.NetworkContainer(
        f"{name}-container",
        project_id=project_id,
        atlas_cidr_block=cidr,
        provider_name="AWS",
        region_name=region,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return container.container_id


def reuse_or_declare(
    existing: Sequence[Any], cidr: str, region: str, declare: Any
) -> pulumi.Output[str] | str:
    """The region's container when the project has one (its CIDR must be `cidr`), else a
    new one from `declare()`."""
    for container in existing:
        if _field(container, "region_name") == region:
            existing = _field(container, "atlas_cidr_block")
            rules.raise_on_errors(network_paths.existing_container(cidr, existing, region))
            return _field(container, "id")
    return declare()


def _field(container: Any, name: str) -> Any:
    return container.get(name) if isinstance(container, dict) else getattr(container, name)


def network_container(
    name: str,
    project_id: pulumi.Input[str],
    *,
    project_created: bool,
    cidr: str,
    region: str,
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """The container id for `region` (Atlas region name) in the project."""
    if project_created:
        return _declare(name, project_id, cidr, region, parent)
    # Declared inside the read only when the given project has no container in the region:
    # a real preview reads the project and shows it; offline the read is unknown.
    found = atlas.get_network_containers_output(
        project_id=project_id, provider_name="AWS", opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return found.results.apply(
        lambda results: reuse_or_declare(
            results or [], cidr, region, lambda: _declare(name, project_id, cidr, region, parent)
        )
    )
