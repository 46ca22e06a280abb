/**
 * Stage 4 of 4: equivalence of a gold answer and a predicted one, both parsed.
 *
 * Checks are chained from cheap to expensive: rendered-string equality, structure (relations, lists and sets,
 * tuples, intervals and unions, matrices, text), exact rational arithmetic, numeric evaluation, and last
 * numeric identity testing at random points for expressions with variables.
 *
 * The comparison is NOT symmetric; the gold guides it:
 * - an assignment gold (`x = 5`, `(p,q) = (3,2)`) matches its right-hand side; a predicted equation matches a
 *   non-equation gold through its last right-hand side (`k = 1` for gold `1`), but a non-assignment gold
 *   equation (`2x + z = 1`) never matches a bare value;
 * - a gold inequality is compared with a predicted interval or union by set membership; the reverse
 *   (gold interval, predicted inequality) only with `allowSetRelationComp`;
 * - a gold tuple compared with a predicted list or set uses the order the prediction wrote.
 */
import type { Node, RelOp } from "./ast.js";
import { isScalar, show } from "./ast.js";
import type { C, Env, ExactEnv, Magnitude, Rational, Reading } from "./evaluate.js";
import { contains, exact, freeVars, magnitude, numeric, precise, PRECISE_DIGITS, rat, ratEq, ratMagnitudeLog, unreliable, CONSTANTS } from "./evaluate.js";
import { mulberry32 } from "../core/mulberry32.js";

export type CompareOptions = {
  /** Decimals a float is rounded to before it is compared with an exact value (1/3 = 0.333333). Default 6. */
  floatRounding: number;
  /** Variables must match by name (x+1 != y+1). Default true. */
  strict: boolean;
  /** Also compare a gold set with a predicted relation (gold [-2,7] vs pred -2 <= x <= 7). Default false. */
  allowSetRelationComp: boolean;
  /** Date.now() past which comparison gives up with a TimeoutSignal. */
  deadline: number;
};

/** Thrown when the deadline passes; verify() turns it into status "timeout". */
export class TimeoutSignal extends Error {
  constructor() {
    super("verification timed out");
    this.name = "TimeoutSignal";
  }
}

const REL_TOL = 1e-9;
const DECIMAL_TOL = 1e-12;
const IDENTITY_TOL = 1e-7;
const SAMPLE_POINTS = 8;

/** Is `pred` equivalent to `gold`? Never throws except TimeoutSignal. */
export function equivalent(gold: Node, pred: Node, o: CompareOptions): boolean {
  return eq(foldMatrices(expandPm(gold)), foldMatrices(expandPm(pred)), o, 0);
}

// ---------------------------------------------------------------- matrix arithmetic

type Matrix = Extract<Node, { k: "matrix" }>;
const MAX_MATRIX_CELLS = 400;

/** Sums, products, negations, scalar multiples and transposes of matrices become one matrix of (unevaluated) cells. */
export function foldMatrices(n: Node): Node {
  if (!contains(n, (x) => x.k === "matrix") || n.k === "matrix") return n;
  return foldM(n) ?? n;
}

function foldM(n: Node): Node | null {
  switch (n.k) {
    case "matrix":
      return n;
    case "neg": {
      const a = foldM(n.a);
      return a && a.k === "matrix" ? mapCells(a, (c) => ({ k: "neg", a: c })) : a && { k: "neg", a };
    }
    case "add": {
      const parts = n.args.map(foldM);
      if (parts.some((x) => x === null)) return null;
      const ms = parts as Node[];
      if (!ms.some((x) => x.k === "matrix")) return n;
      if (!ms.every((x) => x.k === "matrix")) return null;
      const [first, ...rest] = ms as Matrix[];
      if (!rest.every((m) => m.rows.length === first!.rows.length && m.rows[0]!.length === first!.rows[0]!.length)) return null;
      return { k: "matrix", rows: first!.rows.map((r, i) => r.map((c, j) => ({ k: "add", args: [c, ...rest.map((m) => m.rows[i]![j]!)] }) as Node)) };
    }
    case "mul": {
      let acc: Node | null = null;
      for (const arg of n.args) {
        const x = foldM(arg);
        if (!x) return null;
        acc = acc === null ? x : multiply(acc, x);
        if (!acc) return null;
      }
      return acc;
    }
    case "pow": {
      // a transpose: M^T
      const a = foldM(n.a);
      if (a && a.k === "matrix" && n.b.k === "sym" && n.b.name === "T") return { k: "matrix", rows: a.rows[0]!.map((_, j) => a.rows.map((r) => r[j]!)) };
      return contains(n, (x) => x.k === "matrix") ? null : n;
    }
    default:
      return contains(n, (x) => x.k === "matrix") ? null : n;
  }
}

function multiply(a: Node, b: Node): Node | null {
  if (a.k !== "matrix" && b.k !== "matrix") return { k: "mul", args: [a, b] };
  if (a.k !== "matrix") return mapCells(b as Matrix, (c) => ({ k: "mul", args: [a, c] }));
  if (b.k !== "matrix") return mapCells(a, (c) => ({ k: "mul", args: [c, b] }));
  const inner = a.rows[0]!.length;
  if (b.rows.length !== inner || a.rows.length * b.rows[0]!.length > MAX_MATRIX_CELLS) return null;
  return {
    k: "matrix",
    rows: a.rows.map((r) => b.rows[0]!.map((_, j) => ({ k: "add", args: r.map((c, t) => ({ k: "mul", args: [c, b.rows[t]![j]!] }) as Node) }) as Node)),
  };
}

