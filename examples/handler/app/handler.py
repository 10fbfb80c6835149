"""Your own handler: the environment's one client from the `atlas_lambda` helper (the
toolkit adds the helper to the package when this folder has none of its own)."""

from atlas_lambda import get_client, invocation_deadline


def handler(event, context):
    with invocation_deadline(context):  # every call bounded by the remaining time
        order = get_client().orders.items.find_one({"_id": event["id"]})
        return {"found": order is not None}
