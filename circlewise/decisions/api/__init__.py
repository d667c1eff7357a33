"""API operations for the consent process: proposals and their steps, consent rounds, objections,
decisions, the policy register, each circle's backlog and way of deciding, and what needs me.

Each operation authorises through decisions.permissions (a draft is missing to all but its author,
a private circle's things to those outside it; what may be seen but not done is 403), calls the
same service as the pages, and shapes the answer with decisions.schemas. Finer rules (only the
objector withdraws, only the facilitator steps the process along) are the services' own, so their
sentences come back as they are.

One module per stage, with the same names as decisions/services and decisions/views; they all
register on the one router in _common, imported here in the order of the OpenAPI document.
"""

# isort: off
# importing a stage registers its operations on the router, in the order of the OpenAPI document
from . import proposals, rounds, objections, policies, backlog, circle_settings, needs_me  # noqa: F401

# isort: on
from ._common import OPERATIONS, next_action_out, router

__all__ = ["OPERATIONS", "next_action_out", "router"]
