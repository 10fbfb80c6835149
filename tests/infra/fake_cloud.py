"""A stand-in for AWS and Atlas that answers like they do after a deploy.

Ids and ARNs are derived from the resource name, so a test can predict them, and the
private-endpoint read returns a second, foreign endpoint to prove we pick our own. For a
sharded cluster it also returns the shard-optimized string (`-pl-0-lb`), as Atlas does for
sharded AWS clusters behind a private endpoint, unless `shard_optimized=False`.

The other network paths' reads answer as the APIs do:
- EC2 DescribeVpcs / DescribeRouteTables / DescribeNatGateways (`getVpc`, `getRouteTables`,
  `getRouteTable`, `getNatGateway`) for a given VPC described by `GivenVpc`: a subnet
  without an explicit association uses the main route table (AWS VPC User Guide, "Subnet
  route tables"), so `association.subnet-id` finds only explicit ones;
- STS GetCallerIdentity (`getCallerIdentity`): the account;
- Atlas's network containers of the project (`getNetworkContainers`), none unless given;
- the cluster's `privateSrv`, the peering-aware string, which Atlas lists only once a
  peering is accepted (Atlas "Set Up a Network Peering Connection"), so only after a
  `VpcPeeringConnectionAccepter` was created;
- computed outputs of the new resources: an Elastic IP's `publicIp` (and its NAT gateway's),
  a peering's `connectionId` (`pcx-…`), a container's `containerId`; the accepter's id is
  the `pcx-` id it accepts, as in the AWS provider.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

ACCOUNT = "123456789012"
FOREIGN_VPCE = "vpce-0foreign00000000"
ANYWHERE = "0.0.0.0/0"


class Ec2NotFound(LookupError):
    """What EC2 answers for an id it does not know (InvalidVpcID.NotFound and the like)."""


@dataclass
class GivenVpc:
    """A VPC a stack is given (vpcId, subnetIds), as EC2 describes it.

    `route_tables` maps each subnet to the table it is explicitly associated with; a subnet
    missing from it (or mapped to None) uses `main_route_table`. `nat_routes` maps a table
    to the NAT gateway its 0.0.0.0/0 route targets (a table missing from it has no such
    route), and `nat_public_ips` each NAT gateway to its Elastic IP."""

    vpc_id: str = "vpc-0123456789abcdef0"
    cidr_block: str = "10.20.0.0/16"
    secondary_cidr_blocks: Sequence[str] = ()
    dns_support: bool = True
    dns_hostnames: bool = True
    main_route_table: str | None = "rtb-0main0000000000000"
    route_tables: Mapping[str, str | None] = field(default_factory=dict)
    nat_routes: Mapping[str, str] = field(default_factory=dict)
    nat_public_ips: Mapping[str, str] = field(default_factory=dict)
    subnet_cidrs: Mapping[str, str] = field(default_factory=dict)
    """Subnet → CIDR block, for subnets whose block matters (a secondary one)."""

    def table_of(self, subnet: str) -> str | None:
        return self.route_tables.get(subnet) or self.main_route_table

    def tables(self) -> set[str]:
        found = {t for t in self.route_tables.values() if t}
        return found | ({self.main_route_table} if self.main_route_table else set())


def _hex(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def public_ip(name: str) -> str:
    """An Elastic IP's address, derived from its resource name (never typed in a test)."""
    digest = hashlib.sha256(name.encode()).digest()
    return f"52.{digest[0]}.{digest[1]}.{digest[2] or 1}"


def peering_connection_id(name: str) -> str:
    """The AWS VPC peering connection Atlas requests for a NetworkPeering resource."""
    return f"pcx-{_hex(name, 17)}"


