"""The docs site's own code: the reference page generator (`python -m docs.generate`)."""
