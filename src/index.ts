// rlvd's library surface. Only re-exports live here; every concept has its own module.
export { RlvdError, InputError, isRlvdError } from "./core/errors.js";
export type { RlvdErrorCode } from "./core/errors.js";
export type { Question, Sample, QuestionCount, VerifyStatus } from "./core/types.js";
// the embedded engine, by name (not `export *`: a new engine export is a choice made here, not a side effect)
export {
  ModelConfigSchema, resolveConfig, paramLayout, countParams, defaultIntermediate, PARAM_NAMES,
  Model, DecodeState, createModel, kernelsFor,
  AdamW, clipGradNorm, gradNorm, getLr, makeBatch,
  generate, generateAsync, scoreCompletions, encodePrompt,
  CharTokenizer, SPECIAL_TOKENS,
  saveCheckpoint, loadCheckpoint, initCheckpoint, hfConfig, saveOptimizerState, loadOptimizerState, CHECKPOINT_FILES, OPTIMIZER_FILE, DEFAULT_CHARS,
  Xoshiro128, mixSeeds, hashString,
  benchEngine, forwardFlopsPerToken,
  wasmRuntime, wasmAvailable, defaultThreads, WASM_PATH, refKernels,
} from "./engine/index.js";
export type {
  ModelConfig, ModelConfigInput, ParamLayout, ParamName,
  KernelBackend, ModelOptions, TrainBatch, ForwardBackwardOptions, ForwardBackwardResult,
  Sequence, AdamWOptions, LrSchedule,
  GenerateOptions, AsyncGenerateOptions, GenerateProgress, EngineCompletion, FinishReason, EnginePrompt, ScoreItem, ScoreOptions, Score,
  EncodeOptions, SpecialRole, LoadOptions, InitCheckpointOptions, EngineBenchOptions, EngineBenchResult, WasmRuntime, Kernels, FloatArray,
} from "./engine/index.js";
export { verify, extractAnswer, answersEquivalent, DEFAULT_VERIFY_OPTIONS } from "./verify/verify.js";
export type { VerifyOptions, VerifyResult, VerdictStatus, SideResult } from "./verify/verify.js";
export { verifyBatch, VerifierPool } from "./verify/pool.js";
export type { VerifyItem, PoolOptions } from "./verify/pool.js";
