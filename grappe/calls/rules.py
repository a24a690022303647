from typing import Any

import rules

from grappe.calls.models import CallState
from grappe.people.rules import is_board, is_office


@rules.predicate
def is_public_call(user: Any, call: Any) -> bool:
    return call is not None and call.state in CallState.public()


rules.add_perm("calls.view_call", is_public_call | is_office | is_board)
rules.add_perm("calls.manage_call", is_office)
rules.add_perm("calls.list_calls_office", is_office | is_board)
