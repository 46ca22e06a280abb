// Reward-query payloads shaped as OpenRLHF sends them, for tests and bench/reward-server.ts. Field names and
// the way `query` is built follow OpenRLHF's source: v0.11.0 openrlhf/utils/agent.py (SingleTurnAgentExecutor:
// query = hf_tokenizer.decode(prompt_ids + response_ids, skip_special_tokens=False), prompt ids left-truncated
// to max_len - max_tokens, one {query, prompts, labels} POST per sample); v0.8.0
// openrlhf/trainer/ppo_utils/experience_maker.py (batch_decode of left-padded sequences, so pad tokens lead
// the query and trail the response). Prompts are rendered with each model family's published chat template.

export type Payload = { query: string[]; prompts: string[]; labels: unknown[] };

const BOXED = "Please reason step by step, and put your final answer within \\boxed{}.";

/** Qwen2.5's ChatML template, default system prompt, add_generation_prompt=True. */
export const chatml = (question: string) =>
  `<|im_start|>system\n${BOXED}<|im_end|>\n<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;
/** Llama 3.1's template with its dated system header. */
export const llama3 = (question: string) =>
  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>" +
  `<|start_header_id|>user<|end_header_id|>\n\n${question} ${BOXED}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
/** DeepSeek-R1's template (full-width bars, "▁" in the BOS), which opens the reasoning with "<think>\n". */
export const r1 = (question: string) => `<｜begin▁of▁sentence｜><｜User｜>${question} ${BOXED}<｜Assistant｜><think>\n`;

/** A few-shot text prompt whose worked examples end in \boxed{} answers of their own. */
export const fewShot = (question: string) =>
  "Solve each problem.\n\nProblem: What is 1 + 1 ?\nSolution: 1 + 1 = 2 , so the answer is \\boxed{2} .\n\n" +
  "Problem: What is 10 - 3 ?\nSolution: 10 - 3 = 7 , so the answer is \\boxed{7} .\n\n" +
  `Problem: ${question}\nSolution:`;

/** What a SentencePiece decode with clean_up_tokenization_spaces does to the text: " ?" -> "?", " ." -> ".", " ," -> ",". */
export const cleanUpSpaces = (s: string) => s.replace(/ ([?.,!])/g, "$1");

const one = (query: string, prompt: string, label: unknown): Payload => ({ query: [query], prompts: [prompt], labels: [label] });

/** Named variants with the reward an item deserves (1 = correct, 0 = wrong). */
export function openrlhfVariants(): Array<{ name: string; payload: Payload; correct: number[] }> {
  const q = "What is 1/2 + 1/4?";
  const right = "1/2 + 1/4 = 2/4 + 1/4 = 3/4.\n\nSo the answer is \\boxed{\\frac{3}{4}}.";
  const wrong = "1/2 + 1/4 = 2/6 = 1/3, so \\boxed{\\frac{1}{3}}.";
  const zh = chatml("计算：" + q);
  const long = chatml("Consider the following long context. " + "Lorem ipsum dolor sit amet. ".repeat(40) + q);
  return [
    { name: "exact prefix (ChatML)", payload: one(chatml(q) + right + "<|im_end|>", chatml(q), "\\frac34"), correct: [1] },
    { name: "exact prefix, wrong answer", payload: one(chatml(q) + wrong + "<|im_end|>", chatml(q), "\\frac34"), correct: [0] },
    {
      name: "left padding (v0.8 batch_decode)",
      payload: {
        query: ["<|endoftext|>".repeat(7) + chatml(q) + right + "<|im_end|>" + "<|endoftext|>".repeat(3), "<|endoftext|>".repeat(2) + chatml("2+2?") + "\\boxed{5}<|im_end|>"],
        prompts: [chatml(q), chatml("2+2?")],
        labels: ["0.75", "4"],
      },
      correct: [1, 0],
    },
    { name: "decode-changed spacing (few-shot text prompt)", payload: one(cleanUpSpaces(fewShot("What is 5 - 3 ?")) + " 5 - 3 = 2 , so \\boxed{2} .", fewShot("What is 5 - 3 ?"), 2), correct: [1] },
    // the prompt's own examples end in \boxed{2} and \boxed{7}: grading the whole query would score 1 here
    { name: "prompt with its own \\boxed{} examples, no answer in the response", payload: one(cleanUpSpaces(fewShot("What is 9 - 2 ?")) + " I am not sure.", fewShot("What is 9 - 2 ?"), "7"), correct: [0] },
    { name: "left-truncated prompt", payload: one(long.slice(450) + right + "<|im_end|>", long, "3/4"), correct: [1] },
    { name: "left-truncated prompt, wrong answer", payload: one(long.slice(451) + wrong + "<|im_end|>", long, "3/4"), correct: [0] },
    {
      // byte-level BPE ids cut inside a multi-byte character decode to U+FFFD before the surviving text
      name: "left-truncated inside a character",
      payload: one("\uFFFD" + zh.slice(zh.indexOf("算") + 1) + right, zh, "3/4"),
      correct: [1],
    },
    { name: "GSM8K solution as the label", payload: one(chatml("How many clips?") + "48 + 24 = 72, so \\boxed{72}<|im_end|>", chatml("How many clips?"), "Natalia sold 48/2 = 24 clips in May.\n#### 72"), correct: [1] },
    { name: "numeric label", payload: one(chatml(q) + right, chatml(q), 0.75), correct: [1] },
    { name: "integer label (GSM8K)", payload: one(chatml("How many?") + "So \\boxed{72}<|im_end|>", chatml("How many?"), 72), correct: [1] },
    { name: "list label (alternatives)", payload: one(chatml(q) + right, chatml(q), ["0.7", "3/4"]), correct: [1] },
    { name: "Llama 3 template", payload: one(llama3(q) + right + "<|eot_id|>", llama3(q), "\\dfrac{3}{4}"), correct: [1] },
    {
      // Llama 3.2 Vision's processor puts <|image|> where the prompt text had <image>: the prompt is not in the query
      name: "Llama 3 template, prompt rewritten by the processor",
      payload: one(llama3("<|image|>" + q) + right + "<|eot_id|>", llama3("<image>" + q), "3/4"),
      correct: [1],
    },
    { name: "DeepSeek-R1 template", payload: one(r1(q) + "Halves and quarters...\n</think>\n\n" + right + "<｜end▁of▁sentence｜>", r1(q), "3/4"), correct: [1] },
    {
      name: "DeepSeek-R1 template, BOS token decoded twice",
      payload: one("<｜begin▁of▁sentence｜>" + r1(q) + "</think>\n\n" + wrong + "<｜end▁of▁sentence｜>", r1(q), "3/4"),
      correct: [0],
    },
  ];
}
