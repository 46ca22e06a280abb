/**
 * Stage 2 of 4: LaTeX normalisation. Turns one extracted answer string into a canonical LaTeX string the
 * parser reads: the spellings of the same thing (\dfrac, \tfrac, \frac; \left( and (; 1{,}000 and 1000;
 * \text{cm} units; ^\circ and "degrees"; \% and "percent") collapse into one. Pure string work, linear time.
 */

/** Finds the `{...}` group opening at `open` (s[open] === "{"); returns the index after its `}` or -1. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++; // an escaped character (\{ \} \\) never counts
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The contents of every `\boxed{...}` / `\fbox{...}` (also `\boxed 5`), in order. */
export function boxContents(s: string): { start: number; end: number; content: string }[] {
  const out: { start: number; end: number; content: string }[] = [];
  const re = /\\(?:boxed|fbox)(?![a-zA-Z])/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    let i = m.index + m[0].length;
    while (s[i] === " ") i++;
    if (s[i] === "{") {
      const end = matchBrace(s, i);
      if (end < 0) continue;
      out.push({ start: m.index, end, content: s.slice(i + 1, end - 1) });
      re.lastIndex = end;
    } else if (i > m.index + m[0].length) {
      // \boxed 5 : one token after a space
      const tok = /^(?:[^\s$\\]+|\\[a-zA-Z]+)/.exec(s.slice(i));
      if (tok) {
        out.push({ start: m.index, end: i + tok[0].length, content: tok[0] });
        re.lastIndex = i + tok[0].length;
      }
    }
  }
  return out;
}

/** Replaces `\name{X}` by `before + X + after` for the given command names (brace-matched, any nesting). */
function unwrapCommands(s: string, names: string, before = "", after = ""): string {
  const re = new RegExp(`\\\\(?:${names})\\s*\\{`, "g");
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const open = m.index + m[0].length - 1;
    const end = matchBrace(s, open);
    if (end < 0) break;
    out += s.slice(last, m.index) + before + s.slice(open + 1, end - 1) + after;
    last = end;
    re.lastIndex = end;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Text-like commands whose argument is kept as it stands (\text{cm}, \mathrm{(E)}, \textbf{\text{Evelyn}}). */
const TEXT_CMDS = "text|textbf|textit|textrm|textsf|texttt|textnormal|textup|emph|mathrm|mathbf|mathit|mathsf|mathtt|mathcal|mathbb|mathfrak|boldsymbol|bm|mbox|hbox|operatorname\\*?";
const TEXT_CMD_RE = new RegExp(`\\\\(?:${TEXT_CMDS})\\s*\\{`);

/** Drops TeX groups around the whole answer: {{5}} is 5. */
function ungroup(s: string): string {
  while (s.startsWith("{") && matchBrace(s, 0) === s.length) s = s.slice(1, -1).trim();
  return s;
}

const UNICODE: [RegExp, string][] = [
  [/π/g, "\\pi "],
  [/∞/g, "\\infty "],
  [/√/g, "\\sqrt"],
  [/×/g, "\\times "],
  [/[·⋅]/g, "\\cdot "],
  [/÷/g, "\\div "],
  [/[−–—]/g, "-"],
  [/≤/g, "\\le "],
  [/≥/g, "\\ge "],
  [/≠/g, "\\ne "],
  [/≈/g, "\\approx "],
  [/±/g, "\\pm "],
  [/∪/g, "\\cup "],
  [/∈/g, "\\in "],
  [/²/g, "^2"],
  [/³/g, "^3"],
  [/º/g, "°"],
  [/ℝ/g, "\\mathbb{R}"],
];

/** Words after a number that carry meaning the later rules read: a meridiem, percent, degrees, a scale. */
const KEEP_WORDS = /^\s*[ap]\.?\s*m\.?\s*$|percent|pct|degree|\bdeg\b|hundred|thousand|million|billion|trillion|dozen|score/i;

/** Unit words dropped after a numeric answer ("125 miles", "15 cm^2"). Any other trailing word is kept. */
const UNITS = new Set(
  (
    "unit units sq square squared cubic cu mm cm dm km meter meters metre metres millimeter millimeters centimeter " +
    "centimeters kilometer kilometers in inch inches ft foot feet yd yard yards mi mile miles mph kph kg gram grams " +
    "kilogram kilograms mg lb lbs pound pounds oz ounce ounces ton tons ml liter liters litre litres gallon gallons " +
    "quart quarts pint pints cup cups sec second seconds min minute minutes hr hrs hour hours day days week weeks " +
    "month months year years yr yrs dollar dollars cent cents yuan euro euros rupee rupees point points people person " +
    "persons student students apple apples book books ways way times coins coin marbles balls ball cards card pages " +
    "page boxes box pieces piece items item numbers number integers integer digits digit terms term values value " +
    "solutions solution roots root triangles triangle squares sides side edges edge vertices faces diagonals angles " +
    "positive negative distinct different real whole total more less ago old tiles tile seats seat chairs rows row " +
    "per hundred thousand million billion trillion km/h m/s cm^2 m^2 cm^3 m^3 inches^2 feet^2 ft^2 in^2 ft^3 rad radians " +
    "gumballs jellybeans candies cookies handshakes games teams eggs"
  ).split(" "),
);

/**
 * Drops trailing spaces, row breaks (\\\\) and punctuation. A loop from the end, not a regex anchored at `$`:
 * that one retries from every position of a long run of backslashes, quadratic time.
 */
function trimTrailing(s: string): string {
  let end = s.length;
  for (;;) {
    const c = s[end - 1];
    if (c === undefined) break;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "." || c === "," || c === ";" || c === ":") end--;
    else if (c === "\\" && s[end - 2] === "\\") end -= 2;
    else break;
  }
  return s.slice(0, end);
}

