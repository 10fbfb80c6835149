"""Write `atlas_admin_api_v2.json`: the parts of the Atlas Admin API v2 spec this program's
requests use, copied from the spec terraform-provider-mongodbatlas vendors.

Source: github.com/mongodb/terraform-provider-mongodbatlas,
`tools/codegen/atlasapispec/raw-multi-version-api-spec.yml` (fetched by the provider's
`scripts/generate-autogen-api-spec.sh` from mongodb/openapi `openapi/v2.yaml`). Run from a
clone of the provider:

    python -m tests.conformance.pin_atlas_spec <provider clone> [<commit>]

What is kept, per schema: the validation keywords (type, format, pattern, lengths, ranges,
enum, items, required) of the properties the program's requests carry, and of the oneOf
alternatives / discriminator mappings its values select (AWS, the tenant and Flex tiers,
the host metric CONNECTIONS_PERCENT, group and email notifications). Descriptions,
examples, read-only properties and every other alternative are dropped. A property the
program starts sending that is not pinned here fails the conformance test until it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = "tools/codegen/atlasapispec/raw-multi-version-api-spec.yml"
REPOSITORY = "mongodb/terraform-provider-mongodbatlas"
OUT = Path(__file__).with_name("atlas_admin_api_v2.json")

# operationId -> the request body's content type the provider's SDK sends (atlas-sdk-go
# picks the newest API version at or before its own; the cluster API's 2024-10-23 and
# 2024-08-05 bodies are the same schema).
OPERATIONS: dict[str, str] = {
    "createGroup": "application/vnd.atlas.2023-01-01+json",
    "createGroupCluster": "application/vnd.atlas.2024-10-23+json",
    "createGroupFlexCluster": "application/vnd.atlas.2024-11-13+json",
    "createGroupDatabaseUser": "application/vnd.atlas.2023-01-01+json",
    "createGroupAccessListEntry": "application/vnd.atlas.2023-01-01+json",
    "createGroupPrivateEndpointEndpointService": "application/vnd.atlas.2023-01-01+json",
    "createGroupPrivateEndpointEndpointServiceEndpoint": "application/vnd.atlas.2023-01-01+json",
    "createGroupContainer": "application/vnd.atlas.2023-01-01+json",
    "createGroupPeer": "application/vnd.atlas.2023-01-01+json",
    "createGroupAlertConfig": "application/vnd.atlas.2023-01-01+json",
}

ALL = None
# schema -> properties kept (ALL: every writable one); `oneOf` / `mapping`: the alternatives
# kept (by $ref name, or by title for inline alternatives).
SCHEMAS: dict[str, dict[str, Any]] = {
    "Group": {"properties": ["name", "orgId", "tags"]},
    "ResourceTag": {"properties": ALL},
    "ClusterDescription20240805": {
        "properties": [
            "backupEnabled",
            "clusterType",
            "mongoDBMajorVersion",
            "name",
            "replicationSpecs",
            "tags",
            "terminationProtectionEnabled",
        ]
    },
    "ReplicationSpec20240805": {"properties": ["regionConfigs", "zoneName"]},
    "CloudRegionConfig20240805": {
        "properties": ["electableSpecs", "priority", "providerName", "regionName"],
        "mapping": ["AWS", "TENANT"],
        "inline_one_of": {"regionName": ["AWS Regions"]},
    },
    "AWSRegionConfig20240805": {"properties": ["autoScaling"]},
    "TenantRegionConfig20240805": {"properties": ["backingProviderName"]},
    "HardwareSpec20240805": {
        "properties": [],
        "oneOf": ["AWSHardwareSpec20240805", "TenantHardwareSpec20240805"],
    },
    "AWSHardwareSpec20240805": {"properties": ["instanceSize", "nodeCount"]},
    "TenantHardwareSpec20240805": {"properties": ["instanceSize"]},
    "AdvancedAutoScalingSettings": {"properties": ALL},
    "AdvancedComputeAutoScaling": {"properties": ALL},
    "DiskGBAutoScaling": {"properties": ALL},
    "BaseCloudProviderInstanceSize": {"properties": ALL, "oneOf": ["AWS Instance Sizes"]},
    "FlexClusterDescriptionCreate20241113": {"properties": ALL},
    "FlexProviderSettingsCreate20241113": {"properties": ALL},
    "CloudDatabaseUser": {
        "properties": [
            "awsIAMType",
            "databaseName",
            "groupId",
            "roles",
            "scopes",
            "username",
        ]
    },
    "DatabaseUserRole": {"properties": ["databaseName", "roleName"]},
    "UserScope": {"properties": ALL},
    "NetworkPermissionEntry": {"properties": ["awsSecurityGroup", "cidrBlock", "comment"]},
    "CloudProviderEndpointServiceRequest": {"properties": ["providerName", "region"]},
    "CreateEndpointRequest": {"properties": ALL, "mapping": ["AWS"]},
    "CreateAWSEndpointRequest": {"properties": ALL},
    "CloudProviderContainer": {"properties": ALL, "mapping": ["AWS"]},
    "AWSCloudProviderContainer": {"properties": ALL},
    "BaseNetworkPeeringConnectionSettings": {"properties": ALL, "mapping": ["AWS"]},
    "AwsNetworkPeeringConnectionSettings": {"properties": ALL},
    "GroupAlertsConfig": {"properties": ALL, "oneOf": ["HostMetricAlertConfigViewForNdsGroup"]},
    "HostMetricAlertConfigViewForNdsGroup": {
        "properties": [
            "enabled",
            "eventTypeName",
            "metricThreshold",
            "notifications",
        ]
    },
    "HostMetricEventTypeViewAlertable": {"properties": ALL},
    "HostMetricThreshold": {"properties": ALL, "mapping": ["CONNECTIONS_PERCENT"]},
    "ConnectionsPercentRawMetricThresholdView": {"properties": ALL},
    "RawMetricUnits": {"properties": ALL},
    "AlertsNotificationRootForGroup": {
        "properties": ALL,
        "oneOf": ["GroupNotification", "EmailNotification"],
    },
    "GroupNotification": {
        "properties": [
            "delayMin",
            "emailEnabled",
            "intervalMin",
            "roles",
            "smsEnabled",
            "typeName",
        ]
    },
    "EmailNotification": {"properties": ["delayMin", "emailAddress", "intervalMin", "typeName"]},
}

KEEP = {
    "type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "enum",
    "items", "minItems", "maxItems", "required", "$ref", "allOf", "oneOf", "discriminator",
    "properties", "title", "nullable",
}  # fmt: skip


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _prune(node: Any, drop_read_only: bool = True) -> Any:
    """Validation keywords only, recursively (inline schemas of properties and items)."""
    if isinstance(node, list):
        return [_prune(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {
                name: _prune(prop)
                for name, prop in value.items()
                if not (drop_read_only and prop.get("readOnly"))
            }
        elif key in ("items", "allOf", "oneOf"):
            out[key] = _prune(value)
        else:
            out[key] = value
    return out


def pin_schema(name: str, source: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    schema = _prune(source)
    wanted = rule["properties"]
    parts = [schema, *(part for part in schema.get("allOf", []) if "properties" in part)]
    for part in parts:
        props = part.get("properties", {})
        if wanted is not ALL:
            part["properties"] = {k: v for k, v in props.items() if k in wanted}
    kept = {k for part in parts for k in part.get("properties", {})}
    if wanted is not ALL and not set(wanted) <= kept:
        raise SystemExit(f"{name}: the spec has no {sorted(set(wanted) - kept)}")
    for part in parts:
        if "required" in part:
            part["required"] = [r for r in part["required"] if r in kept]
            if not part["required"]:
                del part["required"]
    if "mapping" in rule:
        mapping = schema["discriminator"]["mapping"]
        schema["discriminator"]["mapping"] = {k: mapping[k] for k in rule["mapping"]}
        schema.pop("oneOf", None)
    if "oneOf" in rule:
        schema["oneOf"] = [
            alt for alt in schema["oneOf"] if (_ref_name(alt) or alt.get("title")) in rule["oneOf"]
        ]
        if len(schema["oneOf"]) != len(rule["oneOf"]):
            raise SystemExit(f"{name}: not every alternative of {rule['oneOf']} was found")
    for prop, titles in rule.get("inline_one_of", {}).items():
        target = schema["properties"][prop]
        target["oneOf"] = [alt for alt in target["oneOf"] if alt.get("title") in titles]
    return schema


def _path_parameters(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The path parameters (the project id the program passes, the endpoint service id)."""
    found = {}
    for parameter in operation.get("parameters", []):
        name = _ref_name(parameter)
        if name is not None:
            parameter = spec["components"]["parameters"][name]
        if parameter.get("in") == "path":
            found[parameter["name"]] = _prune(parameter["schema"])
    return found


