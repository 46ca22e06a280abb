// The clean, minimal reference for every engine kernel, in plain TypeScript. It is slow (~2 GFLOP/s) and
// exists to be read and to be compared against: the fast path (assembly/kernels.ts) must agree with it,
// and the float64 variant backs the finite-difference gradient checks. Each layer is a forward/backward
// pair side by side, outputs first. Dimension legend in kernels.ts.
import type { FloatArray, Kernels } from "./kernels.js";

// ---- encoder: token embedding lookup --------------------------------------------------------------------

export function encoderForward(out: FloatArray, tokens: Int32Array, wte: FloatArray, N: number, C: number): void {
  for (let i = 0; i < N; i++) {
    const t = tokens[i];
    for (let c = 0; c < C; c++) out[i * C + c] = wte[t * C + c];
  }
}
export function encoderBackward(dwte: FloatArray, dout: FloatArray, tokens: Int32Array, N: number, C: number): void {
  for (let i = 0; i < N; i++) {
    const t = tokens[i];
    for (let c = 0; c < C; c++) dwte[t * C + c] += dout[i * C + c];
  }
}

// ---- RMSNorm: y = x / sqrt(mean(x^2) + eps) * w --------------------------------------------------------

export function rmsnormForward(out: FloatArray, rstd: FloatArray, inp: FloatArray, w: FloatArray, N: number, C: number, eps: number): void {
  for (let i = 0; i < N; i++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += inp[i * C + c] * inp[i * C + c];
    const r = 1 / Math.sqrt(ss / C + eps);
    rstd[i] = r;
    for (let c = 0; c < C; c++) out[i * C + c] = inp[i * C + c] * r * w[c];
  }
}
// dx_j = r * (w_j dy_j - x_j r^2 mean_i(w_i dy_i x_i)),  dw_j += dy_j x_j r
export function rmsnormBackward(dinp: FloatArray, dw: FloatArray, dout: FloatArray, inp: FloatArray, w: FloatArray, rstd: FloatArray, N: number, C: number): void {
  for (let i = 0; i < N; i++) {
    const r = rstd[i];
    let dot = 0;
    for (let c = 0; c < C; c++) dot += w[c] * dout[i * C + c] * inp[i * C + c];
    const k = (r * r * dot) / C;
    for (let c = 0; c < C; c++) {
      const x = inp[i * C + c], dy = dout[i * C + c];
      dinp[i * C + c] += r * (w[c] * dy - x * k);
      dw[c] += dy * x * r;
    }
  }
}

// ---- matmul (no bias in Llama): out = inp @ W^T, the weight stored [OC, C] as in Hugging Face --------

export function matmulForward(out: FloatArray, inp: FloatArray, wT: FloatArray, N: number, C: number, OC: number, accumulate = false): void {
  for (let i = 0; i < N; i++) {
    for (let o = 0; o < OC; o++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += inp[i * C + c] * wT[c * OC + o];
      out[i * OC + o] = accumulate ? out[i * OC + o] + s : s;
    }
  }
}
export function matmulBackward(dinp: FloatArray | null, dw: FloatArray, dout: FloatArray, inp: FloatArray, w: FloatArray, N: number, C: number, OC: number): void {
  if (dinp) {
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let o = 0; o < OC; o++) s += dout[i * OC + o] * w[o * C + c];
        dinp[i * C + c] = s;
      }
    }
  }
  for (let o = 0; o < OC; o++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += dout[i * OC + o] * inp[i * C + c];
      dw[o * C + c] += s;
    }
  }
}
export function transpose(dst: FloatArray, src: FloatArray, R: number, C: number): void {
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) dst[c * R + r] = src[r * C + c];
}
/** the reference's prepared weight is the plain transpose [C, OC] that matmulForward reads */
export function prepareWeight(dst: FloatArray, w: FloatArray, OC: number, C: number): void {
  transpose(dst, w, OC, C);
}

// ---- RoPE, Hugging Face rotate-half: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin) over the two halves --

export function rope(x: FloatArray, pos: Int32Array, N: number, stride: number, nh: number, hd: number, cos: FloatArray, sin: FloatArray, inverse: boolean): void {
  const half = hd / 2;
  const sign = inverse ? -1 : 1;
  for (let i = 0; i < N; i++) {
    const p = pos[i];
    for (let h = 0; h < nh; h++) {
      const base = i * stride + h * hd;
      for (let d = 0; d < half; d++) {
        const c = cos[p * half + d], s = sign * sin[p * half + d];
        const x1 = x[base + d], x2 = x[base + d + half];
        x[base + d] = x1 * c - x2 * s;
        x[base + d + half] = x2 * c + x1 * s;
      }
    }
  }
}

