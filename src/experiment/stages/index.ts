/** The registry of stage kinds: every kind stages/kinds.ts lists (one line per kind), by name. */
import type { StageKind } from "../runner.js";
import * as kinds from "./kinds.js";

export const STAGE_KINDS: readonly StageKind[] = Object.values(kinds);

export { WORLD_FORMATS } from "./report.js";
