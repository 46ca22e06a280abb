// rlvd's library surface. Only re-exports live here; every concept has its own module.
export { RlvdError, InputError, isRlvdError } from "./core/errors.js";
export type { RlvdErrorCode } from "./core/errors.js";
export type { Question, Sample, QuestionCount, VerifyStatus } from "./core/types.js";
export * from "./engine/index.js";
export { verify, extractAnswer, answersEquivalent, DEFAULT_VERIFY_OPTIONS } from "./verify/verify.js";
export type { VerifyOptions, VerifyResult, VerdictStatus, SideResult } from "./verify/verify.js";
export { verifyBatch, VerifierPool } from "./verify/pool.js";
export type { VerifyItem, PoolOptions } from "./verify/pool.js";
