/**
 * The answer tree every stage after parsing works on. One node type covers plain expressions and the
 * structures answers take (relations, lists, sets, tuples, intervals, unions, matrices, text).
 *
 * Legend: `num.v` keeps the literal digits ("0.25", "12"); `sym.name` is a variable or a constant
 * ("x", "a_1", "pi", "e", "i", "infty"); `fn.name` a known function ("sin", "sqrt", "root", "log", ...).
 */
export type RelOp = "=" | "<" | "<=" | ">" | ">=" | "!=";

export type Node =
  | { k: "num"; v: string } // decimal literal, digits only ("12", "0.5")
  | { k: "base"; digits: string; base: number } // 1011_2
  | { k: "sym"; name: string }
  | { k: "add"; args: Node[] }
  | { k: "mul"; args: Node[] }
  | { k: "neg"; a: Node }
  | { k: "div"; a: Node; b: Node }
  | { k: "pow"; a: Node; b: Node }
  | { k: "fn"; name: string; args: Node[] }
  | { k: "pct"; a: Node } // a\%
  | { k: "deg"; a: Node } // a^\circ
  | { k: "pm"; a: Node; b: Node; sign: 1 | -1 } // a \pm b (sign 1) or a \mp b (sign -1); expanded before comparing
  | { k: "rel"; items: Node[]; ops: RelOp[] } // a = b < c
  | { k: "list"; items: Node[] } // bare comma list: unordered
  | { k: "set"; items: Node[] } // \{...\}: unordered
  | { k: "tuple"; items: Node[]; open: string; close: string } // (a,b) [a,b] (a,b] \langle a,b \rangle ...
  | { k: "union"; parts: Node[] }
  | { k: "setminus"; a: Node; b: Node } // a \setminus b
  | { k: "matrix"; rows: Node[][] }
  // a clock time: seconds after midnight (24-hour when meridiem), 9:15, 7:05 p.m.; `ratio` is the other reading
  // of a bare h:mm (11:21 may be a ratio), used against an answer that is no time
  | { k: "time"; sec: number; meridiem: boolean; ratio?: Node }
  | { k: "text"; s: string };

export const num = (v: string): Node => ({ k: "num", v });
export const sym = (name: string): Node => ({ k: "sym", name });

/** True for the node kinds that are plain (scalar) expressions. */
export function isScalar(n: Node): boolean {
  switch (n.k) {
    case "num":
    case "base":
    case "sym":
    case "add":
    case "mul":
    case "neg":
    case "div":
    case "pow":
    case "fn":
    case "pct":
    case "deg":
      return true;
    default:
      return false;
  }
}

/** A compact, deterministic rendering, used for cheap string comparison, for logs and in results. */
export function show(n: Node): string {
  switch (n.k) {
    case "num":
      return n.v;
    case "base":
      return `${n.digits}_${n.base}`;
    case "sym":
      return n.name;
    case "add":
      return n.args.map((a, i) => (i > 0 && a.k !== "neg" ? "+" : "") + show(a)).join("");
    case "mul":
      return n.args.map((a) => wrap(a, a.k === "add" || a.k === "neg")).join("*");
    case "neg":
      return "-" + wrap(n.a, n.a.k === "add");
    case "div":
      return `${wrap(n.a, !atomic(n.a))}/${wrap(n.b, !atomic(n.b))}`;
    case "pow":
      return `${wrap(n.a, !atomic(n.a))}^${wrap(n.b, !atomic(n.b))}`;
    case "fn":
      return `${n.name}(${n.args.map(show).join(",")})`;
    case "pct":
      return `${wrap(n.a, !atomic(n.a))}%`;
    case "deg":
      return `${wrap(n.a, !atomic(n.a))}°`;
    case "pm":
      return `${show(n.a)}${n.sign === 1 ? "±" : "∓"}${wrap(n.b, n.b.k === "add")}`;
    case "rel":
      return n.items.map((a, i) => (i > 0 ? n.ops[i - 1] : "") + show(a)).join("");
    case "list":
      return n.items.map(show).join(",");
    case "set":
      return `{${n.items.map(show).join(",")}}`;
    case "tuple":
      return `${n.open}${n.items.map(show).join(",")}${n.close}`;
    case "union":
      return n.parts.map(show).join("∪");
    case "setminus":
      return `${show(n.a)}\\${show(n.b)}`;
    case "matrix":
      return `[${n.rows.map((r) => r.map(show).join(",")).join(";")}]`;
    case "time": {
      const h = Math.floor(n.sec / 3600);
      const two = (x: number) => String(x).padStart(2, "0");
      return `${two(h)}:${two(Math.floor(n.sec / 60) % 60)}:${two(n.sec % 60)}${n.meridiem ? "" : "?"}`;
    }
    case "text":
      return `"${n.s}"`;
  }
}

function atomic(n: Node): boolean {
  return n.k === "num" || n.k === "sym" || n.k === "fn" || n.k === "base";
}

function wrap(n: Node, paren: boolean): string {
  return paren ? `(${show(n)})` : show(n);
}
