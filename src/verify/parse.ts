/**
 * Stage 3 of 4: parsing. A tokenizer and a recursive-descent parser from normalised LaTeX to the answer tree
 * in ast.ts. It reads the forms final answers take: numbers, \frac12 and \sqrt3 shorthands, mixed numbers
 * (3\frac12), base subscripts (1011_2), functions, relations and chains, comma lists, sets, tuples, intervals
 * and unions, \pm, matrices, percent and degree marks, and plain text. Anything else is a ParseError.
 * Bounded: at most MAX_TOKENS tokens and MAX_DEPTH nesting, so pathological input fails fast.
 */
import type { Node, RelOp } from "./ast.js";
import { num, sym } from "./ast.js";

export const MAX_TOKENS = 4000;
export const MAX_DEPTH = 200;

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

type Tok = { t: "num" | "id" | "word" | "cmd" | "op" | "env" | "end" | "eof"; v: string };

const FUNCS = new Set([
  "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos", "atan", "sinh", "cosh",
  "tanh", "ln", "log", "exp", "lg", "max", "min", "gcd", "lcm", "det", "arccot", "arcsec", "arccsc",
]);
/** Words the parser reads as math even in an answer made only of words ("infinity", "pi"). */
const MATH_WORDS = new Set(["pi", "infty", "infinity", "inf", "sqrt"]);
const GREEK = new Set([
  "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
  "lambda", "mu", "nu", "xi", "omicron", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi", "varphi",
  "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
  "ell", "hbar", "aleph",
]);
const REL_CMDS: Record<string, RelOp | "~"> = {
  le: "<=", leq: "<=", leqslant: "<=", ge: ">=", geq: ">=", geqslant: ">=", lt: "<", gt: ">", ne: "!=", neq: "!=",
  approx: "~", simeq: "~", sim: "~", equiv: "=", in: "=", coloneqq: "=", eq: "=",
};
const REL_OPS: Record<string, RelOp> = { "=": "=", "==": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!=" };
const MATRIX_ENVS = new Set(["pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix", "array"]);
/** Commands read as named symbols (an answer may be "\angle ABC"). Other unknown commands fail to parse. */
const SYMBOL_CMDS = new Set(["angle", "triangle", "square", "star", "ast", "prime", "partial", "nabla", "imath", "jmath"]);
/** Commands that never start an operand, so no implicit multiplication before them. */
const NON_OPERAND_CMDS = new Set([
  "cdot", "times", "div", "pm", "mp", "cup", "cap", "setminus", "backslash", "rangle", "rfloor", "rceil", "to", "quad", "over",
  ...Object.keys(REL_CMDS),
]);

const NUMBER = /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+(?![a-zA-Z]))?/y;