// ---- causal self-attention over packed qkv[B,T,3C] -------------------------------------------------------

export function attentionForward(out: FloatArray, att: FloatArray, qkv: FloatArray, B: number, T: number, C: number, H: number): void {
  const hd = C / H, C3 = 3 * C, scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const P = (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * C3 + h * hd;
        let m = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = (b * T + t2) * C3 + C + h * hd;
          let s = 0;
          for (let d = 0; d < hd; d++) s += qkv[q + d] * qkv[k + d];
          s *= scale;
          att[P + t * T + t2] = s;
          if (s > m) m = s;
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const e = Math.exp(att[P + t * T + t2] - m);
          att[P + t * T + t2] = e;
          sum += e;
        }
        for (let t2 = 0; t2 < T; t2++) att[P + t * T + t2] = t2 <= t ? att[P + t * T + t2] / sum : 0;
        const o = (b * T + t) * C + h * hd;
        for (let d = 0; d < hd; d++) {
          let s = 0;
          for (let t2 = 0; t2 <= t; t2++) s += att[P + t * T + t2] * qkv[(b * T + t2) * C3 + 2 * C + h * hd + d];
          out[o + d] = s;
        }
      }
    }
  }
}
export function attentionBackward(dqkv: FloatArray, dout: FloatArray, qkv: FloatArray, att: FloatArray, B: number, T: number, C: number, H: number): void {
  const hd = C / H, C3 = 3 * C, scale = 1 / Math.sqrt(hd);
  dqkv.fill(0, 0, B * T * C3);
  const dP = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const P = (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * C + h * hd;
        // out = P v  ->  dP = dout v^T, dv += P^T dout
        let s = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const v = (b * T + t2) * C3 + 2 * C + h * hd;
          let x = 0;
          for (let d = 0; d < hd; d++) {
            x += dout[o + d] * qkv[v + d];
            dqkv[v + d] += att[P + t * T + t2] * dout[o + d];
          }
          dP[t2] = x;
          s += att[P + t * T + t2] * x;
        }
        // P = softmax(scale q k^T)  ->  dS = P (dP - sum P dP) scale; dq += dS k, dk += dS q
        const q = (b * T + t) * C3 + h * hd;
        for (let t2 = 0; t2 <= t; t2++) {
          const ds = att[P + t * T + t2] * (dP[t2] - s) * scale;
          const k = (b * T + t2) * C3 + C + h * hd;
          for (let d = 0; d < hd; d++) {
            dqkv[q + d] += ds * qkv[k + d];
            dqkv[k + d] += ds * qkv[q + d];
          }
        }
      }
    }
  }
}
export function attentionDecode(out: FloatArray, qkv: FloatArray, kcache: FloatArray, vcache: FloatArray, pages: Int32Array, pagesPerRow: number,
                                pos: Int32Array, S: number, C: number, H: number, PG: number, pageStride: number, Tmax: number,
                                cos: FloatArray, sin: FloatArray): void {
  const hd = C / H, C3 = 3 * C, scale = 1 / Math.sqrt(hd);
  const sc = new Float64Array(Tmax);
  const qr = new Float64Array(2 * hd); // this row and head's q and k after RoPE
  const one = new Int32Array(1);
  for (let r = 0; r < S; r++) {
    // where position t of row r, head h starts
    const at = (t: number, h: number) => pages[r * pagesPerRow + Math.floor(t / PG)]! * pageStride + (h * PG + (t % PG)) * hd;
    for (let h = 0; h < H; h++) {
      const p = pos[r], q = r * C3 + h * hd;
      for (let d = 0; d < hd; d++) {
        qr[d] = qkv[q + d];
        qr[hd + d] = qkv[q + C + d];
      }
      one[0] = p;
      rope(qr, one, 1, 2 * hd, 2, hd, cos, sin, false);
      const w = at(p, h);
      for (let d = 0; d < hd; d++) {
        kcache[w + d] = qr[hd + d];
        vcache[w + d] = qkv[q + 2 * C + d];
      }
      let m = -Infinity;
      for (let t = 0; t <= p; t++) {
        let s = 0;
        const kt = at(t, h);
        for (let d = 0; d < hd; d++) s += qr[d] * kcache[kt + d];
        sc[t] = s * scale;
        if (sc[t] > m) m = sc[t];
      }
      let sum = 0;
      for (let t = 0; t <= p; t++) { sc[t] = Math.exp(sc[t] - m); sum += sc[t]; }
      for (let d = 0; d < hd; d++) {
        let s = 0;
        for (let t = 0; t <= p; t++) s += sc[t] * vcache[at(t, h) + d];
        out[r * C + h * hd + d] = s / sum;
      }
    }
  }
}

