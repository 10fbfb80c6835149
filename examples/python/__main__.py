"""The whole pattern from pip: an Atlas cluster, a VPC with a PrivateLink endpoint, the
function in ./function (packaged with its pinned requirements), and its role as the IAM
database user. Every arg left out takes the stack's default (M10, arm64, python3.14)."""

import pulumi
from pulumi_atlas_lambda import AtlasLambda

config = pulumi.Config()
app = AtlasLambda("app", {
    "org_id": config.require_secret("orgId"),
    "reserved_concurrency": 100,  # the preview refuses what the M10 cannot hold (745)
    "tags": {"team": "orders"},
})
pulumi.export("functionName", app.function_name)
pulumi.export("databaseUser", app.database_user)