function mapCells(m: Matrix, f: (c: Node) => Node): Matrix {
  return { k: "matrix", rows: m.rows.map((r) => r.map(f)) };
}

function checkTime(o: CompareOptions): void {
  if (Date.now() > o.deadline) throw new TimeoutSignal();
}

// ---------------------------------------------------------------- \pm expansion

const MAX_PM_VARIANTS = 16;

function variants(n: Node): Node[] {
  switch (n.k) {
    case "pm": {
      const as = variants(n.a);
      const bs = variants(n.b);
      const out: Node[] = [];
      for (const a of as)
        for (const b of bs) {
          out.push(plus(a, b), plus(a, { k: "neg", a: b }));
          if (out.length > MAX_PM_VARIANTS) return out;
        }
      if (n.sign === -1) for (let k = 0; k + 1 < out.length; k += 2) [out[k], out[k + 1]] = [out[k + 1]!, out[k]!];
      return out;
    }
    case "add":
    case "mul":
    case "fn": {
      if (!n.args.some(hasPm)) return [n];
      let acc: Node[][] = [[]];
      for (const a of n.args) {
        const vs = variants(a);
        acc = acc.flatMap((prefix) => vs.map((v) => [...prefix, v])).slice(0, MAX_PM_VARIANTS);
      }
      return acc.map((args) => ({ ...n, args }) as Node);
    }
    case "neg":
    case "pct":
    case "deg":
      return hasPm(n.a) ? variants(n.a).map((a) => ({ ...n, a }) as Node) : [n];
    case "div":
    case "pow": {
      if (!hasPm(n)) return [n];
      const out: Node[] = [];
      for (const a of variants(n.a)) for (const b of variants(n.b)) out.push({ ...n, a, b } as Node);
      return out.slice(0, MAX_PM_VARIANTS);
    }
    case "rel": {
      if (!hasPm(n)) return [n];
      let acc: Node[][] = [[]];
      for (const a of n.items) {
        const vs = variants(a);
        acc = acc.flatMap((prefix) => vs.map((v) => [...prefix, v])).slice(0, MAX_PM_VARIANTS);
      }
      return acc.map((items) => ({ k: "rel", items, ops: n.ops }) as Node);
    }
    default:
      return [n];
  }
}

function plus(a: Node, b: Node): Node {
  if (a.k === "num" && a.v === "0") return b;
  return { k: "add", args: [a, b] };
}

function hasPm(n: Node): boolean {
  return contains(n, (x) => x.k === "pm");
}

/** Replaces every \pm by its two readings: a scalar or relation becomes a list; list and set items spread. */
export function expandPm(n: Node): Node {
  if (!hasPm(n)) return n;
  if (n.k === "list" || n.k === "set") return { k: n.k, items: n.items.flatMap((item) => variants(item)) };
  const vs = variants(n);
  return vs.length === 1 ? vs[0]! : { k: "list", items: vs };
}

// ---------------------------------------------------------------- relations

function isEquation(n: Node): n is Extract<Node, { k: "rel" }> {
  return n.k === "rel" && n.ops.every((op) => op === "=");
}

/**
 * Made of symbols only (x, f(x) as f*x, |AB|, x_1, A:B, (p,q)): the left side of an assignment. A sum is not
 * one: `x + y = 0` is an equation (a line), never the value 0.
 */
function onlySymbols(n: Node): boolean {
  switch (n.k) {
    case "sym":
      return !CONSTANTS.has(n.name) || n.name === "e";
    case "mul":
      return n.args.every(onlySymbols);
    case "div":
      return onlySymbols(n.a) && onlySymbols(n.b);
    case "fn":
      return n.name === "abs" && n.args.every(onlySymbols);
    case "tuple":
      return n.items.every(onlySymbols);
    case "neg":
      return onlySymbols(n.a);
    case "pow": // f^{-1}(x)
      return n.a.k === "sym" && n.b.k === "neg" && n.b.a.k === "num" && n.b.a.v === "1";
    default:
      return false;
  }
}

function isAssignment(n: Node): n is Extract<Node, { k: "rel" }> {
  return isEquation(n) && onlySymbols(n.items[0]!);
}

/** x = a = b  ->  x = b */
function truncateAssignment(n: Extract<Node, { k: "rel" }>): Extract<Node, { k: "rel" }> {
  return n.items.length === 2 ? n : { k: "rel", items: [n.items[0]!, n.items[n.items.length - 1]!], ops: ["="] };
}

const FLIP: Record<RelOp, RelOp> = { "=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<=" };

