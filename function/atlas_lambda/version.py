"""Version of the atlas-lambda runtime, sent to the server in the driver handshake."""

__version__ = "0.1.0"