def physical_id(type_: str, name: str) -> str:
    prefixes = {
        "aws:ec2/vpc:Vpc": "vpc-",
        "aws:ec2/subnet:Subnet": "subnet-",
        "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
        "aws:ec2/routeTable:RouteTable": "rtb-",
        "aws:ec2/internetGateway:InternetGateway": "igw-",
        "aws:ec2/eip:Eip": "eipalloc-",
        "aws:ec2/natGateway:NatGateway": "nat-",
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
        vpcs: Sequence[GivenVpc] = (),
        network_containers: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.region = region
        self.shard_optimized = shard_optimized
        self.events: list[tuple[str, str]] = []
        self.ids: dict[tuple[str, str], str] = {}
        self.cluster_types: dict[str, str] = {}
        # Cluster name → the public SRV string Atlas gave it.
        self.standard_srvs: dict[str, str] = {}
        # Given VPCs by id; created VPCs are described from their inputs.
        self.vpcs: dict[str, GivenVpc] = {vpc.vpc_id: vpc for vpc in vpcs}
        self.created_vpcs: dict[str, dict[str, Any]] = {}
        # The Atlas project's existing containers: {"id", "atlasCidrBlock", "regionName"}.
        self.network_containers = [dict(container) for container in network_containers]
        # Elastic IP allocation id → its public address (a NAT gateway reports it too).
        self.elastic_ips: dict[str, str] = {}
        # Every read of a data source with its arguments, in order.
        self.reads: list[tuple[str, dict[str, Any]]] = []
        # Atlas's endpoint service serves a subset of the region's zones (suffixes).
        self.service_zones = [f"{region}{suffix}" for suffix in service_zones]
        # Zones of subnets the stack is given (bring-your-own VPC); created ones add theirs.
        self.subnet_zones: dict[str, str] = dict(subnet_zones or {})

    def subnet_cidr(self, subnet: str) -> str:
        """A given subnet's block: as its VPC lists it, else a /24 of the VPC's primary
        block (the first given VPC's, or 10.0.0.0/16)."""
        for vpc in self.vpcs.values():
            if subnet in vpc.subnet_cidrs:
                return vpc.subnet_cidrs[subnet]
        primary = next(iter(self.vpcs.values())).cidr_block if self.vpcs else "10.0.0.0/16"
        return primary.rsplit(".", 2)[0] + ".0.0/24"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.events.append(("create", f"{args.typ}::{args.name}"))
        resource_id = physical_id(args.typ, args.name)
        if args.typ == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
            # The AWS provider's accepter is the connection itself: its id is the pcx- id.
            resource_id = args.inputs["vpcPeeringConnectionId"]
        self.ids[(args.typ, args.name)] = resource_id
        if args.typ == "aws:ec2/subnet:Subnet":
            self.subnet_zones[resource_id] = args.inputs["availabilityZone"]
        if args.typ == "aws:ec2/vpc:Vpc":
            self.created_vpcs[resource_id] = dict(args.inputs)
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
            self.standard_srvs[inputs["name"]] = f"mongodb+srv://{host}"
            return {"connectionStrings": {"standardSrv": f"mongodb+srv://{host}"}}
        if type_ == "aws:ec2/eip:Eip":
            self.elastic_ips[resource_id] = public_ip(name)
            return {"publicIp": public_ip(name), "allocationId": resource_id}
        if type_ == "aws:ec2/natGateway:NatGateway":
            return {"publicIp": self.elastic_ips.get(inputs.get("allocationId", ""), "")}
        if type_ == "mongodbatlas:index/networkContainer:NetworkContainer":
            return {"containerId": resource_id, "provisioned": False}
        if type_ == "mongodbatlas:index/networkPeering:NetworkPeering":
            return {
                "connectionId": peering_connection_id(name),
                "peerId": resource_id,
                "statusName": "PENDING_ACCEPTANCE",
            }
        if type_ == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
            return {"acceptStatus": "active"}
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
            return {"id": subnet, "availabilityZone": self.subnet_zones.get(subnet),
                    "cidrBlock": self.subnet_cidr(subnet)}  # fmt: skip
        if args.token == "mongodbatlas:index/getAdvancedCluster:getAdvancedCluster":
            return {"connectionStrings": self._private_strings(args.args["name"])}
        self.reads.append((args.token, dict(args.args)))
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
                    "userId": "AIDAEXAMPLEDEPLOYER", "id": ACCOUNT}  # fmt: skip
        if args.token == "aws:ec2/getVpc:getVpc":
            return self._vpc(args.args["id"])
        if args.token == "aws:ec2/getRouteTables:getRouteTables":
            return self._route_tables(args.args)
        if args.token == "aws:ec2/getRouteTable:getRouteTable":
            return self._route_table(args.args["routeTableId"])
        if args.token == "aws:ec2/getNatGateway:getNatGateway":
            return self._nat_gateway(args.args["id"])
        if args.token == "mongodbatlas:index/getNetworkContainers:getNetworkContainers":
            results = [
                {"providerName": "AWS", "provisioned": True, **container}
                for container in self.network_containers
                if container.get("providerName", "AWS") == args.args.get("providerName", "AWS")
            ]
            return {"projectId": args.args["projectId"], "providerName": "AWS",
                    "results": results, "id": args.args["projectId"]}  # fmt: skip
        raise NotImplementedError(args.token)

    def _vpc(self, vpc_id: str) -> dict[str, Any]:
        if vpc_id in self.created_vpcs:
            inputs = self.created_vpcs[vpc_id]
            primary, secondary = inputs["cidrBlock"], ()
            dns = (inputs.get("enableDnsSupport", True), inputs.get("enableDnsHostnames", False))
        elif vpc_id in self.vpcs:
            given = self.vpcs[vpc_id]
            primary, secondary = given.cidr_block, tuple(given.secondary_cidr_blocks)
            dns = (given.dns_support, given.dns_hostnames)
        else:
            raise Ec2NotFound(f"InvalidVpcID.NotFound: The vpc ID '{vpc_id}' does not exist")
        associations = [
            {"associationId": f"vpc-cidr-assoc-{_hex(block, 17)}", "cidrBlock": block,
             "state": "associated"}
            for block in (primary, *secondary)
        ]  # fmt: skip
        return {"id": vpc_id, "arn": f"arn:aws:ec2:{self.region}:{ACCOUNT}:vpc/{vpc_id}",
                "cidrBlock": primary, "cidrBlockAssociations": associations,
                "enableDnsSupport": dns[0], "enableDnsHostnames": dns[1],
                "ownerId": ACCOUNT, "state": "available"}  # fmt: skip

    def _route_tables(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """DescribeRouteTables with the filters the components use."""
        vpc = self.vpcs.get(args.get("vpcId", ""))
        if vpc is None:
            raise Ec2NotFound(f"getRouteTables: no given VPC {args.get('vpcId')!r} in FakeCloud")
        ids: list[str] = sorted(vpc.tables())
        for condition in args.get("filters") or []:
            name, values = condition["name"], set(condition["values"])
            if name == "association.main":
                main = vpc.main_route_table
                ids = [t for t in ids if ("true" if t == main else "false") in values]
            elif name == "association.subnet-id":
                explicit = {vpc.route_tables.get(subnet) for subnet in values}
                ids = [t for t in ids if t in explicit]
            else:
                raise NotImplementedError(f"getRouteTables filter {name}")
        return {"ids": ids, "vpcId": vpc.vpc_id, "id": self.region}

    def _owner(self, table: str) -> GivenVpc:
        for vpc in self.vpcs.values():
            if table in vpc.tables():
                return vpc
        raise Ec2NotFound(
            f"InvalidRouteTableID.NotFound: The routeTable ID '{table}' does not exist"
        )

    def _route_table(self, table: str) -> dict[str, Any]:
        vpc = self._owner(table)
        routes: list[dict[str, Any]] = []
        if vpc.nat_routes.get(table):
            routes.append({"cidrBlock": ANYWHERE, "natGatewayId": vpc.nat_routes[table]})
        subnets = [s for s, t in vpc.route_tables.items() if t == table]
        associations = [{"main": False, "routeTableId": table, "subnetId": s} for s in subnets]
        if table == vpc.main_route_table:
            associations.append({"main": True, "routeTableId": table})
        return {"id": table, "routeTableId": table, "vpcId": vpc.vpc_id, "routes": routes,
                "associations": associations, "ownerId": ACCOUNT}  # fmt: skip

    def _nat_gateway(self, gateway: str) -> dict[str, Any]:
        for vpc in self.vpcs.values():
            if gateway in vpc.nat_public_ips:
                return {"id": gateway, "publicIp": vpc.nat_public_ips[gateway],
                        "connectivityType": "public", "state": "available",
                        "vpcId": vpc.vpc_id}  # fmt: skip
        raise Ec2NotFound(f"NatGatewayNotFound: NAT gateway {gateway} was not found")

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
        strings = {"standardSrv": self.standard_srv_for(cluster), "privateEndpoints": endpoints}
        if self.peering_accepted():
            srv = self.peering_srv_for(cluster)
            strings["privateSrv"] = srv
            strings["private"] = srv.replace("mongodb+srv://", "mongodb://") + ":27017"
        return strings

    def peering_accepted(self) -> bool:
        accepter = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
        return any(type_ == accepter for type_, _ in self.ids)

    def standard_srv_for(self, cluster: str) -> str:
        """The public SRV string Atlas gives the cluster (NAT and public paths)."""
        return self.standard_srvs.get(cluster, f"mongodb+srv://{cluster}.abcde.mongodb.net")

    def peering_srv_for(self, cluster: str) -> str:
        """Atlas's peering-aware string, the standard host's first label with `-pri`: what
        MONGODB_URI is built from on the peering path."""
        scheme, _, rest = self.standard_srv_for(cluster).partition("://")
        label, _, domain = rest.partition(".")
        return f"{scheme}://{label}-pri.{domain}"

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
