import { readFileSync } from "node:fs";
import { RlvdError } from "../core/errors.js";
import type { Prompt } from "./types.js";

/** A prompt template: turns a question into the prompt a model sees. */
export type Template = { name: string; render: (question: string) => Prompt };

const BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}.";

/** The study's three templates (PAPER.md, "Evaluation sampling"), and `chat` for prompts that carry their own instruction. */
export const TEMPLATES: Record<string, Template> = {
  /** the question alone, as raw text (base models, completion endpoints) */
  question: { name: "question", render: (q) => ({ kind: "text", text: q }) },
  /** a chat turn asking for step-by-step reasoning and a boxed answer */
  boxed: { name: "boxed", render: (q) => ({ kind: "chat", messages: [{ role: "user", content: `${q}\n${BOXED_INSTRUCTION}` }] }) },
  /** R1-style: reasoning inside <think>, the answer inside <answer> */
  r1: {
    name: "r1",
    render: (q) => ({
      kind: "text",
      text:
        "A conversation between User and Assistant. The User asks a question, and the Assistant solves it. The Assistant first " +
        "thinks about the reasoning process in the mind and then provides the User with the answer. The reasoning process is " +
        "enclosed within <think> </think> and the answer within <answer> </answer> tags.\n" +
        `User: ${q}\nAssistant: <think>`,
    }),
  },
  /** the question alone as one user turn: data whose prompts already carry their instruction (verl's Parquet) */
  chat: { name: "chat", render: (q) => ({ kind: "chat", messages: [{ role: "user", content: q }] }) },
};

/**
 * A template by name, or from a file: a text file with a `{question}` placeholder (completion prompt), or a
 * JSON file `{"chat": [{"role": "user", "content": "... {question} ..."}]}` (chat prompt).
 */
export function resolveTemplate(nameOrFile: string): Template {
  const builtIn = TEMPLATES[nameOrFile];
  if (builtIn) return builtIn;
  let raw: string;
  try {
    raw = readFileSync(nameOrFile, "utf8");
  } catch {
    throw new RlvdError("BAD_ARGUMENT", `unknown template "${nameOrFile}": not one of ${Object.keys(TEMPLATES).join(", ")} and not a readable file`);
  }
  if (nameOrFile.endsWith(".json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      throw new RlvdError("BAD_INPUT", `${nameOrFile}: malformed JSON (${(e as Error).message})`);
    }
    const chat = (parsed as { chat?: unknown }).chat;
    const valid = Array.isArray(chat) && chat.every((m) => typeof m?.content === "string" && ["system", "user", "assistant"].includes(m?.role));
    if (!valid) throw new RlvdError("BAD_INPUT", `${nameOrFile}: a JSON template needs {"chat": [{"role": "user", "content": "...{question}..."}]}`);
    if (!JSON.stringify(chat).includes("{question}")) throw new RlvdError("BAD_INPUT", `${nameOrFile}: no {question} placeholder`);
    const messages = chat as Array<{ role: "system" | "user" | "assistant"; content: string }>;
    return { name: nameOrFile, render: (q) => ({ kind: "chat", messages: messages.map((m) => ({ role: m.role, content: m.content.replaceAll("{question}", q) })) }) };
  }
  if (!raw.includes("{question}")) throw new RlvdError("BAD_INPUT", `${nameOrFile}: no {question} placeholder`);
  return { name: nameOrFile, render: (q) => ({ kind: "text", text: raw.replaceAll("{question}", q) }) };
}

/** Flattens a chat prompt to text for backends without a chat endpoint (the embedded engine). */
export function promptAsText(prompt: Prompt): string {
  if (prompt.kind === "text") return prompt.text;
  return prompt.messages.map((m) => `${m.role}: ${m.content}`).join("\n") + "\nassistant:";
}
