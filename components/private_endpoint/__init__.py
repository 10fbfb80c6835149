"""PrivateEndpoint and the zones its Atlas service serves."""
