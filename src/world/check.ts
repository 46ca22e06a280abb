/**
 * The world's verifier: the final answer is the symbols after the last `answer:`, up to `;`, a newline or the
 * end. Exact match with the gold string (every intermediate result, in order) is correct.
 */
export function extractWorldAnswer(text: string): string | null {
  const at = text.lastIndexOf("answer:");
  if (at < 0) return null;
  const rest = text.slice(at + "answer:".length);
  const end = rest.search(/[;\n]/);
  const answer = (end < 0 ? rest : rest.slice(0, end)).replace(/\s+/g, "");
  return answer.length > 0 ? answer : null;
}

export function checkWorldAnswer(gold: string, response: string): { correct: boolean; extracted: string | null } {
  const extracted = extractWorldAnswer(response);
  return { correct: extracted !== null && extracted === gold, extracted };
}
