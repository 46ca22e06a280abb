import type { Question } from "../core/types.js";
import { loadDataset } from "./dataset.js";
import { normalisePrompt } from "./formats/types.js";

/**
 * Matches imported questions to a dataset's (`--dataset`), so gold answers and metadata come from one place:
 * by id, then by the normalised question text, then by the dataset question the model's full input contains
 * (harnesses wrap the question in a template). Few-shot prompts contain exemplar questions before the asked
 * one, so the contained question that ends last wins, the longer on a tie. Each distinct prompt is matched
 * once; containment scans the whole dataset, so it is for the inputs the first two rules miss.
 */
export class QuestionMatcher {
  private readonly byId = new Map<string, Question>();
  private readonly byPrompt = new Map<string, Question>();
  private readonly prompts: Array<{ text: string; q: Question }>;
  private readonly cache = new Map<string, Question | null>();

  private constructor(questions: Question[]) {
    for (const q of questions) {
      this.byId.set(q.id, q);
      this.byPrompt.set(normalisePrompt(q.prompt), q);
    }
    this.prompts = [...this.byPrompt].filter(([text]) => text.length > 0).map(([text, q]) => ({ text, q }));
  }

  static async load(file: string): Promise<QuestionMatcher> {
    return new QuestionMatcher(await loadDataset(file));
  }

  match(id: string | undefined, prompt: string | undefined, input: string | undefined): Question | null {
    if (id !== undefined) {
      const q = this.byId.get(id);
      if (q) return q;
    }
    for (const text of [prompt, input]) {
      if (text === undefined) continue;
      let hit = this.cache.get(text);
      if (hit === undefined) {
        const norm = normalisePrompt(text);
        hit = this.byPrompt.get(norm) ?? this.contained(norm);
        this.cache.set(text, hit);
      }
      if (hit) return hit;
    }
    return null;
  }

  private contained(input: string): Question | null {
    let best: { end: number; length: number; q: Question } | null = null;
    for (const { text, q } of this.prompts) {
      const at = input.lastIndexOf(text);
      if (at < 0) continue;
      const end = at + text.length;
      if (!best || end > best.end || (end === best.end && text.length > best.length)) best = { end, length: text.length, q };
    }
    return best?.q ?? null;
  }
}
