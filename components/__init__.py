"""atlas-lambda components: import them into any Pulumi program.

    from pulumi_atlas_lambda import AtlasLambda  # the whole pattern
    from pulumi_atlas_lambda import AtlasCluster, IamDatabaseUser, MongoLambda, PrivateEndpoint

(`components` in this repository; `pip install` names it `pulumi_atlas_lambda`.)

Imports are lazy, so `components.guardrails` (used by the policy pack) loads without the
provider SDKs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "AtlasLambda": ".pattern.component",
    "AtlasLambdaArgs": ".pattern.args",
    "AtlasCluster": ".cluster.component",
    "AtlasClusterArgs": ".cluster.component",
    "ConfigError": ".errors",
    "IamDatabaseUser": ".database_user.component",
    "IamDatabaseUserArgs": ".database_user.component",
    "MongoLambda": ".lambda_function.component",
    "MongoLambdaArgs": ".lambda_function.component",
    "Network": ".network.component",
    "NetworkArgs": ".network.component",
    "PrivateEndpoint": ".private_endpoint.component",
    "PrivateEndpointArgs": ".private_endpoint.component",
    "VpcPeering": ".peering.component",
    "VpcPeeringArgs": ".peering.component",
}

__all__ = [
    "AtlasCluster",
    "AtlasClusterArgs",
    "AtlasLambda",
    "AtlasLambdaArgs",
    "ConfigError",
    "IamDatabaseUser",
    "IamDatabaseUserArgs",
    "MongoLambda",
    "MongoLambdaArgs",
    "Network",
    "NetworkArgs",
    "PrivateEndpoint",
    "PrivateEndpointArgs",
    "VpcPeering",
    "VpcPeeringArgs",
]

if TYPE_CHECKING:
    from .cluster.component import AtlasCluster, AtlasClusterArgs
    from .database_user.component import IamDatabaseUser, IamDatabaseUserArgs
    from .errors import ConfigError
    from .lambda_function.component import MongoLambda, MongoLambdaArgs
    from .network.component import Network, NetworkArgs
    from .pattern.args import AtlasLambdaArgs
    from .pattern.component import AtlasLambda
    from .peering.component import VpcPeering, VpcPeeringArgs
    from .private_endpoint.component import PrivateEndpoint, PrivateEndpointArgs


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from .locations import toolkit_version

        return toolkit_version()
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name], __name__), name)
