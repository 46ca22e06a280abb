/**
 * Evaluation of answer trees, used by compare.ts: exact rationals (bigint) where the value is rational (also
 * with variables bound to integer sample points), complex floating point everywhere else, and, for values
 * floating point cannot hold (2^{5000}, 10^{-10^6}), the sign and natural log of the magnitude. All are
 * bounded: an exact result whose size is known in advance to pass MAX_BITS bits (a power, a factorial) is
 * never computed, and a fraction whose numerator and denominator both pass MAX_RATIONAL_BITS gives up too (the
 * gcd that reduces it costs time quadratic in its size), so 10^{10^{10^{10}}} or 100000! cost microseconds.
 */
import type { Node } from "./ast.js";

/** Largest exact integer kept: 65,536 bits (about 19,700 digits; 3001! has 30,342 bits, 2^{5001} 5,002). */
export const MAX_BITS = 65_536;
/** A fraction whose numerator and denominator both pass this many bits is not reduced (nor kept exact). */
export const MAX_RATIONAL_BITS = 4096;
/** binom(n, k) is exact up to n = MAX_FACT. */
export const MAX_FACT = 2000;
/** Decimal literals are exact up to this many digits (MAX_BITS bits). */
const MAX_DIGITS = 19_700;

/** How percent and degree marks read: "literal" drops them (25% -> 25), "scaled" applies them (0.25, pi/180). */
export type Reading = "literal" | "scaled";

// ---------------------------------------------------------------- exact rationals

export type Rational = { n: bigint; d: bigint }; // d > 0, gcd(n, d) = 1

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The exact bit length of |x| (0 for 0). */
export function bits(x: bigint): number {
  if (x < 0n) x = -x;
  if (x < 0x20000000000000n) return x === 0n ? 0 : Math.floor(Math.log2(Number(x))) + 1;
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0]!, 16)));
}

export function rat(n: bigint, d: bigint = 1n): Rational | null {
  if (d === 0n) return null;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  if (d !== 1n && n !== 0n && bits(d) > MAX_RATIONAL_BITS && bits(n) > MAX_RATIONAL_BITS) return null;
  const g = d === 1n ? 1n : gcd(n, d);
  if (g > 1n) {
    n /= g;
    d /= g;
  }
  if (bits(n) > MAX_BITS || bits(d) > MAX_BITS) return null;
  return { n, d };
}

export function ratEq(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

export function ratToNumber(r: Rational): number {
  const v = Number(r.n) / Number(r.d);
  if (Number.isFinite(v) && !Number.isNaN(v)) return v;
  // both huge: scale down
  const shift = BigInt(Math.max(bits(r.n), bits(r.d)) - 1000);
  return Number(r.n >> (shift > 0n ? shift : 0n)) / Number(r.d >> (shift > 0n ? shift : 0n));
}

/** Parses a decimal literal ("12", "0.25", ".5") exactly. */
export function decimalToRat(v: string): Rational | null {
  const [ip, fp = ""] = v.split(".") as [string, string?];
  if (ip.length + fp.length > MAX_DIGITS) return null;
  return rat(BigInt((ip || "0") + fp), 10n ** BigInt(fp.length));
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  // Newton steps to fix float error (and for numbers beyond 2^53)
  for (let k = 0; k < 200; k++) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n && (x + 1n) * (x + 1n) > n) return x;
    x = y;
  }
  return x;
}

function exactRoot(r: Rational, k: number): Rational | null {
  if (k === 2) {
    if (r.n < 0n) return null;
    const a = isqrt(r.n);
    const b = isqrt(r.d);
    return a * a === r.n && b * b === r.d ? rat(a, b) : null;
  }
  if (k === 3 && bits(r.n) < 200 && bits(r.d) < 200) {
    const root = (x: bigint): bigint | null => {
      const neg = x < 0n;
      const ax = neg ? -x : x;
      let c = BigInt(Math.round(Math.cbrt(Number(ax))));
      for (const cand of [c - 1n, c, c + 1n]) if (cand >= 0n && cand * cand * cand === ax) return neg ? -cand : cand;
      c = 0n;
      return null;
    };
    const a = root(r.n);
    const b = root(r.d);
    return a !== null && b !== null ? rat(a, b) : null;
  }
  return null;
}