function relEqual(g: Extract<Node, { k: "rel" }>, p: Extract<Node, { k: "rel" }>, o: CompareOptions, depth: number): boolean {
  if (g.items.length !== p.items.length) return false;
  if (g.items.length === 2) {
    const [gl, gr] = g.items as [Node, Node];
    const [pl, pr] = p.items as [Node, Node];
    const gop = g.ops[0]!;
    const pop = p.ops[0]!;
    if (gop === "=" || gop === "!=") {
      if (pop !== gop) return false;
      if (eq(gl, pl, o, depth) && eq(gr, pr, o, depth)) return true;
      if (eq(gl, pr, o, depth) && eq(gr, pl, o, depth)) return true;
      // One function named two ways: g(t) = t^2 - 1 is y = t^2 - 1 (and f(x) = ... is g(x) = ...).
      if (gop === "=" && sameFunctionNamedTwice(gl, gr, pl, pr)) return eq(gr, pr, o, depth);
      if ([gl, gr, pl, pr].every(isScalar)) return proportional(diff(gl, gr), diff(pl, pr), "any", o);
      return false;
    }
    // inequalities: bring both to  d < 0  (or <= 0) and compare d up to a positive factor
    const canon = (l: Node, op: RelOp, r: Node): [Node, boolean] | null => {
      if (op === "<" || op === "<=") return [diff(l, r), op === "<"];
      if (op === ">" || op === ">=") return [diff(r, l), op === ">"];
      return null;
    };
    const cg = canon(gl, gop, gr);
    const cp = canon(pl, pop, pr);
    if (!cg || !cp || cg[1] !== cp[1]) return false;
    if (![gl, gr, pl, pr].every(isScalar)) return false;
    return proportional(cg[0], cp[0], "positive", o);
  }
  // chains: a < x < b; compare in one direction
  let pItems = p.items;
  let pOps = p.ops;
  const dir = (ops: RelOp[]) => (ops.every((x) => x === "<" || x === "<=") ? 1 : ops.every((x) => x === ">" || x === ">=") ? -1 : 0);
  if (dir(g.ops) !== 0 && dir(g.ops) === -dir(pOps)) {
    pItems = [...p.items].reverse();
    pOps = [...p.ops].reverse().map((x) => FLIP[x]);
  }
  if (!g.ops.every((x, k) => x === pOps[k])) return false;
  return g.items.every((x, k) => eq(x, pItems[k]!, o, depth));
}

/** The head of a function definition: `y` (no arguments) or `g(t)`, `f(x,y)` (read as g*t, f*(x,y)); else null. */
function definitionHead(n: Node): { name: string; args: string[] } | null {
  if (n.k === "sym" && !CONSTANTS.has(n.name)) return { name: n.name, args: [] };
  if (n.k !== "mul" || n.args.length !== 2 || n.args[0]!.k !== "sym" || CONSTANTS.has(n.args[0]!.name)) return null;
  const a = n.args[1]!;
  const items = a.k === "sym" ? [a] : a.k === "tuple" && a.open === "(" ? a.items : [];
  if (items.length === 0 || !items.every((x) => x.k === "sym" && !CONSTANTS.has(x.name))) return null;
  return { name: n.args[0]!.name, args: items.map((x) => (x as { name: string }).name) };
}

/**
 * Two definitions of a function of the same arguments under different names (g(t) = ... vs y = ...):
 * at least one side is written f(args), its right side uses only those arguments, and written arguments agree.
 */
function sameFunctionNamedTwice(gl: Node, gr: Node, pl: Node, pr: Node): boolean {
  const hg = definitionHead(gl);
  const hp = definitionHead(pl);
  if (!hg || !hp || (hg.args.length === 0 && hp.args.length === 0)) return false;
  const usesOnly = (h: { args: string[] }, rhs: Node) => h.args.length === 0 || [...freeVars(rhs)].every((v) => h.args.includes(v));
  if (!usesOnly(hg, gr) || !usesOnly(hp, pr)) return false;
  if (hg.args.length > 0 && hp.args.length > 0 && hg.args.join(",") !== hp.args.join(",")) return false;
  const vars = new Set([...freeVars(gr), ...freeVars(pr)]);
  return vars.size > 0 && !vars.has(hg.name) && !vars.has(hp.name);
}

function diff(a: Node, b: Node): Node {
  return { k: "add", args: [a, { k: "neg", a: b }] };
}

// ---------------------------------------------------------------- sets and membership

/** Numeric membership of t in an interval, union, set or list of numbers; null when it cannot tell. */
function member(s: Node, t: number, o: CompareOptions): boolean | null {
  switch (s.k) {
    case "tuple": {
      if (s.items.length !== 2 || s.open === "<") return null;
      const lo = realValue(s.items[0]!, o);
      const hi = realValue(s.items[1]!, o);
      if (lo === null || hi === null) return null;
      const okLo = s.open === "[" ? t >= lo : t > lo;
      const okHi = s.close === "]" ? t <= hi : t < hi;
      return okLo && okHi;
    }
    case "union": {
      let any = false;
      for (const part of s.parts) {
        const m = member(part, t, o);
        if (m === null) return null;
        any ||= m;
      }
      return any;
    }
    case "set":
    case "list": {
      for (const item of s.items) {
        const v = realValue(item, o);
        if (v === null) return null;
        if (Math.abs(v - t) <= 1e-12 * Math.max(1, Math.abs(t))) return true;
      }
      return false;
    }
    case "setminus": {
      const a = member(s.a, t, o);
      const b = member(s.b, t, o);
      return a === null || b === null ? null : a && !b;
    }
    case "sym":
      return s.name === "reals" ? true : null;
    default:
      return null;
  }
}

function realValue(n: Node, o: CompareOptions): number | null {
  if (!isScalar(n) || freeVars(n).size > 0) return null;
  const v = numeric(n, new Map(), "literal");
  checkTime(o);
  if (Number.isNaN(v.re) || Math.abs(v.im) > 1e-12) return null;
  // A finite non-zero value the double lost (10^{-10^6} read as 0, 2^{100000} as Infinity) has no place
  // among the critical points: saying nothing beats placing it wrongly.
  if (unreliable(v)) {
    const m = magnitude(n, "literal");
    if (m && m.sign !== 0) return null;
  }
  return v.re;
}