/**
 * Normalises one extracted answer. Idempotent: normalizeLatex(normalizeLatex(x)) === normalizeLatex(x).
 * Exported so tests and the metrics layer can show what an answer looked like after cleaning.
 */
export function normalizeLatex(input: string): string {
  let s = input.trim();
  if (s.length > 20_000) s = s.slice(-20_000); // no answer is this long; bound the work on pathological input

  // Boxes inside the answer: their contents are the answer (several boxes form a list).
  const boxes = boxContents(s);
  if (boxes.length > 0) s = boxes.map((b) => b.content).join(",");

  // Math delimiters around the whole answer.
  s = s.replace(/^\$+|\$+$/g, "").replace(/^\\\[|\\\]$/g, "").replace(/^\\\(|\\\)$/g, "");
  s = s.replace(/(?<!\\)\$/g, " ");
  s = ungroup(s);

  for (const [re, to] of UNICODE) s = s.replace(re, to);
  // Doubly escaped strings (a JSON or Python dump written out twice: \\frac{1}{2}, \\{1,2\\}): when every
  // run of backslashes has even length and one escapes a letter or brace, the whole answer is halved.
  if (s.includes("\\\\") && /\\\\[a-zA-Z{}%$]/.test(s) && (s.match(/\\+/g) ?? []).every((run) => run.length % 2 === 0)) s = s.replace(/\\\\/g, "\\");
  // ... and, mixed with single ones, a doubled command: a row break is never followed by a letter.
  s = s.replace(/(?<!\\)\\\\(?=[a-zA-Z])/g, "\\");

  // Repeating decimals: 1.\overline{6} (or 1.\bar{6}) = 5/3 (exact, as a fraction).
  if (s.includes("\\overline") || s.includes("\\bar")) s = s.replace(/(?<!\d)(\d*)\.(\d*)\\(?:overline|bar)\s*\{(\d{1,12})\}/g, (_m, i: string, a: string, r: string) => {
    const whole = BigInt((i || "0") + a + r) - BigInt((i || "0") + a);
    const den = 10n ** BigInt(a.length) * (10n ** BigInt(r.length) - 1n);
    return `\\frac{${whole}}{${den}}`;
  });

  // Thousands-separator spellings first (before \! becomes a space): 1{,}000 and 10,\!000 (also in the
  // Indian grouping, 12,\!34,\!567: a comma with \! after it only ever separates digits).
  s = s.replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d)/g, "$1").replace(/(\d),\\!\s*(?=\d{3}(?!\d))/g, "$1,");
  if (s.includes(",\\!")) s = s.replace(/(?<![\d,])(\d{1,2})((?:,\\!\s*\d{2})+),(\d{3})(?![\d,])/g, (_m, a: string, b: string, c: string) => a + b.replace(/,\\!\s*/g, "") + c);

  // Words in \text{} right after a number are a unit or a noun, not part of the value: 42\text{ apples},
  // \frac12\text{ cup}. (Not a.m./p.m. after a time, which is meaning; a lone letter may be a constant.)
  if (s.includes("\\")) s = s.replace(/(?<=[\d}]|\\pi)\s*\\(?:text|textrm|textnormal|textit|textbf|textup|textsf|mbox|hbox)\s*\{\s*([A-Za-z][A-Za-z'.\- ]*[A-Za-z.]|[A-Za-z]{2,})\s*\}\s*$/, (m, words: string) => KEEP_WORDS.test(words) || !/[A-Za-z]{2}/.test(words) ? m : "");
  // ... and a separated number filling a fraction's or root's argument: \frac{20,000}{\pi}.
  if (s.includes(",")) s = s.replace(/(\\(?:[dtc]?frac|sqrt)\s*\{|\}\s*\{)\s*([1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?)\s*\}/g, (_m, open: string, n: string) => `${open}${n.replace(/,/g, "")}}`);
  // A row break's extra spacing: \\[2mm].
  if (s.includes("\\\\")) s = s.replace(/\\\\\s*\[\s*-?\d*\.?\d*\s*(?:mm|cm|pt|em|ex|in|bp|pc)\s*\]/g, "\\\\");

  // Spacing, sizing and display commands carry no meaning.
  s = s
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)\s*(?=[()[\]|.<>]|\\[{}|]|\\[lr]?[a-z]*(?:vert|angle|floor|ceil))/g, "")
    .replace(/\\(?:left|right)\s*\./g, "")
    .replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits|mathstrut|strut|middle|cr|noindent|small|large|Large)(?![a-zA-Z])/g, "")
    .replace(/\\(?:hspace|vspace|phantom|hphantom|vphantom)\*?\s*\{[^{}]*\}/g, "")
    .replace(/\\q?quad/g, " ")
    .replace(/\\(\\|[!,;:> ])/g, (m, c: string) => (c === "\\" ? m : " "))
    .replace(/~/g, " ")
    .replace(/\\(?:dfrac|tfrac|cfrac)(?![a-zA-Z])/g, "\\frac")
    .replace(/\\(?:dbinom|tbinom)(?![a-zA-Z])/g, "\\binom")
    .replace(/\\(?:dots|ldots|cdots|dotsc|dotsb)(?![a-zA-Z])/g, "")
    .replace(/\\(?:lvert|rvert|vert|mid)(?![a-zA-Z])/g, "|")
    .replace(/\\(?:lVert|rVert|Vert)(?![a-zA-Z])/g, "|")
    .replace(/\\(?:therefore|because|implies|Rightarrow|Longrightarrow|iff)(?![a-zA-Z])/g, " ");

  // Currency, percent, degrees.
  s = s
    .replace(/\\\$|\\(?:euro|pounds|yen|textdollar|textcent|cent)\b|[€£¥₹¢]|\bUSD\b|\bRs\.?/g, "")
    .replace(/\\%|%/g, "\\% ")
    .replace(/\s*\b(?:percentage|percent|pct)(?![a-zA-Z])/gi, "\\% ")
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])|°|\s*\bdeg(?:rees?)?\b/g, "° ")
    .replace(/(?<=[\d)}])\s*\^\s*(?:\{\s*o\s*\}|o(?![a-zA-Z]))/g, "° "); // 36^o

  // \mathbb{R} is the reals; other text-like commands keep their contents.
  s = s.replace(/\\mathbb\s*\{\s*R\s*\}|\\R\b|\\Reals\b/g, "\\reals ");
  // nested ones too: \textbf{\text{Evelyn}}
  for (let guard = 0; guard < 4 && s.includes("\\") && TEXT_CMD_RE.test(s); guard++) s = unwrapCommands(s, TEXT_CMDS, " ", " ");
  s = ungroup(s.trim());
  s = s.replace(/\\(?:rm|bf|it)(?![a-zA-Z])/g, "");

  // Connectives between list items.
  s = s.replace(/\s*,?\s*\b(?:and|or)\b\s*/g, ",").replace(/^,+|,+$/g, "");

  // Thousands separators: 7,425,000 and (a whole answer) 1 000. (not inside a bracket pair or a list: (12,102)
  // is a pair, 1,234 alone is a number). The Indian grouping is read only when spelled as one (12,\!34,\!567 or
  // 12{,}34{,}567, above): with plain commas 10,20,30,400 is more likely four numbers.
  s = s.replace(/(?<![\d.,([{]\s*)[1-9]\d{0,2}(?:,\d{3})+(?![\d,]|\s*[)\]}])/g, (m) => m.replace(/,/g, ""));
  // A mixed number: a whole number, a space, a proper fraction (2 3/4 is 2.75; 2 5/4 is no such thing).
  if (s.includes("/")) s = s.replace(/(?<![\d.^_{\\])(\d+) +(\d+)\s*\/\s*(\d+)(?![\d.^])/g, (m, w: string, a: string, b: string) => (Number(a) < Number(b) && Number(a) > 0 ? `${w}\\frac{${a}}{${b}}` : m));
  if (/^\s*-?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?\s*$/.test(s)) s = s.replace(/ /g, "");

  // A leading "the answer is" inside a box; a leading "\approx" (\boxed{\approx 5}).
  s = s.replace(/^\s*(?:the\s+)?(?:final\s+)?answer\s*(?:is)?\s*:?\s*/i, "").replace(/^\s*\\(?:approx|sim)(?![a-zA-Z])\s*/, "");

  // A leading "x \in": the set is the answer.
  s = s.replace(/^\s*[a-zA-Z](?:_\{?[\w]+\}?)?\s*\\in\s*/, "");

  s = s.replace(/\s+/g, " ").trim();
  s = trimTrailing(s).replace(/^(?:[,;:\s]|\.(?!\d))+/, "");
  // A multiple-choice answer written with its option text or value: "(C) Plane", "(C) \frac12" are C.
  s = s.replace(/^\(([A-Ea-e])\)\s+[A-Za-z][\w\s.,'-]*$/, "$1").replace(/^\(([A-E])\)\s+\S.*$/, "$1");

  // Trailing unit words after a number: "125 miles", "15 cm^2", "3 hours", "864 sq. in.", "\pi radians",
  // "\frac{1}{2}cm", "15 miles per hour".
  for (let guard = 0; guard < 8; guard++) {
    const m = /^(.*\S)\s*(?<=[\s\d}])([a-zA-Z]+(?:\/[a-zA-Z]+)?)\.?(\s*\^\s*\{?\d\}?)?\.?$/.exec(s);
    if (!m || !/\d|\\pi\b/.test(m[1]!) || !UNITS.has(m[2]!.toLowerCase())) break;
    s = m[1]!.trim();
  }
  return s.replace(/\s+/g, " ").trim();
}
