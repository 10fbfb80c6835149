"""atlas-lambda components: import them into any Pulumi program.

from components import AtlasCluster, IamDatabaseUser, MongoLambda, Network, PrivateEndpoint
"""

from .cluster import AtlasCluster, AtlasClusterArgs
from .database_user import IamDatabaseUser, IamDatabaseUserArgs
from .errors import ConfigError
from .lambda_function import MongoLambda, MongoLambdaArgs
from .network import Network, NetworkArgs
from .private_endpoint import PrivateEndpoint, PrivateEndpointArgs

__all__ = [
    "AtlasCluster",
    "AtlasClusterArgs",
    "ConfigError",
    "IamDatabaseUser",
    "IamDatabaseUserArgs",
    "MongoLambda",
    "MongoLambdaArgs",
    "Network",
    "NetworkArgs",
    "PrivateEndpoint",
    "PrivateEndpointArgs",
]
