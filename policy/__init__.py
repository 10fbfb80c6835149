"""atlas-lambda CrossGuard policy pack.

The policies here are thin adapters: each reads a resource's (or the stack's) properties
and hands plain values to the rule functions in `components/guardrails/rules.py` and
`components/guardrails/budget.py` — the same functions the components and the offline preview call.
`__main__.py` is what `pulumi preview --policy-pack policy` runs; `policy.offline` runs the
same policies over an offline plan, without the Pulumi CLI.
"""