/** Splits normalised LaTeX into tokens. */
export function tokenize(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (toks.length > MAX_TOKENS) throw new ParseError("too many tokens");
    const c = s[i]!;
    if (c === " " || c === "\n" || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c >= "0" && c <= "9" || (c === "." && /[0-9]/.test(s[i + 1] ?? ""))) {
      // the whole digit run (sticky, no slice): a long number is one number, not a product of chunks
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(s)!;
      let v = m[0];
      if (/[eE]/.test(v)) {
        // scientific notation: keep as an exact decimal string
        const [mant, exp] = v.split(/[eE]/) as [string, string];
        v = sciToDecimal(mant, Number(exp));
      }
      toks.push({ t: "num", v });
      i += m[0].length;
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      let j = i;
      while (j < n && /[a-zA-Z]/.test(s[j]!)) j++;
      const w = s.slice(i, j);
      toks.push(w.length === 1 ? { t: "id", v: w } : { t: "word", v: w });
      i = j;
      continue;
    }
    if (c === "\\") {
      const rest = s.slice(i + 1, i + 60);
      const m = /^[a-zA-Z]+\*?/.exec(rest);
      if (!m) {
        const ch = s[i + 1] ?? "";
        if (ch === "\\") toks.push({ t: "op", v: "\\\\" });
        else if (ch === "{" || ch === "}") toks.push({ t: "op", v: "\\" + ch });
        else if (ch === "%") toks.push({ t: "op", v: "%" });
        else if (ch === "|") toks.push({ t: "op", v: "|" });
        else if (ch !== "") toks.push({ t: "cmd", v: ch });
        i += 2;
        continue;
      }
      const name = m[0].replace(/\*$/, "");
      i += 1 + m[0].length;
      if (name === "begin" || name === "end") {
        const em = /^\s*\{([a-zA-Z*]+)\}/.exec(s.slice(i, i + 40));
        if (!em) throw new ParseError(`bad \\${name}`);
        i += em[0].length;
        const env = em[1]!.replace(/\*$/, "");
        toks.push({ t: name === "begin" ? "env" : "end", v: env });
        if (name === "begin" && env === "array") {
          const spec = /^\s*\{[^{}]*\}/.exec(s.slice(i, i + 100));
          if (spec) i += spec[0].length;
        }
        continue;
      }
      toks.push({ t: "cmd", v: name });
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === "<=" || two === ">=" || two === "!=" || two === "==") {
      toks.push({ t: "op", v: two });
      i += 2;
      continue;
    }
    if ("+-*/^_()[]{}|,;=<>!'&:°".includes(c)) {
      toks.push({ t: "op", v: c });
      i++;
      continue;
    }
    if (c === "?" || c === "\"" || c === "`") {
      i++;
      continue;
    }
    throw new ParseError(`unexpected character ${JSON.stringify(c)}`);
  }
  toks.push({ t: "eof", v: "" });
  return toks;
}

function sciToDecimal(mant: string, exp: number): string {
  if (!Number.isFinite(exp) || Math.abs(exp) > 400) throw new ParseError("exponent too large");
  const [ip, fp = ""] = mant.split(".") as [string, string?];
  let digits = ip + fp;
  let point = ip.length + exp;
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  }
  if (point >= digits.length) return (digits + "0".repeat(point - digits.length)).replace(/^0+(?=\d)/, "");
  return (digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0") + "." + digits.slice(point);
}

/**
 * A clock time: 9:15, 9:15:00, 4:30 p.m., 11:05am, 7:05 pm. With a meridiem it is stored as 24-hour time
 * (12 a.m. is 0:00, 12 p.m. is noon); without one, as written. Null when the answer is not one (3:75 is a ratio).
 */
function clockTime(s: string): Node | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?$/i.exec(s.trim());
  if (!m) return null;
  let h = Number(m[1]);
  const min = Number(m[2]);
  const sec = m[3] === undefined ? 0 : Number(m[3]);
  if (min > 59 || sec > 59 || h > 24) return null;
  const mer = m[4]?.toLowerCase();
  if (mer) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (mer === "p" ? 12 : 0);
  }
  const node: Node = { k: "time", sec: ((h % 24) * 60 + min) * 60 + sec, meridiem: mer !== undefined };
  if (!mer && m[3] === undefined) node.ratio = { k: "div", a: num(m[1]!), b: num(m[2]!) };
  return node;
}

/** Parses one normalised answer. Throws ParseError when it is not a math answer this parser reads. */
export function parseLatex(s: string): Node {
  const time = clockTime(s);
  if (time) return time;
  const toks = tokenize(s);
  if (toks.length === 1) throw new ParseError("empty answer");
  // A whole answer made of words (and no numbers or commands) is text: "Evelyn", "odd", "no solution".
  if (toks.some((t) => t.t === "word") && toks.every((t) => t.t === "word" || t.t === "id" || t.t === "eof" || (t.t === "op" && ",.'-:".includes(t.v)))) {
    if (!toks.some((t) => t.t === "word" && (FUNCS.has(t.v) || MATH_WORDS.has(t.v)))) return { k: "text", s: s.trim() };
  }
  const p = new Parser(toks);
  const node = p.top();
  return node;
}

