// rlvd's library surface. Only re-exports live here; every concept has its own module.
export { RlvdError, InputError, isRlvdError } from "./core/errors.js";
export type { RlvdErrorCode } from "./core/errors.js";
export type { Question, Sample, QuestionCount, VerifyStatus } from "./core/types.js";
export * from "./engine/index.js";