function ratPow(b: Rational, e: Rational): Rational | null {
  if (e.d === 1n) {
    const k = e.n;
    if (b.d === 1n && (b.n === 1n || b.n === 0n)) return b.n === 0n && k < 0n ? null : k === 0n ? rat(1n) : b;
    if (b.d === 1n && b.n === -1n) return rat(k % 2n === 0n ? 1n : -1n);
    // guard the size of the result before computing it: |b|^k has about k * log2|b| bits
    const size = Math.abs(Number(k)) * Math.max(Math.log2(ratMagnitude(b.n)), Math.log2(ratMagnitude(b.d)));
    if (!(size <= MAX_BITS)) return null;
    if (k >= 0n) return rat(b.n ** k, b.d ** k);
    if (b.n === 0n) return null;
    return rat(b.d ** -k, b.n ** -k);
  }
  if (e.d === 2n || e.d === 3n) {
    const root = exactRoot(b, Number(e.d));
    return root ? ratPow(root, rat(e.n)!) : null;
  }
  return null;
}

/** |x| as a float, capped: only for size estimates (log2 of it), never for values. */
function ratMagnitude(x: bigint): number {
  const b = bits(x);
  return b <= 1000 ? Math.max(1, Math.abs(Number(x))) : 2 ** Math.min(b, 1023);
}

/** The product lo * (lo+1) * ... * hi, split in halves so the big multiplications are few and balanced. */
function rangeProduct(lo: number, hi: number): bigint {
  if (hi < lo) return 1n;
  if (hi - lo < 16) {
    let p = BigInt(lo);
    for (let k = lo + 1; k <= hi; k++) p *= BigInt(k);
    return p;
  }
  const mid = (lo + hi) >>> 1;
  return rangeProduct(lo, mid) * rangeProduct(mid + 1, hi);
}

/** n! exactly, or null when it would pass MAX_BITS bits (known before computing it, from log Γ). */
function factorialBig(n: number): bigint | null {
  if (n < 2) return 1n;
  if (gammaLn(n + 1) / Math.LN2 > MAX_BITS) return null;
  return rangeProduct(2, n);
}

/** Variables bound to exact values (identity testing at integer points). */
export type ExactEnv = ReadonlyMap<string, Rational>;
const NO_VARS: ExactEnv = new Map();

/**
 * The exact rational value of a tree, its variables bound by `env`, or null (irrational, symbolic, unbound,
 * undefined, too big).
 */
