"""The `atlas-lambda` component package: serves AtlasCluster, IamDatabaseUser, MongoLambda,
Network, PrivateEndpoint and VpcPeering to Pulumi programs in any language.

The Python language host starts it as `python <this folder> <engine address>` and reads
the port from stdout. The components live one folder up (the repository root is the
program, so the plugin cannot be the root).

The engine starts it in the consumer program's directory (pulumi ExecPlugin passes the
program's working directory as RunPluginRequest.Pwd; the language host runs the plugin
there), and nothing else tells the plugin where that program is: the working directory is
taken first, and nothing here changes it. A relative `sourceDir` is a folder there.
"""

import sys
from pathlib import Path

PROGRAM_DIR = Path.cwd()

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.component_package import serve  # noqa: E402

if __name__ == "__main__":
    serve(program_dir=PROGRAM_DIR)