function setPoints(s: Node, out: number[], o: CompareOptions): void {
  if (s.k === "tuple" || s.k === "set" || s.k === "list") for (const it of s.items) pushPoint(it, out, o);
  if (s.k === "union") for (const part of s.parts) setPoints(part, out, o);
  if (s.k === "setminus") {
    setPoints(s.a, out, o);
    setPoints(s.b, out, o);
  }
}

function pushPoint(n: Node, out: number[], o: CompareOptions): void {
  const v = realValue(n, o);
  if (v !== null && Number.isFinite(v)) out.push(v);
}

type Rel = Extract<Node, { k: "rel" }>;

/** Whether a one-unknown inequality (a chain, x \ne a) holds at t, null where it is undefined; null when `rel` is not one. */
function relationTest(rel: Rel): ((t: number) => boolean | null) | null {
  if (rel.ops.includes("=")) return null;
  const vars = freeVars(rel);
  const withVars = rel.items.filter((it) => freeVars(it).size > 0);
  const evalChain = (items: Node[], env: Env): boolean | null => {
    const vals = items.map((it) => numeric(it, env, "literal"));
    if (vals.some((v) => Number.isNaN(v.re) || Math.abs(v.im) > 1e-9)) return null;
    return rel.ops.every((op, k) => cmp(vals[k]!.re, op, vals[k + 1]!.re));
  };
  if (vars.size === 1) {
    const name = [...vars][0]!;
    return (t) => evalChain(rel.items, new Map([[name, { re: t, im: 0 }]]));
  }
  if (withVars.length === 1) {
    // 0 < f(x) < 1: the one non-constant side is the unknown
    const subject = withVars[0]!;
    return (t) => evalChain(rel.items.map((it) => (it === subject ? { k: "num", v: String(t) } as Node : it)), new Map());
  }
  return null;
}

/** Does the one-unknown relation, or several in one unknown joined by "or" (x < 2 or x > 3) or "and" (set-builder
 * conditions 0 < x < 36, x \ne 9), describe exactly the set `s`? Tested at the set's and the relations' critical
 * points, just beside each, between them and far out. */
function relationMatchesSet(rels: Rel[], s: Node, o: CompareOptions, join: "or" | "and" = "or"): boolean {
  const tests = rels.map(relationTest);
  if (tests.some((f) => f === null)) return false;
  if (rels.length > 1 && new Set(rels.flatMap((r) => [...freeVars(r)])).size !== 1) return false;
  const decisive = join === "or";
  const holds = (t: number): boolean | null => {
    let undefinedHere = false;
    for (const f of tests) {
      const v = f!(t);
      if (v === decisive) return decisive;
      if (v === null) undefinedHere = true;
    }
    return undefinedHere ? null : !decisive;
  };
  const pts: number[] = [];
  setPoints(s, pts, o);
  for (const r of rels) for (const it of r.items) pushPoint(it, pts, o);
  return agreeAt(pts, holds, (t) => member(s, t, o), true, o);
}

/** Two sets of reals built from intervals, finite sets, unions and differences: the same members? */
function sameSet(g: Node, p: Node, o: CompareOptions): boolean {
  const pts: number[] = [];
  setPoints(g, pts, o);
  setPoints(p, pts, o);
  return agreeAt(pts, (t) => member(p, t, o), (t) => member(g, t, o), false, o);
}

/**
 * Do the membership tests `a` and `b` agree at the critical points `pts`, just beside each, between them and
 * far out? `b` must always tell; `a` may be undefined (null) where `b` says no when `aMayBeUndefined`.
 */
function agreeAt(pts: number[], a: (t: number) => boolean | null, b: (t: number) => boolean | null, aMayBeUndefined: boolean, o: CompareOptions): boolean {
  const uniq = [...new Set(pts)].sort((x, y) => x - y);
  const tests: number[] = [];
  for (const p of uniq) {
    const eps = 1e-6 * Math.max(1, Math.abs(p));
    tests.push(p, p - eps, p + eps);
  }
  for (let k = 0; k + 1 < uniq.length; k++) tests.push((uniq[k]! + uniq[k + 1]!) / 2);
  const lo = uniq.length ? uniq[0]! : 0;
  const hi = uniq.length ? uniq[uniq.length - 1]! : 0;
  tests.push(lo - 1, hi + 1, lo - 1e6, hi + 1e6, 0.5, -0.5);
  for (const t of tests) {
    checkTime(o);
    const x = a(t);
    const y = b(t);
    if (y === null) return false;
    if (x === null) {
      if (y || !aMayBeUndefined) return false; // undefined where the set says yes
      continue;
    }
    if (x !== y) return false;
  }
  return true;
}

function cmp(a: number, op: RelOp, b: number): boolean {
  const tol = 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
  switch (op) {
    case "<":
      return a < b - tol;
    case "<=":
      return a <= b + tol;
    case ">":
      return a > b + tol;
    case ">=":
      return a >= b - tol;
    case "!=":
      return Math.abs(a - b) > tol;
    default:
      return false;
  }
}

function isSetLike(n: Node): boolean {
  return n.k === "union" || n.k === "setminus" || n.k === "set" || (n.k === "tuple" && n.items.length === 2 && n.open !== "<") || (n.k === "sym" && n.name === "reals");
}

