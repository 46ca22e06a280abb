"""rlvd's verifier as a TRL GRPOTrainer reward function.

Start the server:        rlvd reward-server --port 5000
Export the dataset:      rlvd export trl --dataset train.jsonl --out grpo.jsonl
Then:
    from datasets import load_dataset
    from trl import GRPOTrainer
    from integrations.trl_reward import rlvd_reward
    trainer = GRPOTrainer(model=..., reward_funcs=rlvd_reward, train_dataset=load_dataset("json", data_files="grpo.jsonl")["train"])
TRL passes the dataset's `ground_truth` column to the reward function as a keyword argument.
"""
import json
import os
import urllib.request

RLVD_URL = os.environ.get("RLVD_REWARD_URL", "http://127.0.0.1:5000")


def _text(completion):
    # conversational datasets give a list of messages per completion, standard ones a string
    if isinstance(completion, list):
        return "".join(message.get("content", "") for message in completion)
    return completion


def rlvd_reward(completions, ground_truth, **kwargs):
    """One +1/-1 reward per completion, verified by rlvd in a single batched request."""
    texts = [_text(c) for c in completions]
    body = json.dumps({"query": texts, "labels": list(ground_truth)}).encode()
    request = urllib.request.Request(RLVD_URL + "/get_reward", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)["rewards"]
