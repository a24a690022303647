"""List a call's proposals as the office, through Grappe's API (docs/api.md).

    GRAPPE_URL=http://127.0.0.1:8000 GRAPPE_TOKEN=grp_… python docs/examples/list_call_proposals.py CALLCODE

Only the standard library: follows the cursor until the last page, prints one line a proposal.
"""

import json
import os
import sys
import urllib.parse
import urllib.request


def get(path: str, **params: str) -> dict:
    url = os.environ.get("GRAPPE_URL", "http://127.0.0.1:8000") + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {os.environ['GRAPPE_TOKEN']}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (the URL is ours)
        return json.load(response)


def main(call: str) -> None:
    params: dict[str, str] = {}
    while True:
        page = get(f"/api/v1/calls/{call}/proposals", **params)
        for proposal in page["items"]:
            print(f"{proposal['code']}\t{proposal['state']}\t{proposal['requested_amount']}\t{proposal['title']}")
        if not page["next"]:
            break
        params["cursor"] = page["next"]


if __name__ == "__main__":
    main(sys.argv[1])