// ---------------------------------------------------------------- the chain

function eq(g: Node, p: Node, o: CompareOptions, depth: number): boolean {
  checkTime(o);
  if (depth > 40) return false;
  if (show(g) === show(p)) return true;

  // Set-builder notation {x | x <= 0} is the set its conditions describe; "x < 2 or x > 3" (a list of
  // inequalities in one unknown) the union of theirs; "x \ne 1, x \ne 2" the reals but those.
  const gb = builder(g);
  const pb = builder(p);
  if (gb && pb) return unorderedEqual(gb, pb, o, depth + 1);
  if (pb && g.k === "rel") return pb.length === 1 && relEqual(g, pb[0]!, o, depth + 1);
  if (pb && isSetLike(g)) return relationMatchesSet(pb, g, o, "and");
  if (gb && p.k === "rel") return o.allowSetRelationComp && gb.length === 1 && relEqual(gb[0]!, p, o, depth + 1);
  if (gb && isSetLike(p)) return relationMatchesSet(gb, p, o, "and");
  const pIneq = inequalities(p);
  if (pIneq && isSetLike(g)) return o.allowSetRelationComp && relationMatchesSet(pIneq.rels, g, o, pIneq.join);
  const gIneq = inequalities(g);
  if (gIneq && isSetLike(p)) return relationMatchesSet(gIneq.rels, p, o, gIneq.join);

  // Equations and assignments: the gold decides which side to compare.
  const gAssign = isAssignment(g);
  const pAssign = isAssignment(p);
  if (gAssign) g = truncateAssignment(g as Extract<Node, { k: "rel" }>);
  if (pAssign) p = truncateAssignment(p as Extract<Node, { k: "rel" }>);
  if (isEquation(p) && !isEquation(g)) p = p.items[p.items.length - 1]!;
  else if (gAssign && !isEquation(p) && g.k === "rel") g = g.items[g.items.length - 1]!;
  if (g.k === "rel" && p.k === "rel") return relEqual(g, p, o, depth + 1);
  if (g.k === "rel") return isSetLike(p) ? relationMatchesSet([g], p, o) : false;
  if (p.k === "rel") return o.allowSetRelationComp && isSetLike(g) ? relationMatchesSet([p], g, o) : false;
  if (show(g) === show(p)) return true;

  // The same value boxed twice in two spellings (\boxed{9999\frac67} ... \boxed{9999.857142857143}) is one.
  if (p.k === "list" && g.k !== "list" && g.k !== "set" && p.items.length > 1 && p.items.every((x) => eq(p.items[0]!, x, o, depth + 1))) {
    return eq(g, p.items[0]!, o, depth + 1);
  }
  if (g.k === "time" && p.k === "time") return timeEqual(g, p);
  if (g.k === "time" || p.k === "time") {
    // a bare h:mm against something that is no time: the ratio reading (V_1:V_2 = 11:21)
    if (g.k === "time") return g.ratio !== undefined && eq(g.ratio, p, o, depth + 1);
    return p.k === "time" && p.ratio !== undefined && eq(g, p.ratio, o, depth + 1);
  }
  if (g.k === "text" || p.k === "text") return textEqual(g, p);
  if (isScalar(g) && isScalar(p)) return scalarEqual(g, p, o);
  return structEqual(g, p, o, depth + 1);
}

/** Relations that are no equations: inequalities, chains, x \ne a. */
function conditions(items: Node[]): Rel[] | null {
  return items.length > 0 && items.every((x) => x.k === "rel" && !x.ops.includes("=")) ? (items as Rel[]) : null;
}

/** The conditions of a set written in set-builder notation (parse.ts: a set of inequalities, all to hold), or null. */
function builder(n: Node): Rel[] | null {
  return n.k === "set" ? conditions(n.items) : null;
}

/** The items of a list made only of inequalities, read as "or" (x < 2, x > 3), or only of exclusions, read as
 * "and" (x \ne 1, x \ne 2); null for any other node. */
function inequalities(n: Node): { rels: Rel[]; join: "or" | "and" } | null {
  const rels = n.k === "list" ? conditions(n.items) : null;
  if (!rels) return null;
  if (rels.every((r) => r.ops.every((op) => op === "!="))) return { rels, join: "and" };
  return rels.some((r) => r.ops.includes("!=")) ? null : { rels, join: "or" };
}

type Time = Extract<Node, { k: "time" }>;
const HALF_DAY = 12 * 3600;

/**
 * Clock times: the same instant (9:15 = 9:15:00; 7:05 p.m. = 19:05). A time written without a meridiem is a
 * 24-hour time, except that against a 12-hour time (one with a.m./p.m.) an hour 1-12 takes the other's
 * half of the day (gold 7:05 p.m., answer 7:05).
 */
function timeEqual(g: Time, p: Time): boolean {
  if (g.meridiem === p.meridiem) return g.sec === p.sec;
  const bare = g.meridiem ? p : g;
  const hour = Math.floor(bare.sec / 3600);
  if (hour === 0 || hour > 12) return g.sec === p.sec;
  return g.sec % HALF_DAY === p.sec % HALF_DAY;
}

/** Text compared without case, spaces, punctuation or a leading article ("an ellipse" is "Ellipse"). */
function textKey(n: Node): string {
  const s = n.k === "text" ? n.s : show(n).replace(/\*/g, "");
  return s.toLowerCase().replace(/^\s*(?:an?|the)\s+(?=\S)/, "").replace(/\\[a-z]+/g, "").replace(/[^a-z0-9]/g, "");
}