def pin(spec: dict[str, Any], commit: str, described: str) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            operation_id = operation.get("operationId") if isinstance(operation, dict) else None
            if operation_id not in OPERATIONS:
                continue
            content = OPERATIONS[operation_id]
            body = operation["requestBody"]["content"][content]["schema"]
            operations[operation_id] = {
                "method": method.upper(),
                "path": path,
                "contentType": content,
                "parameters": _path_parameters(spec, operation),
                "schema": _prune(body),
            }
    if set(operations) != set(OPERATIONS):
        raise SystemExit(f"operations not found: {sorted(set(OPERATIONS) - set(operations))}")
    schemas = spec["components"]["schemas"]
    return {
        "source": {
            "repository": REPOSITORY,
            "path": SPEC_PATH,
            "commit": commit,
            "describe": described,
            "openapi": spec["openapi"],
            "info.version": spec["info"]["version"],
            "info.x-xgen-sha": spec["info"].get("x-xgen-sha"),
            "pinned_by": "tests/conformance/pin_atlas_spec.py",
        },
        "operations": operations,
        "schemas": {name: pin_schema(name, schemas[name], rule) for name, rule in SCHEMAS.items()},
    }


def main(argv: list[str]) -> None:
    clone = Path(argv[0])
    commit = argv[1] if len(argv) > 1 else "HEAD"

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(clone), *args], check=True, capture_output=True, text=True
        ).stdout

    resolved = git("rev-parse", commit).strip()
    described = git("describe", "--tags", resolved).strip()
    spec = yaml.safe_load(git("show", f"{resolved}:{SPEC_PATH}"))
    document = pin(spec, resolved, described)
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} from {REPOSITORY}@{resolved} ({described})")


if __name__ == "__main__":
    main(sys.argv[1:])
