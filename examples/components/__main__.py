"""Two building blocks composed your own way: a cluster of an existing Atlas project, and
read-only access to one database for an IAM role you already have (here a reporting
role), without the rest of the pattern. Each component keeps the rules that concern it."""

import json

import pulumi
import pulumi_aws as aws
from pulumi_atlas_lambda import AtlasCluster, IamDatabaseUser

reporting_role = aws.iam.Role("reporting", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": "lambda.amazonaws.com"}}],
}, sort_keys=True))

cluster = AtlasCluster("analytics", {
    "cluster_name": "analytics",
    "aws_region": "eu-central-1",
    "project_id": "65a1b2c3d4e5f60718293a4b",
    "tier": "M40",
    "auto_scaling_max_tier": "M60",
})
user = IamDatabaseUser("reporting", {
    "project_id": cluster.project_id,
    "role_arn": reporting_role.arn,
    "cluster_name": cluster.cluster_name,
    "database_name": "reports",
    "roles": ["read"],
})
pulumi.export("databaseUser", user.username)