function textEqual(g: Node, p: Node): boolean {
  const a = textKey(g);
  return a.length > 0 && a === textKey(p);
}

/** Unordered multiset match: every gold item pairs with a distinct equal predicted item. */
function unorderedEqual(gs: Node[], ps: Node[], o: CompareOptions, depth: number): boolean {
  // answers are sets: an item written twice counts once
  gs = dedupe(gs);
  ps = dedupe(ps);
  if (gs.length !== ps.length) return false;
  const used = new Array<boolean>(ps.length).fill(false);
  // cheap pass first: identical renderings
  const gLeft: Node[] = [];
  const keys = ps.map(show);
  for (const g of gs) {
    const gk = show(g);
    const k = keys.findIndex((key, idx) => !used[idx] && key === gk);
    if (k >= 0) used[k] = true;
    else gLeft.push(g);
  }
  for (const g of gLeft) {
    let found = false;
    for (let k = 0; k < ps.length; k++) {
      if (used[k]) continue;
      if (eq(g, ps[k]!, o, depth)) {
        used[k] = true;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function dedupe(items: Node[]): Node[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = show(x);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

function orderedEqual(gs: Node[], ps: Node[], o: CompareOptions, depth: number): boolean {
  return gs.length === ps.length && gs.every((g, k) => eq(g, ps[k]!, o, depth));
}

function vectorItems(m: Extract<Node, { k: "matrix" }>): Node[] | null {
  if (m.rows.length === 1) return m.rows[0]!;
  if (m.rows.every((r) => r.length === 1)) return m.rows.map((r) => r[0]!);
  return null;
}

function structEqual(g: Node, p: Node, o: CompareOptions, depth: number): boolean {
  // (a) a single value against a one-element collection
  const single = (n: Node): Node | null => ((n.k === "set" || n.k === "list") && n.items.length === 1 ? n.items[0]! : null);
  if (isScalar(g) && single(p)) return eq(g, single(p)!, o, depth);
  if (isScalar(p) && single(g)) return eq(single(g)!, p, o, depth);
  if (g.k === "sym" && g.name === "reals") return p.k === "tuple" && isInfinite(p.items[0], -1, o) && isInfinite(p.items[1], 1, o) && p.items.length === 2;
  if (p.k === "sym" && p.name === "reals") return g.k === "tuple" && isInfinite(g.items[0], -1, o) && isInfinite(g.items[1], 1, o) && g.items.length === 2;

  switch (g.k) {
    case "list":
    case "set":
      if (p.k === "list" || p.k === "set") return unorderedEqual(g.items, p.items, o, depth);
      if (p.k === "tuple" && p.items.length !== 2) return orderedEqual(g.items, p.items, o, depth);
      return false;
    case "tuple":
      if ((p.k === "union" || p.k === "setminus") && isSetLike(g)) return sameSet(g, p, o);
      if (p.k === "tuple") {
        const interval = g.items.length === 2 && p.items.length === 2 && g.open !== "<" && p.open !== "<";
        if (interval && (g.open !== p.open || g.close !== p.close)) return false;
        return orderedEqual(g.items, p.items, o, depth);
      }
      if ((p.k === "list" || p.k === "set") && (g.open === "(" && g.close === ")" || g.open === "<")) return orderedEqual(g.items, p.items, o, depth);
      if (p.k === "matrix") {
        const items = vectorItems(p);
        return items !== null && orderedEqual(g.items, items, o, depth);
      }
      return false;
    case "union":
      if (p.k === "union" && unorderedEqual(g.parts, p.parts, o, depth)) return true;
      return (p.k === "union" || p.k === "setminus" || isSetLike(p)) && sameSet(g, p, o);
    case "setminus":
      return isSetLike(p) && sameSet(g, p, o);
    case "matrix": {
      if (p.k === "matrix") {
        if (g.rows.length !== p.rows.length || g.rows[0]!.length !== p.rows[0]!.length) return false;
        return g.rows.every((r, i) => orderedEqual(r, p.rows[i]!, o, depth));
      }
      if (p.k === "tuple") {
        const items = vectorItems(g);
        return items !== null && orderedEqual(items, p.items, o, depth);
      }
      return false;
    }
    default:
      return false;
  }
}

function isInfinite(n: Node | undefined, sign: 1 | -1, o: CompareOptions): boolean {
  if (!n) return false;
  const v = realValue(n, o);
  return v !== null && v === sign * Infinity;
}

// ---------------------------------------------------------------- scalars

function hasDecimal(n: Node): boolean {
  return contains(n, (x) => x.k === "num" && x.v.includes("."));
}

function roundRat(r: Rational, digits: number): bigint {
  const scale = 10n ** BigInt(digits);
  const num = r.n * scale * 2n + r.d;
  const den = r.d * 2n;
  let q = num / den;
  if (num < 0n && q * den !== num) q -= 1n; // floor
  return q;
}

function scalarEqual(g: Node, p: Node, o: CompareOptions): boolean {
  if (g.k === "base" || p.k === "base") return baseEqual(g, p);
  const marked = contains(g, (x) => x.k === "pct" || x.k === "deg") || contains(p, (x) => x.k === "pct" || x.k === "deg");
  const readings: Reading[] = marked ? ["literal", "scaled"] : ["literal"];
  return readings.some((r) => scalarEqualAs(g, p, r, o));
}

/** 1011_2 equals 1011_2 (any spelling) and, when the subscript was left off, the same digits. */
function baseEqual(g: Node, p: Node): boolean {
  const value = (n: Node) => exact(n, "literal");
  if (g.k === "base" && p.k === "base") {
    const a = value(g);
    const b = value(p);
    return a !== null && b !== null && ratEq(a, b);
  }
  const b = (g.k === "base" ? g : p) as Extract<Node, { k: "base" }>;
  const other = g.k === "base" ? p : g;
  return other.k === "num" && other.v.replace(/^0+(?=\d)/, "") === b.digits.replace(/^0+(?=\d)/, "");
}

function close(a: C, b: C, tol: number): boolean {
  const scale = Math.max(Math.abs(a.re), Math.abs(a.im), Math.abs(b.re), Math.abs(b.im));
  return Math.abs(a.re - b.re) <= tol * scale + 1e-13 && Math.abs(a.im - b.im) <= tol * scale + 1e-13;
}

function finite(v: C): boolean {
  return Number.isFinite(v.re) && Number.isFinite(v.im);
}

function scalarEqualAs(g: Node, p: Node, reading: Reading, o: CompareOptions): boolean {
  const gv = freeVars(g);
  const pv = freeVars(p);
  if (gv.size === 0 && pv.size === 0) {
    const eg = exact(g, reading);
    const ep = exact(p, reading);
    if (eg && ep) {
      if (ratEq(eg, ep)) return true;
      if (hasDecimal(g) || hasDecimal(p)) return roundRat(eg, o.floatRounding) === roundRat(ep, o.floatRounding);
      return false;
    }
    const a = numeric(g, new Map(), reading);
    const b = numeric(p, new Map(), reading);
    // Irrational constants in 80 digits before doubles say "equal": \sqrt2 is not 665857/470832 (1.6e-12
    // apart), while \sqrt2 \cdot \sqrt2 is 2. Only where doubles come near (within 1e-6), since the 80-digit
    // work costs microseconds; a decimal keeps its rounding rules below.
    if (!hasDecimal(g) && !hasDecimal(p) && (!finite(a) || !finite(b) || close(a, b, 1e-6))) {
      const x = precise(g, reading);
      const y = precise(p, reading);
      if (x !== null && y !== null) return preciseClose(x, y);
    }
    // Exactly before numerically: a double that overflowed or underflowed says nothing (2^{100000} and
    // 2^{100001} are both Infinity, 10^{-10^6} is 0), so such values are compared by sign and log-magnitude.
    if ((eg === null && unreliable(a)) || (ep === null && unreliable(b))) {
      const verdict = magnitudeEqual(g, eg, p, ep, reading);
      if (verdict !== null) return verdict;
    }
    if (!finite(a) || !finite(b)) {
      return !Number.isNaN(a.re) && a.re === b.re && a.im === b.im && Math.abs(a.re) === Infinity;
    }
    // A decimal against an irrational value must agree to ~12 digits: 1.41 is not \sqrt2, a full-precision
    // float is.
    return close(a, b, hasDecimal(g) || hasDecimal(p) ? DECIMAL_TOL : REL_TOL);
  }
  // Variables: numeric identity testing at random points.
  let pred = p;
  if (!o.strict && gv.size === pv.size && gv.size > 0) pred = rename(p, [...pv].sort(), [...gv].sort());
  const names = [...new Set([...gv, ...freeVars(pred)])].sort();
  // Exact first: at integer points a polynomial or rational function is computed without rounding, so
  // (x+1)^{15} meets its expansion even near x = -1, where doubles cancel to noise. Decimals keep the
  // numeric test and its tolerance.
  if (!hasDecimal(g) && !hasDecimal(pred) && !integerValued(g) && !integerValued(pred)) {
    const verdict = identicalExact(g, pred, names, reading, o);
    if (verdict !== null) return verdict;
  }
  return identical(g, pred, names, reading, o);
}

/**
 * Compares two constants of which at least one lost its double value, by exact value where known, else by
 * sign and log-magnitude. Null when neither side has a magnitude (both truly infinite or undefined: the
 * floating-point rules decide). Equal magnitudes count as equal only without sums (where a small term can
 * hide under a huge one: 2^{100000} + 1).
 */
function magnitudeEqual(g: Node, eg: Rational | null, p: Node, ep: Rational | null, reading: Reading): boolean | null {
  const mg: Magnitude | null = eg ? ratMagnitudeLog(eg) : magnitude(g, reading);
  const mp: Magnitude | null = ep ? ratMagnitudeLog(ep) : magnitude(p, reading);
  if (mg === null && mp === null) return null;
  if (mg === null || mp === null) return false; // a finite value against an infinite or unknown one
  if (mg.sign !== mp.sign) return false;
  if (mg.sign === 0) return true;
  if (!Number.isFinite(mg.log) || !Number.isFinite(mp.log)) return false; // too large to tell apart
  if (Math.abs(mg.log - mp.log) > 1e-12 * Math.max(1, Math.abs(mg.log), Math.abs(mp.log))) return false;
  return !contains(g, (x) => x.k === "add") && !contains(p, (x) => x.k === "add");
}

/**
 * Two 80-digit values agree to 50 significant digits, or, near 0, to 10^-60 (the rest is room for rounding in
 * the steps: \sqrt2 \cdot \sqrt2 - 2 comes out near 10^-79).
 */
function preciseClose(a: bigint, b: bigint): boolean {
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const scale = [10n ** BigInt(PRECISE_DIGITS - 10), abs(a), abs(b)].reduce((m, x) => (x > m ? x : m));
  return abs(a - b) * 10n ** 50n <= scale;
}

/** Contains a function that integer points cannot test: \lfloor x \rfloor is x at every integer. */
function integerValued(n: Node): boolean {
  return contains(n, (x) => x.k === "fn" && (x.name === "floor" || x.name === "ceil" || x.name === "gcd" || x.name === "lcm"));
}

const EXACT_POINTS = 6;

/** Distinct integer points per variable (4 positive, 2 negative), seeded: the same for every run. */
function integerPoints(names: string[]): ExactEnv[] {
  const r = mulberry32(0x1d3a + names.length);
  const envs: Map<string, Rational>[] = Array.from({ length: EXACT_POINTS }, () => new Map());
  for (const name of names) {
    const used = new Set<number>();
    for (let k = 0; k < EXACT_POINTS; k++) {
      let v: number;
      do v = (k < EXACT_POINTS - 2 ? 1 : -1) * (2 + Math.floor(r() * 27));
      while (used.has(v));
      used.add(v);
      envs[k]!.set(name, rat(BigInt(v))!);
    }
  }
  return envs;
}

/**
 * Identity test in exact arithmetic: false at the first point where both sides are defined and differ
 * (certain), true when they agree at 3 or more points and are never defined on one side only; null when
 * exact evaluation cannot decide (an irrational value, a function without an exact value, too big).
 */
function identicalExact(g: Node, p: Node, names: string[], reading: Reading, o: CompareOptions): boolean | null {
  let agree = 0;
  for (const env of integerPoints(names)) {
    checkTime(o);
    const a = exact(g, reading, env);
    const b = exact(p, reading, env);
    if (a === null && b === null) continue;
    if (a === null || b === null) return null;
    if (!ratEq(a, b)) return false;
    agree++;
  }
  return agree >= 3 ? true : null;
}

function rename(n: Node, from: string[], to: string[]): Node {
  const map = new Map(from.map((f, k) => [f, to[k]!]));
  const walk = (x: Node): Node => {
    switch (x.k) {
      case "sym":
        return map.has(x.name) ? { k: "sym", name: map.get(x.name)! } : x;
      case "add":
      case "mul":
      case "fn":
        return { ...x, args: x.args.map(walk) } as Node;
      case "neg":
      case "pct":
      case "deg":
        return { ...x, a: walk(x.a) } as Node;
      case "div":
      case "pow":
      case "pm":
        return { ...x, a: walk(x.a), b: walk(x.b) } as Node;
      default:
        return x;
    }
  };
  return walk(n);
}

function samplePoints(names: string[]): Env[] {
  // seeded, so a verdict never depends on the run
  const r = mulberry32(0x5eed + names.length);
  const envs: Env[] = [];
  for (let k = 0; k < SAMPLE_POINTS; k++) {
    const env: Env = new Map();
    for (const name of names) env.set(name, { re: k < SAMPLE_POINTS - 2 ? 0.2 + 2.6 * r() : -0.2 - 2.6 * r(), im: 0 });
    envs.push(env);
  }
  return envs;
}

function identical(g: Node, p: Node, names: string[], reading: Reading, o: CompareOptions): boolean {
  let agree = 0;
  for (const env of samplePoints(names)) {
    checkTime(o);
    const a = numeric(g, env, reading);
    const b = numeric(p, env, reading);
    if (!finite(a) || !finite(b)) {
      if (finite(a) !== finite(b) && !Number.isNaN(a.re) && !Number.isNaN(b.re)) return false;
      continue;
    }
    if (!close(a, b, IDENTITY_TOL)) return false;
    agree++;
  }
  return agree >= 3;
}

/** Is b = c * a for one constant c (c > 0 when `sign` is "positive")? Both are scalar trees. */
function proportional(a: Node, b: Node, sign: "any" | "positive", o: CompareOptions): boolean {
  const names = [...new Set([...freeVars(a), ...freeVars(b)])].sort();
  let ratio: C | null = null;
  let zeros = 0;
  let valid = 0;
  for (const env of samplePoints(names)) {
    checkTime(o);
    const va = numeric(a, env, "literal");
    const vb = numeric(b, env, "literal");
    if (!finite(va) || !finite(vb)) continue;
    valid++;
    const ma = Math.hypot(va.re, va.im);
    const mb = Math.hypot(vb.re, vb.im);
    if (ma < 1e-12) {
      if (mb > 1e-9) return false;
      zeros++;
      continue;
    }
    const d = va.re * va.re + va.im * va.im;
    const r: C = { re: (vb.re * va.re + vb.im * va.im) / d, im: (vb.im * va.re - vb.re * va.im) / d };
    if (ratio === null) ratio = r;
    else if (!close(ratio, r, IDENTITY_TOL)) return false;
  }
  if (valid < (names.length === 0 ? 1 : 3)) return false;
  if (ratio === null) return zeros === valid;
  if (Math.hypot(ratio.re, ratio.im) < 1e-12) return false;
  if (sign === "positive") return ratio.re > 0 && Math.abs(ratio.im) < 1e-9;
  return true;
}
