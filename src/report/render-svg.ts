/** Server-side rendering of Vega-Lite specs to standalone SVG strings (no canvas, no network, no native code). */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/**
 * Renders one Vega-Lite spec (data inline) to an SVG string. Element ids inside the SVG (clip paths,
 * gradients) are prefixed with `idPrefix`, so several charts can sit in one HTML page without clashing:
 * vega numbers its clip paths from 1 in every render.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const compiled = compile(spec).spec;
  // loader that refuses everything: a report chart must never reach for a file or the network
  const loader = { load: () => Promise.reject(new Error("report charts carry their data inline")), sanitize: () => Promise.reject(new Error("no loading")) };
  const view = new View(parse(compiled), { renderer: "none", loader: loader as never });
  try {
    const svg = await view.toSVG();
    return prefixIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/** Prefixes every `id="x"` and the `url(#x)` / `href="#x"` references to it. */
export function prefixIds(svg: string, prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, "_");
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${safe}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${safe}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${safe}-${id}"`);
}
