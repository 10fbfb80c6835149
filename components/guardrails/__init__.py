"""Guardrails: the rules, limits and budgets a deploy would hit, as plain functions over
plain data, shared by the components, the offline preview and the policy pack."""
