"""IamDatabaseUser: an Atlas database user that is an IAM role (MONGODB-AWS, no password)."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_mongodbatlas as atlas

from ..args_check import check_args
from ..guardrails import deploy_limits, rules
from ..types import DatabaseRole

# Built-in roles Atlas grants scoped to one application database (deploy_limits says why).
DATABASE_ROLES: tuple[str, ...] = deploy_limits.DATABASE_ROLES
EXTERNAL_AUTH_DATABASE = "$external"


class IamDatabaseUserArgs(TypedDict):
    """Inputs of IamDatabaseUser."""

    project_id: pulumi.Input[str]
    """Atlas project of the cluster."""
    role_arn: pulumi.Input[str]
    """ARN of the IAM role that authenticates (the Lambda's execution role)."""
    cluster_name: pulumi.Input[str]
    """The user is scoped to this cluster only."""
    database_name: str
    """The one database the roles apply to."""
    roles: NotRequired[Sequence[DatabaseRole]]
    """Built-in roles on `database_name`; `readWrite` by default."""


def validate_user_args(args: Mapping[str, Any]) -> None:
    """Check the plain fields (database and roles) before anything is registered."""
    # MongoDB's naming restrictions, and an application database: roles on admin (or local,
    # config) would reach the whole cluster (deploy_limits.database_name says why).
    rules.raise_on_errors(deploy_limits.database_name(args["database_name"]))
    rules.raise_on_errors(deploy_limits.database_roles(list(args.get("roles", ["readWrite"]))))


class IamDatabaseUser(pulumi.ComponentResource):
    """The database identity of an IAM role: Atlas calls STS to verify the signed request,
    so neither side stores a password. Roles are limited to one database and one cluster."""

    username: pulumi.Output[str]
    """The role ARN, which is the user's name in Atlas."""

    def __init__(
        self, name: str, args: IamDatabaseUserArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, IamDatabaseUserArgs, "IamDatabaseUser")
        validate_user_args(args)
        super().__init__("atlas-lambda:index:IamDatabaseUser", name, {}, opts)
        roles = list(args.get("roles", ["readWrite"]))
        self.user = atlas.DatabaseUser(
            f"{name}-user",
            project_id=args["project_id"],
            username=args["role_arn"],
            aws_iam_type="ROLE",
            auth_database_name=EXTERNAL_AUTH_DATABASE,
            roles=[{"role_name": role, "database_name": args["database_name"]} for role in roles],
            scopes=[{"name": args["cluster_name"], "type": "CLUSTER"}],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.username = self.user.username
        self.register_outputs({"username": self.username})
