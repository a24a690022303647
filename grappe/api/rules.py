"""Who may manage API tokens: each person their own; the office every token (to revoke one)."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_office


@rules.predicate
def is_token_owner(user: Any, token: Any) -> bool:
    return token is not None and getattr(user, "pk", None) is not None and token.user_id == user.pk


rules.add_perm("api.create_token", rules.is_authenticated)
rules.add_perm("api.revoke_token", is_token_owner | is_office)
rules.add_perm("api.list_all_tokens", is_office)
