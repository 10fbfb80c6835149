"""Run the function locally as Lambda runs it: `scripts/dev invoke` (`invoke.py`).

The pieces are the ones the tests and benchmarks use, here so that a command may use them
too: the Lambda Runtime API (`runtime_api`) driving the real runtime client `awslambdaric`
(`lambda_environment`), the built artifact extracted onto read-only roots beside the
runtime's own packages (`lambda_like`, `lambda_runtime`), and a MongoDB wire-protocol test
server on mockupdb (`wire_server`, `queries`) that counts connections and checks
MONGODB-AWS signatures (`aws_auth`). They need the `local` extra (awslambdaric, mockupdb),
which requirements-dev.txt installs.
"""
