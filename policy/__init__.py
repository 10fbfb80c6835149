"""atlas-lambda CrossGuard policy pack.

The policies here are thin adapters: each reads a resource's (or the stack's) properties
and hands plain values to the rule functions in `components/guardrails/rules.py`,
`budget.py` and `network_paths.py` — the same functions the components and the offline
preview call. Resource policies are in `resource_policies.py`; stack policies in
`stack_policies.py`, and those of the network paths (peering, NAT gateway, public, and the
access list they share) in `network_policies.py`.
`__main__.py` is what `pulumi preview --policy-pack policy` runs; `policy.offline` runs the
same policies over an offline plan, without the Pulumi CLI.

Installed by pip, this package is `pulumi_atlas_lambda.policy` and the rules are
`pulumi_atlas_lambda.guardrails`; `toolkit.py` imports them under whichever name they have.
`installed/` is the pack folder for that case: `python -m pulumi_atlas_lambda.policy --path`
prints it for `--policy-pack`.
"""
