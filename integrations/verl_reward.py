"""rlvd's verifier as a verl reward function.

Start the server next to the trainer:   rlvd reward-server --port 5000
In the verl config:
    custom_reward_function.path=integrations/verl_reward.py
    custom_reward_function.name=compute_score
The data must come from `rlvd export verl` (reward_model.ground_truth holds the gold answer).
"""
import json
import os
import urllib.request

RLVD_URL = os.environ.get("RLVD_REWARD_URL", "http://127.0.0.1:5000")


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    """+1 when rlvd verifies the response's final answer against ground_truth, else -1 (the study's reward)."""
    body = json.dumps({"gold": ground_truth, "pred": solution_str}).encode()
    request = urllib.request.Request(RLVD_URL + "/verify", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        verdict = json.load(response)
    return 1.0 if verdict["correct"] else -1.0
