"""Packaging: the function's reproducible build for Lambda's target platform
(`python -m components.packaging`, or `build.build_function_package`)."""