// ---- SwiGLU: y = silu(g) * u over gu = [g | u] ----------------------------------------------------------

export function swigluForward(out: FloatArray, gu: FloatArray, N: number, I: number, sig?: FloatArray): void {
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < I; c++) {
      const g = gu[i * 2 * I + c], u = gu[i * 2 * I + I + c];
      out[i * I + c] = (g / (1 + Math.exp(-g))) * u;
      if (sig) sig[i * I + c] = 1 / (1 + Math.exp(-g));
    }
  }
}
// silu'(g) = s (1 + g (1 - s)), s = sigmoid(g) (the forward's, when it kept it)
export function swigluBackward(dgu: FloatArray, dout: FloatArray, gu: FloatArray, N: number, I: number, sig?: FloatArray): void {
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < I; c++) {
      const g = gu[i * 2 * I + c], u = gu[i * 2 * I + I + c], dy = dout[i * I + c];
      const s = sig ? sig[i * I + c] : 1 / (1 + Math.exp(-g));
      dgu[i * 2 * I + c] = dy * u * s * (1 + g * (1 - s));
      dgu[i * 2 * I + I + c] = dy * g * s;
    }
  }
}

// ---- residual --------------------------------------------------------------------------------------------

export function residualForward(out: FloatArray, a: FloatArray, b: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}
// the fast path fuses these two; here they stay separate
export function residualRmsnormForward(xout: FloatArray, out: FloatArray, rstd: FloatArray, x: FloatArray, delta: FloatArray, w: FloatArray,
                                       N: number, C: number, eps: number): void {
  residualForward(xout, x, delta, N * C);
  rmsnormForward(out, rstd, xout, w, N, C, eps);
}

// ---- cross-entropy with per-token weights, fused with its gradient -------------------------------------

export function crossEntropy(dlogits: FloatArray | null, nll: FloatArray, logits: FloatArray, targets: Int32Array, weights: FloatArray,
                             N: number, V: number, scale: number): void {
  for (let i = 0; i < N; i++) {
    const t = targets[i], o = i * V;
    if (t < 0) {
      nll[i] = 0;
      if (dlogits) dlogits.fill(0, o, o + V);
      continue;
    }
    let m = -Infinity;
    for (let c = 0; c < V; c++) if (logits[o + c] > m) m = logits[o + c];
    let s = 0;
    for (let c = 0; c < V; c++) s += Math.exp(logits[o + c] - m);
    const xt = logits[o + t];
    nll[i] = Math.log(s) + m - xt;
    if (dlogits) {
      const w = scale * weights[i];
      for (let c = 0; c < V; c++) dlogits[o + c] = (w * Math.exp(logits[o + c] - m)) / s;
      dlogits[o + t] -= w;
    }
  }
}

// ---- optimizer -------------------------------------------------------------------------------------------

export function adamw(params: FloatArray, grads: FloatArray, m: FloatArray, v: FloatArray, n: number, nDecay: number,
                      lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void {
  const bc1 = 1 - beta1 ** step, bc2 = 1 - beta2 ** step;
  for (let i = 0; i < n; i++) {
    const g = grads[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    let p = params[i];
    if (i < nDecay) p -= lr * weightDecay * p;
    params[i] = p - (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
  }
}

/** The reference backend: every buffer a separate typed array of the chosen float type. */
export function refKernels(dtype: "float32" | "float64" = "float32"): Kernels {
  const F = dtype === "float64" ? Float64Array : Float32Array;
  let inUse = 0; // the garbage collector frees the arrays; the count keeps the same books as the wasm heap
  return {
    name: "ref",
    dtype,
    threads: 1,
    alloc: (n) => { inUse += n * F.BYTES_PER_ELEMENT; return new F(n); },
    allocInt: (n) => { inUse += n * 4; return new Int32Array(n); },
    free: (a) => { inUse -= a.byteLength; },
    bytesInUse: () => inUse,
    encoderForward,
    encoderBackward,
    rmsnormForward,
    rmsnormBackward,
    prepareWeight,
    matmulForward,
    matmulBackward,
    transpose,
    rope,
    attentionForward,
    attentionBackward,
    attentionDecode,
    swigluForward,
    swigluBackward,
    residualForward,
    residualRmsnormForward,
    crossEntropy,
    adamw,
    sumSquares: (x, n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i] * x[i];
      return s;
    },
    scale: (x, n, s) => {
      for (let i = 0; i < n; i++) x[i] *= s;
    },
    zero: (x, n) => {
      x.fill(0, 0, n);
    },
  };
}
