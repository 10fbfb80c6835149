"""A stand-in for AWS and Atlas that answers like they do after a deploy.

Ids and ARNs are derived from the resource name, so a test can predict them, and the
private-endpoint read returns a second, foreign endpoint to prove we pick our own. For a
sharded cluster it also returns the shard-optimized string (`-pl-0-lb`), as Atlas does for
sharded AWS clusters behind a private endpoint, unless `shard_optimized=False`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi

ACCOUNT = "123456789012"
FOREIGN_VPCE = "vpce-0foreign00000000"


def _hex(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def physical_id(type_: str, name: str) -> str:
    prefixes = {
        "aws:ec2/vpc:Vpc": "vpc-",
        "aws:ec2/subnet:Subnet": "subnet-",
        "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    }
    if type_ in prefixes:
        return prefixes[type_] + _hex(name, 17)
    if type_.startswith("mongodbatlas:"):
        return _hex(name, 24)
    return f"{name}-{_hex(name, 8)}"


class FakeCloud(pulumi.runtime.Mocks):
    """Deployed-state mocks: computed outputs filled in, events logged in order."""

    def __init__(
        self,
        region: str = "us-east-1",
        service_zones: str = "bcd",
        subnet_zones: dict[str, str] | None = None,
        *,
        shard_optimized: bool = True,
    ) -> None:
        self.region = region
        self.shard_optimized = shard_optimized
        self.events: list[tuple[str, str]] = []
        self.ids: dict[tuple[str, str], str] = {}
        self.cluster_types: dict[str, str] = {}
        # Atlas's endpoint service serves a subset of the region's zones (suffixes).
        self.service_zones = [f"{region}{suffix}" for suffix in service_zones]
        # Zones of subnets the stack is given (bring-your-own VPC); created ones add theirs.
        self.subnet_zones: dict[str, str] = dict(subnet_zones or {})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.events.append(("create", f"{args.typ}::{args.name}"))
        resource_id = physical_id(args.typ, args.name)
        self.ids[(args.typ, args.name)] = resource_id
        if args.typ == "aws:ec2/subnet:Subnet":
            self.subnet_zones[resource_id] = args.inputs["availabilityZone"]
        state = dict(args.inputs)
        state.update(self._computed(args.typ, args.name, args.inputs, resource_id))
        return resource_id, state

    def _computed(self, type_: str, name: str, inputs: dict, resource_id: str) -> dict[str, Any]:
        if type_ == "aws:iam/role:Role":
            return {"name": self.role_name(name), "arn": self.role_arn(name)}
        if type_ == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{inputs['name']}"
            # Lambda: `version` is "$LATEST" unless the function publishes (publish=true).
            version = "1" if inputs.get("publish") else "$LATEST"
            return {"arn": arn, "version": version, "qualifiedArn": f"{arn}:{version}"}
        if type_ == "aws:lambda/alias:Alias":
            function, alias = inputs["functionName"], inputs["name"]
            return {"arn": f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{function}:{alias}"}
        if type_ == "aws:lambda/layerVersion:LayerVersion":
            layer = inputs["layerName"]
            return {"arn": f"arn:aws:lambda:{self.region}:{ACCOUNT}:layer:{layer}:1"}
        if type_ == "aws:lambda/functionUrl:FunctionUrl":
            return {"functionUrl": f"https://{_hex(name, 32)}.lambda-url.{self.region}.on.aws/"}
        if type_ == "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint":
            return {
                "privateLinkId": f"pl-{resource_id}",
                "endpointServiceName": self.endpoint_service_name(name),
            }
        if type_ == "mongodbatlas:index/advancedCluster:AdvancedCluster":
            self.cluster_types[inputs["name"]] = inputs.get("clusterType", "REPLICASET")
            host = f"{inputs['name']}.{_hex(name, 5)}.mongodb.net"
            return {"connectionStrings": {"standardSrv": f"mongodb+srv://{host}"}}
        return {}

    @staticmethod
    def role_name(resource_name: str) -> str:
        """AWS appends a random suffix to auto-named roles; ours is derived, not random."""
        return f"{resource_name}-{_hex(resource_name, 7)}"

    def role_arn(self, resource_name: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{self.role_name(resource_name)}"

    def endpoint_service_name(self, resource_name: str) -> str:
        return f"com.amazonaws.vpce.{self.region}.vpce-svc-{_hex(resource_name, 17)}"

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.events.append(("invoke", args.token))
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            zones = [f"{self.region}{suffix}" for suffix in "abcdef"]
            return {"names": zones, "zoneIds": zones, "id": self.region}
        if args.token == "aws:ec2/getVpcEndpointService:getVpcEndpointService":
            name = args.args["serviceName"]
            return {"serviceName": name, "availabilityZones": self.service_zones, "id": name}
        if args.token == "aws:ec2/getSubnet:getSubnet":
            subnet = args.args["id"]
            return {"id": subnet, "availabilityZone": self.subnet_zones[subnet]}
        if args.token == "mongodbatlas:index/getAdvancedCluster:getAdvancedCluster":
            return {"connectionStrings": self._private_strings(args.args["name"])}
        raise NotImplementedError(args.token)

    def _private_strings(self, cluster: str) -> dict[str, Any]:
        ours = [i for (t, _), i in self.ids.items() if t == "aws:ec2/vpcEndpoint:VpcEndpoint"]
        entries = [(FOREIGN_VPCE, f"mongodb+srv://{cluster}-pl-9.foreign.mongodb.net")] + [
            (vpce, f"mongodb+srv://{cluster}-pl-0.{_hex(vpce, 5)}.mongodb.net") for vpce in ours
        ]
        sharded = self.cluster_types.get(cluster) == "SHARDED"
        endpoints = []
        for vpce, srv in entries:
            entry = {"srvConnectionString": srv, "type": "MONGOS" if sharded else "MONGOD",
                     "endpoints": [{"endpointId": vpce, "providerName": "AWS",
                                    "region": "US_EAST_1"}]}  # fmt: skip
            if sharded and self.shard_optimized:
                entry["srvShardOptimizedConnectionString"] = _lb(srv)
            endpoints.append(entry)
        return {"standardSrv": f"mongodb+srv://{cluster}.abcde.mongodb.net",
                "privateEndpoints": endpoints}  # fmt: skip

    def private_srv_for(self, vpce: str, cluster: str, *, shard_optimized: bool = False) -> str:
        """What Atlas returns for our endpoint: the value MONGODB_URI must be built from
        (the legacy string, or the shard-optimized `-pl-0-lb` one)."""
        srv = f"mongodb+srv://{cluster}-pl-0.{_hex(vpce, 5)}.mongodb.net"
        return _lb(srv) if shard_optimized else srv


def _lb(srv: str) -> str:
    """Atlas's shard-optimized host: the private label with `-lb` appended."""
    scheme, _, rest = srv.partition("://")
    label, _, domain = rest.partition(".")
    return f"{scheme}://{label}-lb.{domain}"