class Parser {
  private i = 0;
  private depth = 0;
  private absDepth = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Tok {
    return this.toks[Math.min(this.i++, this.toks.length - 1)]!;
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === "op" && t.v === v;
  }
  private isCmd(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === "cmd" && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== "op" || t.v !== v) throw new ParseError(`expected ${v}, found ${t.v || t.t}`);
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ParseError("nested too deeply");
  }

  top(): Node {
    const items = this.list(new Set());
    if (this.peek().t !== "eof") throw new ParseError(`unexpected ${this.peek().v}`);
    return items.length === 1 ? items[0]! : { k: "list", items };
  }

  /** Items separated by , or ; until one of `closers` (not consumed) or the end. */
  private list(closers: Set<string>): Node[] {
    const items: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === "eof" || (t.t === "op" || t.t === "cmd") && closers.has(t.v) || t.t === "end") {
        if (items.length === 0) throw new ParseError("empty group");
        return items;
      }
      items.push(this.union());
      if (this.isOp(",") || this.isOp(";")) {
        this.next();
        while (this.isOp(",") || this.isOp(";")) this.next();
        continue;
      }
      const u = this.peek();
      if (u.t === "eof" || (u.t === "op" || u.t === "cmd") && closers.has(u.v) || u.t === "end") return items;
      throw new ParseError(`unexpected ${u.v || u.t}`);
    }
  }

  /** Sets joined by \cup and \setminus (left to right): (0,36) \setminus \{9\}, \mathbb{R} \setminus [2,3]. */
  private union(): Node {
    const first = this.relation();
    if (this.peek().t !== "cmd") return first;
    let parts = [first];
    for (;;) {
      if (this.isCmd("cup")) {
        this.next();
        parts.push(this.relation());
      } else if (this.isCmd("setminus") || this.isCmd("backslash")) {
        this.next();
        const a: Node = parts.length === 1 ? parts[0]! : { k: "union", parts };
        parts = [{ k: "setminus", a, b: this.relation() }];
      } else return parts.length === 1 ? parts[0]! : { k: "union", parts };
    }
  }

  private relOp(): RelOp | "~" | null {
    const t = this.peek();
    if (t.t === "op" && t.v in REL_OPS) return REL_OPS[t.v]!;
    if (t.t === "cmd" && t.v in REL_CMDS) return REL_CMDS[t.v]!;
    return null;
  }

  private relation(): Node {
    const items = [this.expr()];
    const ops: (RelOp | "~")[] = [];
    for (let op = this.relOp(); op !== null; op = this.relOp()) {
      this.next();
      ops.push(op);
      items.push(this.expr());
    }
    if (ops.length === 0) return items[0]!;
    // "\approx" is a remark after an exact value (x = 1/3 \approx 0.33) or stands for "=" (x \approx 11).
    const firstApprox = ops.indexOf("~");
    if (firstApprox >= 0) {
      const variable = (n: Node): boolean => n.k === "sym" || (n.k === "mul" && n.args.every((a) => a.k === "sym"));
      if (ops.slice(0, firstApprox).includes("=") || (firstApprox === 0 && !variable(items[0]!))) {
        items.length = firstApprox + 1;
        ops.length = firstApprox;
      } else for (let k = 0; k < ops.length; k++) if (ops[k] === "~") ops[k] = "=";
    }
    if (ops.length === 0) return items[0]!;
    return { k: "rel", items, ops: ops as RelOp[] };
  }

  private expr(): Node {
    this.enter();
    let terms: Node[] = [];
    if (this.isOp("+")) this.next();
    if (this.isCmd("pm") || this.isCmd("mp")) {
      const sign = this.next().v === "pm" ? 1 : -1;
      terms.push({ k: "pm", a: num("0"), b: this.term(), sign });
    } else terms.push(this.term());
    for (;;) {
      if (this.isOp("+")) {
        this.next();
        terms.push(this.term());
      } else if (this.isOp("-")) {
        this.next();
        terms.push({ k: "neg", a: this.term() });
      } else if (this.isCmd("pm") || this.isCmd("mp")) {
        const sign = this.next().v === "pm" ? 1 : -1;
        const a: Node = terms.length === 1 ? terms[0]! : { k: "add", args: terms };
        terms = [{ k: "pm", a, b: this.term(), sign }];
      } else break;
    }
    this.depth--;
    return terms.length === 1 ? terms[0]! : { k: "add", args: terms };
  }

  private startsOperand(): boolean {
    const t = this.peek();
    switch (t.t) {
      case "num":
      case "id":
      case "word":
      case "env":
        return true;
      case "cmd":
        return !NON_OPERAND_CMDS.has(t.v) && !(t.v in REL_CMDS);
      case "op":
        return t.v === "(" || (t.v === "|" && this.absDepth === 0) || t.v === "\\{";
      default:
        return false;
    }
  }

  private term(): Node {
    const factors: Node[] = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && (t.v === "*")) {
        this.next();
        factors.push(this.unary());
      } else if (t.t === "cmd" && (t.v === "cdot" || t.v === "times" || t.v === "ast")) {
        this.next();
        factors.push(this.unary());
      } else if ((t.t === "op" && (t.v === "/" || t.v === ":")) || (t.t === "cmd" && (t.v === "div" || t.v === "over"))) {
        this.next();
        const a: Node = factors.length === 1 ? factors[0]! : { k: "mul", args: factors.splice(0) };
        factors.length = 0;
        factors.push({ k: "div", a, b: this.unary() });
      } else if (this.startsOperand()) {
        factors.push(this.power());
      } else break;
    }
    return factors.length === 1 ? factors[0]! : { k: "mul", args: factors };
  }

  private unary(): Node {
    if (this.isOp("-")) {
      this.next();
      this.enter();
      const a = this.unary();
      this.depth--;
      return { k: "neg", a };
    }
    if (this.isOp("+")) {
      this.next();
      return this.unary();
    }
    return this.power();
  }

  private power(): Node {
    this.enter();
    let base = this.postfix(this.primary());
    while (this.isOp("^")) {
      this.next();
      if (this.isCmd("circ")) {
        this.next();
        base = { k: "deg", a: base };
        continue;
      }
      const e = this.script();
      base = this.postfix({ k: "pow", a: base, b: e });
    }
    this.depth--;
    return base;
  }

  /** A superscript or subscript: a braced group, or one token (a number, a letter, a command, -token). */
  private script(): Node {
    if (this.isOp("{")) {
      this.next();
      const items = this.list(new Set(["}"]));
      this.expectOp("}");
      return items.length === 1 ? items[0]! : { k: "tuple", items, open: "(", close: ")" };
    }
    if (this.isOp("-")) {
      this.next();
      return { k: "neg", a: this.script() };
    }
    const t = this.peek();
    if (t.t === "num") return this.next(), num(t.v);
    if (t.t === "id") return this.next(), sym(t.v);
    if (t.t === "word") return this.argToken();
    if (t.t === "cmd") return this.primary();
    if (this.isOp("(")) return this.primary();
    throw new ParseError("bad script");
  }

  private postfix(n: Node): Node {
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && t.v === "!" && !(this.peek(1).t === "op" && this.peek(1).v === "=")) {
        this.next();
        n = { k: "fn", name: "factorial", args: [n] };
      } else if (t.t === "op" && t.v === "%") {
        this.next();
        n = { k: "pct", a: n };
      } else if (t.t === "op" && t.v === "°") {
        this.next();
        n = { k: "deg", a: n };
      } else if (t.t === "op" && t.v === "'" && n.k === "sym") {
        this.next();
        n = sym(n.name + "'");
      } else if (t.t === "op" && t.v === "_") {
        this.next();
        const sub = this.subscriptText();
        if (n.k === "num" && /^\d+$/.test(n.v) && /^\d+$/.test(sub)) {
          const base = Number(sub);
          if (base < 2 || base > 36 || ![...n.v].every((d) => Number(d) < base)) throw new ParseError("bad base");
          n = { k: "base", digits: n.v, base };
        } else if (n.k === "sym") n = sym(`${n.name}_${sub}`);
        else if (n.k === "fn" && n.name === "log" && n.args.length === 0) n = { k: "fn", name: "log", args: [parseLatex(sub)] };
        else throw new ParseError("bad subscript");
      } else return n;
    }
  }

  /** The raw text of a subscript, normalised ({37} and 37 alike; {(2)} is 2). */
  private subscriptText(): string {
    if (this.isOp("{")) {
      this.next();
      let depth = 1;
      let out = "";
      for (;;) {
        const t = this.next();
        if (t.t === "eof") throw new ParseError("unclosed subscript");
        if (t.t === "op" && t.v === "{") depth++;
        if (t.t === "op" && t.v === "}" && --depth === 0) break;
        out += t.t === "cmd" ? `\\${t.v} ` : t.v;
      }
      return out.replace(/^\((\d+)\)$/, "$1").trim();
    }
    const t = this.next();
    if (t.t === "num") {
      // x_12 in TeX is x_1 followed by 2, but answers write a_12 meaning a_{12}: keep the whole number.
      return t.v;
    }
    if (t.t === "id") return t.v;
    if (t.t === "word") {
      this.i--;
      return (this.argToken() as { name: string }).name;
    }
    if (t.t === "cmd") return `\\${t.v}`;
    throw new ParseError("bad subscript");
  }

  /** One TeX argument: a braced group, or a single character of the next token (\frac12, \sqrt3, \frac ab). */
  private arg(): Node {
    if (this.isOp("{")) {
      this.next();
      const items = this.list(new Set(["}"]));
      this.expectOp("}");
      return items.length === 1 ? items[0]! : { k: "list", items };
    }
    const t = this.peek();
    if (t.t === "num") {
      if (t.v.length > 1 && !t.v.includes(".")) this.splitToken(t.v[0]!, { t: "num", v: t.v.slice(1) });
      return num(this.next().v);
    }
    if (t.t === "id") return this.next(), sym(t.v);
    if (t.t === "word") return this.argToken();
    if (t.t === "cmd" || (t.t === "op" && t.v === "(")) return this.primary(); // \sqrt\pi, sqrt(2)
    throw new ParseError("missing argument");
  }

  /** The first letter of a word token as a symbol, leaving the rest in place. */
  private argToken(): Node {
    const t = this.peek();
    if (t.v.length > 1) this.splitToken(t.v[0]!, { t: t.v.length === 2 ? "id" : "word", v: t.v.slice(1) });
    return sym(this.next().v);
  }

  /** Splits the current token in two in place (so backtracking re-reads the same tokens). */
  private splitToken(first: string, rest: Tok): void {
    const t = this.toks[this.i]!;
    this.toks[this.i] = { t: t.t === "word" ? "id" : t.t, v: first };
    this.toks.splice(this.i + 1, 0, rest);
    if (this.toks.length > MAX_TOKENS * 2) throw new ParseError("too many tokens");
  }

  private bracketed(open: string): Node {
    this.next();
    const closers = open === "\\{" ? new Set(["\\}"]) : open === "{" ? new Set(["}"]) : open === "langle" ? new Set(["rangle"]) : new Set([")", "]"]);
    const saved = this.absDepth;
    this.absDepth = 0;
    if (open === "\\{" && this.isOp("\\}")) {
      this.next();
      this.absDepth = saved;
      return { k: "set", items: [] };
    }
    if (open === "\\{") {
      const builder = this.setBuilder();
      if (builder) {
        this.absDepth = saved;
        return builder;
      }
    }
    const items = this.list(closers);
    this.absDepth = saved;
    const close = this.next();
    if (!closers.has(close.v)) throw new ParseError(`unclosed ${open}`);
    if (open === "\\{") return { k: "set", items };
    if (open === "{") return items.length === 1 ? items[0]! : { k: "set", items };
    if (open === "langle") return { k: "tuple", items, open: "<", close: ">" };
    if (items.length === 1 && ((open === "(" && close.v === ")") || (open === "[" && close.v === "]"))) return items[0]!;
    return { k: "tuple", items, open, close: close.v };
  }

  /**
   * Set-builder notation after "\{": x | cond \}, x : cond \}, x \in \mathbb{R} | cond \}. The set of the reals where
   * the conditions (inequalities, chains, x \ne a; all must hold) hold comes back as a set of those relations.
   * Null, with nothing consumed, when the braces do not start that way.
   */
  private setBuilder(): Node | null {
    if (this.peek().t !== "id") return null;
    const save = this.i;
    this.next();
    if (this.isCmd("in")) {
      this.next();
      if (!this.isCmd("reals")) {
        this.i = save;
        return null;
      }
      this.next();
    }
    if (!this.isOp("|") && !this.isOp(":")) {
      this.i = save;
      return null;
    }
    this.next();
    const items = this.list(new Set(["\\}"]));
    if (!items.every((c) => c.k === "rel" && !c.ops.includes("="))) {
      this.i = save; // not conditions: {x : y} is a ratio
      return null;
    }
    this.expectOp("\\}");
    return { k: "set", items };
  }

  private primary(): Node {
    const t = this.peek();
    switch (t.t) {
      case "num": {
        this.next();
        // A mixed number: an integer right before a fraction of integers (3\frac12 = 7/2).
        if (/^\d+$/.test(t.v) && this.isCmd("frac")) {
          const save = this.i;
          this.next();
          const a = this.arg();
          const b = this.arg();
          if (a.k === "num" && b.k === "num" && /^\d+$/.test(a.v) && /^\d+$/.test(b.v)) {
            return { k: "add", args: [num(t.v), { k: "div", a, b }] };
          }
          this.i = save;
        }
        return num(t.v);
      }
      case "id":
        this.next();
        return sym(t.v);
      case "word": {
        if (FUNCS.has(t.v)) {
          this.next();
          return this.funcApp(t.v);
        }
        if (t.v === "sqrt") {
          this.next();
          return this.command("sqrt");
        }
        if (t.v === "pi" || t.v === "infty" || t.v === "infinity" || t.v === "inf") {
          this.next();
          return sym(t.v === "pi" ? "pi" : "infty");
        }
        // Juxtaposed letters: a product of single-letter symbols. A script or mark after them belongs to the
        // last letter alone (3ab^2 is 3a(b^2)), so that letter is left as a token of its own.
        const after = this.peek(1);
        if (after.t === "op" && "^_'!".includes(after.v)) {
          this.splitToken(t.v.slice(0, -1), { t: "id", v: t.v.slice(-1) });
          this.toks[this.i] = { t: t.v.length === 2 ? "id" : "word", v: t.v.slice(0, -1) };
        }
        const w = this.next().v;
        return w.length === 1 ? sym(w) : { k: "mul", args: [...w].map((c) => sym(c)) };
      }
      case "env":
        return this.environment();
      case "op":
        if (t.v === "(" || t.v === "[" || t.v === "{" || t.v === "\\{") return this.bracketed(t.v);
        if (t.v === "|") {
          this.next();
          this.absDepth++;
          const inner = this.expr();
          this.absDepth--;
          this.expectOp("|");
          return { k: "fn", name: "abs", args: [inner] };
        }
        throw new ParseError(`unexpected ${t.v}`);
      case "cmd":
        return this.command();
      default:
        throw new ParseError(`unexpected ${t.t === "eof" ? "end" : t.v}`);
    }
  }

  private command(name: string = this.next().v): Node {
    switch (name) {
      case "frac": {
        const a = this.arg();
        const b = this.arg();
        return { k: "div", a, b };
      }
      case "sqrt": {
        if (this.isOp("[")) {
          this.next();
          const n = this.expr();
          this.expectOp("]");
          return { k: "fn", name: "root", args: [this.arg(), n] };
        }
        return { k: "fn", name: "sqrt", args: [this.arg()] };
      }
      case "binom":
      case "choose": {
        const a = this.arg();
        const b = this.arg();
        return { k: "fn", name: "binom", args: [a, b] };
      }
      case "pi":
      case "infty":
      case "infinity":
        return sym(name === "pi" ? "pi" : "infty");
      case "emptyset":
      case "varnothing":
        return { k: "set", items: [] };
      case "reals":
        return sym("reals");
      case "langle":
        this.i--;
        return this.bracketed("langle");
      case "lfloor":
      case "lceil": {
        const inner = this.expr();
        const close = this.next();
        if (close.t !== "cmd" || close.v !== (name === "lfloor" ? "rfloor" : "rceil")) throw new ParseError("unclosed floor/ceil");
        return { k: "fn", name: name === "lfloor" ? "floor" : "ceil", args: [inner] };
      }
      case "overline":
      case "bar":
      case "hat":
      case "vec":
      case "overrightarrow":
      case "widehat":
      case "tilde":
      case "mathbf":
      case "underline": {
        const inner = this.arg();
        return sym(`${name}{${inner.k === "sym" ? inner.name : JSON.stringify(inner)}}`);
      }
      case "operatorname":
        return this.arg();
      case "sum":
      case "prod":
      case "int":
      case "iint":
      case "oint":
      case "lim":
      case "limsup":
      case "liminf":
        throw new ParseError(`\\${name} is not a final answer`);
      case "circ":
        throw new ParseError("stray \\circ");
      case "not":
        throw new ParseError("\\not");
      default:
        if (FUNCS.has(name) || name === "arcsin" || name === "arccos" || name === "arctan") return this.funcApp(name);
        if (GREEK.has(name)) return sym(name);
        if (name.length === 1 && /[{}$&#_]/.test(name)) throw new ParseError(`stray \\${name}`);
        if (SYMBOL_CMDS.has(name)) return sym(`\\${name}`);
        throw new ParseError(`unknown command \\${name}`);
    }
  }

  /** \sin x, \sin(x), \sin^2 x, \log_2 8, \log_{b}(x). */
  private funcApp(name: string): Node {
    let power: Node | null = null;
    let base: Node | null = null;
    for (let k = 0; k < 2; k++) {
      if (this.isOp("^")) {
        this.next();
        power = this.script();
      } else if (this.isOp("_")) {
        this.next();
        base = this.script();
      }
    }
    let argNode: Node;
    if (this.isOp("(")) {
      this.next();
      const items = this.list(new Set([")"]));
      this.expectOp(")");
      argNode = items.length === 1 ? items[0]! : { k: "list", items };
    } else if (this.isOp("{")) {
      argNode = this.arg();
    } else {
      argNode = this.power();
      // \sin 2x: a coefficient and a variable form one argument.
      while (this.peek().t === "id" || (this.peek().t === "cmd" && GREEK.has(this.peek().v)) || this.isCmd("pi")) {
        argNode = { k: "mul", args: [argNode, this.power()] };
      }
    }
    const args = argNode.k === "list" ? argNode.items : [argNode];
    let name2 = name === "asin" ? "arcsin" : name === "acos" ? "arccos" : name === "atan" ? "arctan" : name === "lg" ? "log10" : name;
    if (name2 === "log" && base) args.push(base);
    if (name2 === "log" && !base) name2 = "log10";
    let node: Node = { k: "fn", name: name2, args };
    if (power) {
      // \sin^{-1} x is the inverse function
      if (power.k === "neg" && power.a.k === "num" && power.a.v === "1" && ["sin", "cos", "tan"].includes(name2)) node = { k: "fn", name: "arc" + name2, args };
      else node = { k: "pow", a: node, b: power };
    }
    return node;
  }

  private environment(): Node {
    const env = this.next().v;
    if (!MATRIX_ENVS.has(env)) throw new ParseError(`environment ${env} is not a final answer`);
    const rows: Node[][] = [[]];
    for (;;) {
      const t = this.peek();
      if (t.t === "end") {
        this.next();
        break;
      }
      if (t.t === "eof") throw new ParseError("unclosed matrix");
      if (t.t === "op" && t.v === "\\\\") {
        this.next();
        rows.push([]);
        continue;
      }
      if (t.t === "op" && t.v === "&") {
        this.next();
        continue;
      }
      rows[rows.length - 1]!.push(this.expr());
    }
    while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop();
    if (rows.length === 0) throw new ParseError("empty matrix");
    const width = rows[0]!.length;
    if (!rows.every((r) => r.length === width)) throw new ParseError("ragged matrix");
    return { k: "matrix", rows };
  }
}