export function exact(node: Node, reading: Reading, env: ExactEnv = NO_VARS): Rational | null {
  switch (node.k) {
    case "sym":
      return env.get(node.name) ?? null;
    case "num":
      return decimalToRat(node.v);
    case "base": {
      let v = 0n;
      for (const d of node.digits) v = v * BigInt(node.base) + BigInt(parseInt(d, 36));
      return rat(v);
    }
    case "add": {
      let acc: Rational | null = { n: 0n, d: 1n };
      for (const a of node.args) {
        const v = exact(a, reading, env);
        if (!v || !acc) return null;
        acc = rat(acc.n * v.d + v.n * acc.d, acc.d * v.d);
      }
      return acc;
    }
    case "mul": {
      let acc: Rational | null = { n: 1n, d: 1n };
      for (const a of node.args) {
        const v = exact(a, reading, env);
        if (!v || !acc) return null;
        acc = rat(acc.n * v.n, acc.d * v.d);
      }
      return acc;
    }
    case "neg": {
      const v = exact(node.a, reading, env);
      return v && { n: -v.n, d: v.d };
    }
    case "div": {
      const a = exact(node.a, reading, env);
      const b = exact(node.b, reading, env);
      return a && b && b.n !== 0n ? rat(a.n * b.d, a.d * b.n) : null;
    }
    case "pow": {
      const e = exact(node.b, reading, env);
      if (!e) return null;
      const b = exact(node.a, reading, env);
      return b ? ratPow(b, e) : null;
    }
    case "pct": {
      const v = exact(node.a, reading, env);
      return v && (reading === "scaled" ? rat(v.n, v.d * 100n) : v);
    }
    case "deg":
      return reading === "literal" ? exact(node.a, reading, env) : null;
    case "fn": {
      const args = node.args.map((a) => exact(a, reading, env));
      if (args.some((a) => a === null)) return null;
      const [a, b] = args as Rational[];
      switch (node.name) {
        case "sqrt":
          return a ? exactRoot(a, 2) : null;
        case "root":
          return a && b && b.d === 1n && (b.n === 2n || b.n === 3n) ? exactRoot(a, Number(b.n)) : null;
        case "abs":
          return a ? { n: a.n < 0n ? -a.n : a.n, d: a.d } : null;
        case "factorial": {
          if (!a || a.d !== 1n || a.n < 0n || a.n > 1_000_000n) return null;
          const f = factorialBig(Number(a.n));
          return f === null ? null : rat(f);
        }
        case "binom": {
          if (!a || !b || a.d !== 1n || b.d !== 1n || a.n < 0n || b.n < 0n || a.n > BigInt(MAX_FACT)) return null;
          if (b.n > a.n) return rat(0n);
          let r = 1n;
          const k = b.n < a.n - b.n ? b.n : a.n - b.n;
          for (let j = 0n; j < k; j++) r = (r * (a.n - j)) / (j + 1n);
          return rat(r);
        }
        case "floor":
        case "ceil": {
          if (!a) return null;
          let q = a.n / a.d;
          if (node.name === "floor" && a.n < 0n && q * a.d !== a.n) q -= 1n;
          if (node.name === "ceil" && a.n > 0n && q * a.d !== a.n) q += 1n;
          return rat(q);
        }
        case "gcd":
        case "lcm": {
          if (!a || !b || a.d !== 1n || b.d !== 1n) return null;
          const g = gcd(a.n, b.n);
          return node.name === "gcd" ? rat(g) : g === 0n ? null : rat((a.n * b.n < 0n ? -a.n * b.n : a.n * b.n) / g);
        }
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------- complex floating point

export type C = { re: number; im: number };
const c = (re: number, im = 0): C => ({ re, im });
const NAN: C = { re: NaN, im: NaN };

const cmul = (a: C, b: C): C =>
  a.im === 0 && b.im === 0 ? c(a.re * b.re) : c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
function cdiv(a: C, b: C): C {
  if (b.im === 0) return b.re === 0 ? NAN : c(a.re / b.re, a.im / b.re);
  const d = b.re * b.re + b.im * b.im;
  return c((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
const cabs = (a: C): number => Math.hypot(a.re, a.im);
function clog(a: C): C {
  if (a.im === 0 && a.re > 0) return c(Math.log(a.re));
  return c(Math.log(cabs(a)), Math.atan2(a.im, a.re));
}
function cexp(a: C): C {
  const m = Math.exp(a.re);
  return a.im === 0 ? c(m) : c(m * Math.cos(a.im), m * Math.sin(a.im));
}
function cpow(a: C, b: C): C {
  if (b.im === 0 && a.im === 0) {
    if (a.re >= 0 || Number.isInteger(b.re)) return c(Math.pow(a.re, b.re));
    // negative base, fractional exponent p/q with q odd: the real root ((-8)^(1/3) = -2)
    for (const q of [3, 5, 7, 9]) {
      const p = b.re * q;
      if (Math.abs(p - Math.round(p)) < 1e-12) return c((Math.round(p) % 2 !== 0 ? -1 : 1) * Math.pow(-a.re, b.re));
    }
  }
  if (a.re === 0 && a.im === 0) return b.re > 0 ? c(0) : NAN;
  if (b.im === 0 && Number.isInteger(b.re) && Math.abs(b.re) <= 64) {
    let r = c(1);
    let base = b.re < 0 ? cdiv(c(1), a) : a;
    let k = Math.abs(b.re);
    while (k > 0) {
      if (k & 1) r = cmul(r, base);
      base = cmul(base, base);
      k >>= 1;
    }
    return r;
  }
  return cexp(cmul(b, clog(a)));
}
function csqrt(a: C): C {
  if (a.im === 0) return a.re >= 0 ? c(Math.sqrt(a.re)) : c(0, Math.sqrt(-a.re));
  const m = cabs(a);
  const re = Math.sqrt((m + a.re) / 2);
  const im = Math.sign(a.im) * Math.sqrt((m - a.re) / 2);
  return c(re, im);
}
function csin(a: C): C {
  return a.im === 0 ? c(Math.sin(a.re)) : c(Math.sin(a.re) * Math.cosh(a.im), Math.cos(a.re) * Math.sinh(a.im));
}
function ccos(a: C): C {
  return a.im === 0 ? c(Math.cos(a.re)) : c(Math.cos(a.re) * Math.cosh(a.im), -Math.sin(a.re) * Math.sinh(a.im));
}
function real(f: (x: number) => number): (a: C) => C {
  return (a) => (Math.abs(a.im) > 1e-12 * Math.max(1, Math.abs(a.re)) ? NAN : c(f(a.re)));
}

function gammaLn(x: number): number {
  // Lanczos approximation (g = 7), x > 0
  const g = 7;
  const p = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = p[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += p[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
function factorialNum(x: number): number {
  if (x < 0) return NaN;
  if (Number.isInteger(x)) {
    if (x > 170) return Infinity;
    let f = 1;
    for (let k = 2; k <= x; k++) f *= k;
    return f;
  }
  return x > 170 ? Infinity : Math.exp(gammaLn(x + 1));
}

const FN1: Record<string, (a: C) => C> = {
  sqrt: csqrt,
  sin: csin,
  cos: ccos,
  tan: (a) => cdiv(csin(a), ccos(a)),
  sec: (a) => cdiv(c(1), ccos(a)),
  csc: (a) => cdiv(c(1), csin(a)),
  cot: (a) => cdiv(ccos(a), csin(a)),
  arcsin: real(Math.asin),
  arccos: real(Math.acos),
  arctan: real(Math.atan),
  arccot: real((x) => Math.atan(1 / x)),
  arcsec: real((x) => Math.acos(1 / x)),
  arccsc: real((x) => Math.asin(1 / x)),
  sinh: real(Math.sinh),
  cosh: real(Math.cosh),
  tanh: real(Math.tanh),
  ln: clog,
  log10: (a) => cdiv(clog(a), c(Math.LN10)),
  exp: cexp,
  abs: (a) => c(cabs(a)),
  floor: real(Math.floor),
  ceil: real(Math.ceil),
  factorial: real(factorialNum),
  det: (a) => a,
};

/** Variables bound to sample values; constants (pi, e, i, infty) are fixed. */
export type Env = Map<string, C>;

/** The complex value of a scalar tree at `env`; NaN when undefined there or not a scalar. */
export function numeric(node: Node, env: Env, reading: Reading): C {
  switch (node.k) {
    case "num":
      return c(Number(node.v));
    case "base": {
      const r = exact(node, reading);
      return r ? c(ratToNumber(r)) : NAN;
    }
    case "sym": {
      const v = env.get(node.name);
      if (v) return v;
      switch (node.name) {
        case "pi":
          return c(Math.PI);
        case "e":
          return c(Math.E);
        case "i":
          return c(0, 1);
        case "infty":
          return c(Infinity);
        default:
          return NAN;
      }
    }
    case "add": {
      let re = 0;
      let im = 0;
      for (const a of node.args) {
        const v = numeric(a, env, reading);
        re += v.re;
        im += v.im;
      }
      return c(re, im);
    }
    case "mul": {
      let acc = c(1);
      for (const a of node.args) acc = cmul(acc, numeric(a, env, reading));
      return acc;
    }
    case "neg": {
      const v = numeric(node.a, env, reading);
      return c(-v.re, -v.im);
    }
    case "div":
      return cdiv(numeric(node.a, env, reading), numeric(node.b, env, reading));
    case "pow": {
      const b = numeric(node.b, env, reading);
      if (node.a.k === "sym" && node.a.name === "e" && !env.has("e")) return cexp(b);
      return cpow(numeric(node.a, env, reading), b);
    }
    case "pct": {
      const v = numeric(node.a, env, reading);
      return reading === "scaled" ? c(v.re / 100, v.im / 100) : v;
    }
    case "deg": {
      const v = numeric(node.a, env, reading);
      return reading === "scaled" ? c((v.re * Math.PI) / 180, (v.im * Math.PI) / 180) : v;
    }
    case "fn": {
      const args = node.args.map((a) => numeric(a, env, reading));
      const f = FN1[node.name];
      if (f && args.length === 1) return f(args[0]!);
      const [a, b] = args as [C, C];
      switch (node.name) {
        case "root":
          return cpow(a, cdiv(c(1), b));
        case "log":
          return cdiv(clog(a), clog(b));
        case "binom": {
          if (a.im !== 0 || b.im !== 0) return NAN;
          return c(factorialNum(a.re) / (factorialNum(b.re) * factorialNum(a.re - b.re)));
        }
        case "max":
        case "min": {
          if (args.some((x) => x.im !== 0)) return NAN;
          const vals = args.map((x) => x.re);
          return c(node.name === "max" ? Math.max(...vals) : Math.min(...vals));
        }
        default:
          return NAN;
      }
    }
    default:
      return NAN;
  }
}

/** The free variables of a tree (symbols other than the constants pi, e, i, infty). */
export function freeVars(node: Node, out: Set<string> = new Set()): Set<string> {
  switch (node.k) {
    case "sym":
      if (!CONSTANTS.has(node.name)) out.add(node.name);
      break;
    case "add":
    case "mul":
      for (const a of node.args) freeVars(a, out);
      break;
    case "fn":
      for (const a of node.args) freeVars(a, out);
      break;
    case "neg":
    case "pct":
    case "deg":
      freeVars(node.a, out);
      break;
    case "div":
    case "pow":
      freeVars(node.a, out);
      freeVars(node.b, out);
      break;
    case "pm":
    case "setminus":
      freeVars(node.a, out);
      freeVars(node.b, out);
      break;
    case "rel":
    case "list":
    case "set":
    case "tuple":
      for (const a of node.items) freeVars(a, out);
      break;
    case "union":
      for (const a of node.parts) freeVars(a, out);
      break;
    case "matrix":
      for (const r of node.rows) for (const a of r) freeVars(a, out);
      break;
    default:
      break;
  }
  return out;
}

export const CONSTANTS = new Set(["pi", "e", "i", "infty"]);

/** True when the tree contains a node matching `pred`. */
export function contains(node: Node, pred: (n: Node) => boolean): boolean {
  if (pred(node)) return true;
  switch (node.k) {
    case "add":
    case "mul":
    case "fn":
      return node.args.some((a) => contains(a, pred));
    case "neg":
    case "pct":
    case "deg":
      return contains(node.a, pred);
    case "div":
    case "pow":
    case "pm":
    case "setminus":
      return contains(node.a, pred) || contains(node.b, pred);
    case "rel":
    case "list":
    case "set":
    case "tuple":
      return node.items.some((a) => contains(a, pred));
    case "union":
      return node.parts.some((a) => contains(a, pred));
    case "matrix":
      return node.rows.some((r) => r.some((a) => contains(a, pred)));
    default:
      return false;
  }
}

// ---------------------------------------------------------------- magnitudes beyond floating point

/**
 * A real value as its sign and the natural log of its magnitude: for values a double cannot hold, so that
 * 2^{100000} and 2^{100001} (both Infinity as doubles) or 10^{-10^6} and 0 (both 0) stay apart. `log` is
 * ±Infinity for a finite value too large even for that (10^{10^{10^{10}}}); sign 0 is the value 0.
 */
export type Magnitude = { sign: -1 | 0 | 1; log: number };

const ZERO_MAG: Magnitude = { sign: 0, log: -Infinity };

/** The magnitude of an exact rational. */
export function ratMagnitudeLog(r: Rational): Magnitude {
  if (r.n === 0n) return ZERO_MAG;
  const logAbs = (x: bigint): number => {
    const b = bits(x);
    if (b <= 1000) return Math.log(Math.abs(Number(x)));
    const shift = BigInt(b - 64);
    return Math.log(Number((x < 0n ? -x : x) >> shift)) + Number(shift) * Math.LN2;
  };
  return { sign: r.n < 0n ? -1 : 1, log: logAbs(r.n) - logAbs(r.d) };
}

/** The magnitude of a decimal literal of any length: its digit count and leading digits. */
function decimalMagnitude(v: string): Magnitude {
  const [ip = "", fp = ""] = v.split(".");
  const int = ip.replace(/^0+/, "");
  const digits = (int + fp).replace(/^0+/, "");
  if (digits === "") return ZERO_MAG;
  // v = 0.d1d2d3... x 10^e
  const e = int.length > 0 ? int.length : -(fp.length - fp.replace(/^0+/, "").length);
  return { sign: 1, log: (e + Math.log10(Number("0." + digits.slice(0, 17)))) * Math.LN10 };
}

function fromFloat(v: C): Magnitude | null {
  if (Number.isNaN(v.re) || Math.abs(v.im) > 1e-12 * Math.max(1, Math.abs(v.re))) return null;
  if (!Number.isFinite(v.re)) return null;
  if (v.re === 0) return ZERO_MAG;
  return { sign: v.re < 0 ? -1 : 1, log: Math.log(Math.abs(v.re)) };
}

/** A double that says nothing reliable about the value: overflowed, underflowed or zero. */
export function unreliable(v: C): boolean {
  const m = Math.max(Math.abs(v.re), Math.abs(v.im));
  return !Number.isFinite(m) || m < 1e-290;
}

/**
 * The sign and log-magnitude of a constant tree, or null when unknown (symbolic, complex, undefined, infinite:
 * `\infty` is null, never a magnitude). Products, quotients, powers, roots, factorials and sums of one sign
 * are followed past the range of doubles; anything else must have a finite double value.
 */
export function magnitude(node: Node, reading: Reading): Magnitude | null {
  const v = numeric(node, new Map(), reading);
  if (!unreliable(v)) return fromFloat(v);
  switch (node.k) {
    case "num":
      return decimalMagnitude(node.v);
    case "base": {
      const r = exact(node, reading);
      return r && ratMagnitudeLog(r);
    }
    case "neg": {
      const m = magnitude(node.a, reading);
      return m && { sign: (-m.sign || 0) as Magnitude["sign"], log: m.log };
    }
    case "mul":
    case "div": {
      const parts = node.k === "mul" ? node.args : [node.a, node.b];
      let sign = 1;
      let log = 0;
      for (let k = 0; k < parts.length; k++) {
        const m = magnitude(parts[k]!, reading);
        if (!m) return null;
        if (m.sign === 0) {
          if (node.k === "div" && k === 1) return null;
          return ZERO_MAG;
        }
        sign *= m.sign;
        log += node.k === "div" && k === 1 ? -m.log : m.log;
      }
      return Number.isNaN(log) ? null : { sign: sign as 1 | -1, log };
    }
    case "add": {
      // terms of one sign: log-sum-exp; mixed signs cancel unpredictably, so only a finite double will do
      const ms: Magnitude[] = [];
      for (const a of node.args) {
        const m = magnitude(a, reading);
        if (!m) return null;
        if (m.sign !== 0) ms.push(m);
      }
      if (ms.length === 0) return ZERO_MAG;
      if (!ms.every((m) => m.sign === ms[0]!.sign)) return null;
      const top = Math.max(...ms.map((m) => m.log));
      if (!Number.isFinite(top)) return top === Infinity ? { sign: ms[0]!.sign, log: Infinity } : null;
      return { sign: ms[0]!.sign, log: top + Math.log(ms.reduce((s, m) => s + Math.exp(m.log - top), 0)) };
    }
    case "pow": {
      const base = magnitude(node.a, reading);
      if (!base) return null;
      const ev = numeric(node.b, new Map(), reading);
      let e: number;
      if (!unreliable(ev) || ev.re === 0) {
        if (Number.isNaN(ev.re) || Math.abs(ev.im) > 1e-12) return null;
        e = ev.re;
      } else {
        // an exponent beyond doubles itself (10^{10^{10^{10}}}): the value is astronomically large or small
        const em = magnitude(node.b, reading);
        if (!em || em.sign === 0) return null;
        e = em.sign * (em.log > 700 ? Infinity : Math.exp(em.log));
      }
      if (base.sign === 0) return e > 0 ? ZERO_MAG : null;
      let sign: 1 | -1 = 1;
      if (base.sign < 0) {
        const k = exact(node.b, reading);
        if (!k || k.d !== 1n) return null;
        sign = k.n % 2n === 0n ? 1 : -1;
      }
      if (base.log === 0) return { sign, log: 0 };
      const log = e * base.log;
      return Number.isNaN(log) ? null : { sign, log };
    }
    case "fn": {
      if (node.args.length !== 1 && node.name !== "root") return null;
      const m = magnitude(node.args[0]!, reading);
      if (!m) return null;
      switch (node.name) {
        case "sqrt":
          return m.sign < 0 ? null : { sign: m.sign, log: m.log / 2 };
        case "root": {
          const k = exact(node.args[1]!, reading);
          if (!k || k.d !== 1n || k.n < 2n || (m.sign < 0 && k.n % 2n === 0n)) return null;
          return { sign: m.sign, log: m.log / Number(k.n) };
        }
        case "abs":
          return { sign: m.sign === 0 ? 0 : 1, log: m.log };
        case "factorial": {
          if (m.sign < 0) return null;
          if (m.sign === 0) return { sign: 1, log: 0 };
          const x = Math.exp(m.log);
          return { sign: 1, log: Number.isFinite(x) ? gammaLn(x + 1) : Infinity };
        }
        default:
          return null;
      }
    }
    case "pct": {
      const m = magnitude(node.a, reading);
      return m && (reading === "scaled" && m.sign !== 0 ? { sign: m.sign, log: m.log - Math.log(100) } : m);
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------- high precision (80 digits)

/**
 * Fixed-point values with 80 decimal digits after the point (bigint / 10^80), for constants that are not
 * rational but are built from rationals by + - * /, integer powers, square and k-th roots, π, e and e^x. Doubles
 * agree to ~16 digits, so \sqrt2 and the fraction 665857/470832 (1.6e-12 apart) look equal to them; at 80
 * digits they are far apart, while \sqrt2 \cdot \sqrt2 and 2 still agree to ~78. Null for anything else
 * (trigonometry, logs, variables) and for magnitudes past 10^40, where floating point decides as before.
 */
export const PRECISE_DIGITS = 80;
const SCALE = 10n ** BigInt(PRECISE_DIGITS);
const MAX_PRECISE = 10n ** 40n * SCALE;

function fixedDiv(a: bigint, b: bigint): bigint {
  return (a * SCALE) / b;
}
function fixedMul(a: bigint, b: bigint): bigint {
  return (a * b) / SCALE;
}

// Computed once, with guard digits: π by Machin's formula, e by its series.
const GUARD = 10n ** 10n;
const PI_FIXED = (() => {
  const hi = (x: bigint) => {
    const s = SCALE * GUARD;
    const x2 = x * x;
    let term = s / x;
    let sum = term;
    for (let k = 1n; term !== 0n; k++) {
      term /= x2;
      sum += (k % 2n === 1n ? -term : term) / (2n * k + 1n);
    }
    return sum;
  };
  return (16n * hi(5n) - 4n * hi(239n)) / GUARD;
})();
const E_FIXED = (() => {
  const s = SCALE * GUARD;
  let term = s;
  let sum = s;
  for (let k = 1n; term !== 0n; k++) {
    term /= k;
    sum += term;
  }
  return sum / GUARD;
})();

/** floor(x^(1/k)) for x >= 0, by Newton's method on integers. */
function iroot(x: bigint, k: bigint): bigint {
  if (x < 2n) return x;
  // start just above the root: from a double's estimate when x fits one (a few Newton steps), else a power of 2
  const f = Number(x);
  const est = Number.isFinite(f) ? Math.pow(f, 1 / Number(k)) * (1 + 1e-12) + 2 : Infinity;
  let r = Number.isFinite(est) ? BigInt(Math.ceil(est)) : 1n << BigInt(Math.ceil(bits(x) / Number(k)) + 1);
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) return r;
    r = next;
  }
}

function fixedPow(b: bigint, n: bigint): bigint | null {
  if (n < 0n) {
    if (b === 0n) return null;
    const p = fixedPow(b, -n);
    return p === null || p === 0n ? null : fixedDiv(SCALE, p);
  }
  let result = SCALE;
  let base = b;
  for (let k = n; k > 0n; k >>= 1n) {
    if (k & 1n) result = fixedMul(result, base);
    if (result > MAX_PRECISE || result < -MAX_PRECISE) return null;
    if (k > 1n) {
      base = fixedMul(base, base);
      if (base > MAX_PRECISE || base < -MAX_PRECISE) return null;
    }
  }
  return result;
}

function fixedRoot(a: bigint, k: bigint): bigint | null {
  if (k < 2n || k > 64n) return null;
  const neg = a < 0n;
  if (neg && k % 2n === 0n) return null;
  const r = iroot((neg ? -a : a) * SCALE ** (k - 1n), k);
  return neg ? -r : r;
}

/** e^x for a fixed-point x: e^n by powers of e (n the integer part), e^f by its series (|f| < 1). */
function fixedExp(x: bigint): bigint | null {
  if (x > 93n * SCALE) return null; // e^93 > 10^40
  if (x < -130n * SCALE) return null; // e^-130 < 10^-56: too close to the resolution to tell from 0
  let n = x / SCALE;
  let f = x - n * SCALE;
  if (f < 0n) {
    f += SCALE;
    n -= 1n;
  }
  let term = SCALE;
  let sum = SCALE;
  for (let k = 1n; term !== 0n; k++) {
    term = fixedMul(term, f) / k;
    sum += term;
  }
  const en = fixedPow(E_FIXED, n);
  return en === null ? null : fixedMul(en, sum);
}

/** The value of a constant tree times 10^80, rounded, or null (see above). */
export function precise(node: Node, reading: Reading): bigint | null {
  const v = preciseRaw(node, reading);
  return v !== null && v <= MAX_PRECISE && v >= -MAX_PRECISE ? v : null;
}

function preciseRaw(node: Node, reading: Reading): bigint | null {
  switch (node.k) {
    case "num":
    case "base": {
      const r = exact(node, reading);
      return r && bits(r.n) - bits(r.d) < 140 ? fixedDiv(r.n, r.d) : null;
    }
    case "sym":
      return node.name === "pi" ? PI_FIXED : node.name === "e" ? E_FIXED : null;
    case "neg": {
      const a = precise(node.a, reading);
      return a === null ? null : -a;
    }
    case "add": {
      let sum = 0n;
      for (const a of node.args) {
        const v = precise(a, reading);
        if (v === null) return null;
        sum += v;
      }
      return sum;
    }
    case "mul": {
      let acc = SCALE;
      for (const a of node.args) {
        const v = precise(a, reading);
        if (v === null) return null;
        acc = fixedMul(acc, v);
        if (acc > MAX_PRECISE || acc < -MAX_PRECISE) return null;
      }
      return acc;
    }
    case "div": {
      const a = precise(node.a, reading);
      const b = precise(node.b, reading);
      if (a === null || b === null || b === 0n) return null;
      // a divisor this small has lost its relative precision
      if ((b < 0n ? -b : b) < SCALE / 10n ** 30n) return null;
      return fixedDiv(a, b);
    }
    case "pow": {
      if (node.a.k === "sym" && node.a.name === "e") {
        // e^x for any exponent it can evaluate (e^{\pi\sqrt{163}} is no integer, though doubles say so)
        const x = precise(node.b, reading);
        return x === null ? null : fixedExp(x);
      }
      const e = exact(node.b, reading);
      if (!e || e.n > 10_000n || e.n < -10_000n || e.d > 64n) return null;
      const b = precise(node.a, reading);
      if (b === null) return null;
      const root = e.d === 1n ? b : fixedRoot(b, e.d);
      return root === null ? null : fixedPow(root, e.n);
    }
    case "fn": {
      if (node.name === "sqrt" || node.name === "abs") {
        const a = precise(node.args[0]!, reading);
        if (a === null) return null;
        return node.name === "abs" ? (a < 0n ? -a : a) : a < 0n ? null : fixedRoot(a, 2n);
      }
      if (node.name === "exp" && node.args.length === 1) {
        const x = precise(node.args[0]!, reading);
        return x === null ? null : fixedExp(x);
      }
      if (node.name === "root") {
        const k = exact(node.args[1]!, reading);
        const a = precise(node.args[0]!, reading);
        return k && k.d === 1n && a !== null ? fixedRoot(a, k.n) : null;
      }
      const r = exact(node, reading);
      return r && bits(r.n) - bits(r.d) < 140 ? fixedDiv(r.n, r.d) : null;
    }
    case "pct": {
      const a = precise(node.a, reading);
      return a === null ? null : reading === "scaled" ? a / 100n : a;
    }
    case "deg": {
      const a = precise(node.a, reading);
      return a === null ? null : reading === "scaled" ? fixedMul(a, PI_FIXED) / 180n : a;
    }
    default:
      return null;
  }
}
