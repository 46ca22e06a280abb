"""rlvd's verifier as a TRL GRPOTrainer reward function.

Start the server:        rlvd reward-server --port 5000     (RLVD_REWARD_URL, RLVD_API_KEY)
Export the dataset:      rlvd export trl --dataset train.jsonl --out grpo.jsonl
Then:
    from datasets import load_dataset
    from trl import GRPOTrainer
    from integrations.trl_reward import rlvd_reward
    trainer = GRPOTrainer(model=..., reward_funcs=rlvd_reward, train_dataset=load_dataset("json", data_files="grpo.jsonl")["train"])

TRL calls reward functions with keywords only: prompts, completions, every other dataset column (here
ground_truth, question_id), and in newer versions completion_ids (0.18+) and trainer_state (0.20+).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _rlvd_client import get_reward  # noqa: E402


def _text(completion):
    # conversational datasets give a list of messages per completion, standard ones a string
    if isinstance(completion, list):
        parts = []
        for message in completion:
            content = message.get("content")
            if isinstance(content, list):  # content as parts: [{"type": "text", "text": ...}]
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            parts.append(content or "")
        return "".join(parts)
    return completion


def rlvd_reward(completions, ground_truth, **kwargs):
    """One reward per completion (the server's --reward-values, +1/-1 by default), in one batched request.
    Only the completions are graded: TRL's completions do not contain the prompt."""
    rewards, _ = get_reward([_text(c) for c in completions], ground_truth)
    return [float(r) for r in rewards]
