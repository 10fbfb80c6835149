"""MongoLambda and what only it uses: alarms, log queries, the connection string.

`connection_string` is plain logic (no provider SDK), shared with the guardrails and the
policy pack; nothing here is imported eagerly so that stays true.
"""
