"""rlvd's verifier as a verl reward function.

Start the server next to the trainer:   rlvd reward-server --port 5000   (RLVD_REWARD_URL, RLVD_API_KEY)
Data: `rlvd export verl` (reward_model.ground_truth holds the gold answer), or verl's own preprocessed Parquet.

Per item (verl's default reward loop, and reward_manager=naive):
    custom_reward_function.path=integrations/verl_reward.py custom_reward_function.name=compute_score
One request per batch (verl's `batch` reward manager):
    custom_reward_function.name=compute_score_batch reward_model.reward_manager=batch
    (verl >= 0.7 runs the reward loop by default, which has no batch manager: add reward_model.use_reward_loop=False)

verl 0.3 (a number per response, no dict): custom_reward_function.name=compute_score_float

Each result is {"score": the server's reward (+1/-1 by default), "acc": 1.0 or 0.0}: verl uses "score" as the
reward and reports "acc" under val-core, so validation shows accuracy rather than the mean of +1/-1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _rlvd_client import get_reward  # noqa: E402


def _results(rewards, scores):
    return [{"score": float(r), "acc": float(s)} for r, s in zip(rewards, scores)]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """One response. verl passes the four named fields, and newer versions more by keyword
    (reward_router_address, reward_model_tokenizer, custom_reward_function.reward_kwargs): ignored here."""
    return _results(*get_reward([solution_str], [ground_truth]))[0]


def compute_score_float(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """The reward alone, for verl 0.3, whose reward manager takes a number, not a dict (no "acc" then)."""
    return compute_score(data_source, solution_str, ground_truth, extra_info)["score"]


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """A whole batch in one request, as verl's BatchRewardManager calls it (plural keyword names)."""
    if len(solution_strs) == 0:
        return []
    return _results(*get_reward(solution_strs, ground_truths))
