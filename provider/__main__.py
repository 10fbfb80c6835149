"""The `atlas-lambda` component package: serves AtlasCluster, IamDatabaseUser, MongoLambda,
Network and PrivateEndpoint to Pulumi programs in any language.

The Python language host starts it as `python <this folder> <engine address>` and reads
the port from stdout. The components live one folder up (the repository root is the
program, so the plugin cannot be the root).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.component_package import serve

if __name__ == "__main__":
    serve()
