"""The HTTP call both integrations make to `rlvd reward-server` (standard library only)."""
import json
import os
import urllib.error
import urllib.request

URL_ENV = "RLVD_REWARD_URL"  # default http://127.0.0.1:5000
KEY_ENV = "RLVD_API_KEY"  # the server's --api-key, sent as Authorization: Bearer KEY
TIMEOUT_ENV = "RLVD_REWARD_TIMEOUT"  # seconds per request, default 300


def plain(value):
    """A label as JSON can carry it: numpy arrays and scalars (what verl reads from Parquet) become lists and numbers."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def get_reward(queries, labels):
    """POST /get_reward with the responses alone (no prompts: the server grades each query whole).

    Returns (rewards, scores): the server's --reward-values and 1/0 for verified/not."""
    body = json.dumps({"query": list(queries), "labels": [plain(label) for label in labels]}).encode()
    headers = {"content-type": "application/json"}
    key = os.environ.get(KEY_ENV)
    if key:
        headers["authorization"] = "Bearer " + key
    url = os.environ.get(URL_ENV, "http://127.0.0.1:5000").rstrip("/") + "/get_reward"
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get(TIMEOUT_ENV, "300"))) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as e:
        try:
            detail = json.load(e).get("error", "")
        except ValueError:
            detail = ""
        hint = f" (set {KEY_ENV} to the server's --api-key)" if e.code == 401 else ""
        raise RuntimeError(f"rlvd reward server {url}: HTTP {e.code}: {detail}{hint}") from None
    return answer["rewards"], answer["scores"]
