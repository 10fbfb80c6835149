"""atlas-lambda CrossGuard policy pack.

The policies here are thin adapters: each reads a resource's (or the stack's) properties
and hands plain values to the rule functions in `components/guardrails/rules.py` and
`components/guardrails/budget.py` — the same functions the components and the offline preview call.
`__main__.py` is what `pulumi preview --policy-pack policy` runs; `policy.offline` runs the
same policies over an offline plan, without the Pulumi CLI.

Installed by pip, this package is `pulumi_atlas_lambda.policy` and the rules are
`pulumi_atlas_lambda.guardrails`; `toolkit.py` imports them under whichever name they have.
`installed/` is the pack folder for that case: `python -m pulumi_atlas_lambda.policy --path`
prints it for `--policy-pack`.
"""
