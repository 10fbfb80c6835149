"""AtlasLambda: the whole pattern (cluster, database user, network, private path, function)
as one component, with every cross-resource guardrail the stack applies."""
