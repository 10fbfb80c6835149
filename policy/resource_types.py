"""The type tokens the policies look at (Pulumi's `package:module/resource:Resource`)."""

from __future__ import annotations

ADVANCED_CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
FLEX_CLUSTER = "mongodbatlas:index/flexCluster:FlexCluster"
DATABASE_USER = "mongodbatlas:index/databaseUser:DatabaseUser"
IP_ACCESS_LIST = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
PRIVATE_LINK_ENDPOINT = "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
IAM_ROLE = "aws:iam/role:Role"
