// rlvd engine kernels: the fast path, AssemblyScript compiled to wasm SIMD (128-bit) at build time.
// The plain TypeScript reference for every kernel lives in src/engine/kernels_ref.ts; tests compare the two.
//
// Every exported kernel takes (tid, nt) first: the calling thread's index and the number of threads working
// on the call. Each thread computes a disjoint slice of the output, chosen so that the result of every
// element does not depend on nt (a row of a matmul is summed in the same order whichever thread owns it).
// All other pointer arguments are byte offsets into the one shared memory; all sizes count float32 elements.
//
// Dimension legend: N rows (= B*T tokens), C channels, OC output channels, V vocab, B batch, T time,
// H heads, hd head size (C / H), I MLP hidden size.

// ---------------------------------------------------------------------------------------------------------
// helpers

@inline function f32at(p: usize, i: usize): f32 {
  return load<f32>(p + (i << 2));
}
@inline function f32set(p: usize, i: usize, v: f32): void {
  store<f32>(p + (i << 2), v);
}

// Work is handed out in chunks through one shared counter (COUNTER, reset to 0 by the caller before every
// call): a thread that starts late, or is descheduled, simply takes fewer chunks. What a chunk computes
// never depends on which thread takes it, so results are identical for any thread count and timing.
// COUNTER (i64): the call's id in the high 32 bits, the next chunk in the low ones; DONE (i32): chunks
// finished. A thread that wakes up late and grabs from a later call's counter sees a different id and takes
// nothing. The caller waits until DONE reaches the chunk count that every kernel returns.
const COUNTER: usize = 60000;
const DONE: usize = 60008;
let callId: i64 = 0; // per instance (per thread): the call this thread is working on
export function begin(id: i32): void {
  callId = <i64>id;
}
// compare-and-swap, so that a stale thread never advances another call's counter
@inline function grab(): i32 {
  let v = atomic.load<i64>(COUNTER);
  while ((v >> 32) == callId) {
    const seen = atomic.cmpxchg<i64>(COUNTER, v, v + 1);
    if (seen == v) return <i32>(v & 0xffffffff);
    v = seen;
  }
  return 0x7fffffff;
}
@inline function finish(nch: i32): void {
  if (atomic.add<i32>(DONE, 1) + 1 == nch) atomic.notify(DONE, 1);
}
/** items per chunk for n items: about 8 chunks per thread */
@inline function chunkSize(n: i32, nt: i32): i32 {
  return max(1, (n + 8 * nt - 1) / (8 * nt));
}

// exp(x) for 4 lanes: range reduction to r in [-ln2/2, ln2/2], a degree-6 polynomial (Cephes expf
// coefficients), scale by 2^n through the exponent bits. Relative error ~2e-7 over [-87, 88].
@inline function expv(x: v128): v128 {
  // pmin/pmax (one minps/maxps each) clamp exactly as min/max do, NaN included (a NaN x is returned as is by
  // both), while V8 spends about 7 instructions on each NaN- and signed-zero-exact min/max
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447504));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  // 2^n as float bits, (n + 127) << 23: n is an integer in [-126, 128] after the clamp, so n + (1.5 * 2^23 + 127)
  // is exact and its low 9 mantissa bits are n + 127 (the same bits as truncating n to i32 and adding 127,
  // without V8's several-instruction saturating conversion)
  const e = i32x4.shl(f32x4.add(n, f32x4.splat(12583039.0)), 23);
  return f32x4.mul(p, e);
}
// the same arithmetic for one lane, so that vector bodies and scalar tails agree
@inline function exps(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
// [a b c d] -> [sum a, sum b, sum c, sum d]
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}
@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// ---------------------------------------------------------------------------------------------------------
// matmul: c[M,N] (+)= a[M,K] @ b[K,N]. a is read element by element with row stride sar and column stride
// sac (so a transposed operand costs nothing); b rows (stride ldb) and c rows (stride ldc) are contiguous.
// Register block: 4 rows x 8 columns (8 f32x4 accumulators); K is cut into chunks of KC so the b panel
// stays in L2. Every element is summed as acc = acc + a*b over k in order, then c = c + acc per chunk,
// identically in the 4-row, 1-row, 4-column and scalar paths: a row's result never depends on M or tid.

const KC: i32 = 256;

@inline function blk4x8(c: usize, a: usize, b: usize, sa: usize, sk: usize, sb: usize, sc: usize, K: i32, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, b0)); c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(pa + sa);
    c10 = f32x4.add(c10, f32x4.mul(av, b0)); c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(pa + 2 * sa);
    c20 = f32x4.add(c20, f32x4.mul(av, b0)); c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(pa + 3 * sa);
    c30 = f32x4.add(c30, f32x4.mul(av, b0)); c31 = f32x4.add(c31, f32x4.mul(av, b1));
    pa += sk; pb += sb;
  }
  if (acc) {
    c00 = f32x4.add(v128.load(c), c00); c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + sc), c10); c11 = f32x4.add(v128.load(c + sc, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * sc), c20); c21 = f32x4.add(v128.load(c + 2 * sc, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * sc), c30); c31 = f32x4.add(v128.load(c + 3 * sc, 16), c31);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + sc, c10); v128.store(c + sc, c11, 16);
  v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc, c21, 16);
  v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc, c31, 16);
}

@inline function blk1x8(c: usize, a: usize, b: usize, sk: usize, sb: usize, K: i32, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    const av = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, v128.load(pb))); c01 = f32x4.add(c01, f32x4.mul(av, v128.load(pb, 16)));
    pa += sk; pb += sb;
  }
  if (acc) { c00 = f32x4.add(v128.load(c), c00); c01 = f32x4.add(v128.load(c, 16), c01); }
  v128.store(c, c00); v128.store(c, c01, 16);
}

@inline function blk1x4(c: usize, a: usize, b: usize, sk: usize, sb: usize, K: i32, acc: bool): void {
  let c00 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    c00 = f32x4.add(c00, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += sk; pb += sb;
  }
  if (acc) c00 = f32x4.add(v128.load(c), c00);
  v128.store(c, c00);
}

@inline function blk1x1(c: usize, a: usize, b: usize, sk: usize, sb: usize, K: i32, acc: bool): void {
  let s: f32 = 0;
  let pa = a, pb = b;
  for (let k = 0; k < K; k++) {
    s = s + load<f32>(pa) * load<f32>(pb);
    pa += sk; pb += sb;
  }
  if (acc) s = load<f32>(c) + s;
  store<f32>(c, s);
}

// rows [i0, i1) of c, columns [0, nlim), k in [k0, k1); acc: add to c instead of overwriting
function gemmRows(c: usize, a: usize, b: usize, i0: i32, i1: i32, nlim: i32, k0: i32, k1: i32,
                  sar: usize, sac: usize, ldb: usize, ldc: usize, acc: bool): void {
  const sa = sar << 2, sk = sac << 2, sb = ldb << 2, sc = ldc << 2;
  const K = k1 - k0;
  if (K <= 0) {
    if (!acc) for (let i = i0; i < i1; i++) memory.fill(c + <usize>i * sc, 0, <usize>nlim << 2);
    return;
  }
  const aoff = <usize>k0 * sk, boff = <usize>k0 * sb;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const pa = a + <usize>i * sa + aoff, pc = c + <usize>i * sc;
    let j = 0;
    for (; j + 8 <= nlim; j += 8) blk4x8(pc + (<usize>j << 2), pa, b + boff + (<usize>j << 2), sa, sk, sb, sc, K, acc);
    for (let r = 0; r < 4; r++) {
      const pr = pa + <usize>r * sa, cr = pc + <usize>r * sc;
      let jj = j;
      for (; jj + 4 <= nlim; jj += 4) blk1x4(cr + (<usize>jj << 2), pr, b + boff + (<usize>jj << 2), sk, sb, K, acc);
      for (; jj < nlim; jj++) blk1x1(cr + (<usize>jj << 2), pr, b + boff + (<usize>jj << 2), sk, sb, K, acc);
    }
  }
  for (; i < i1; i++) {
    const pa = a + <usize>i * sa + aoff, pc = c + <usize>i * sc;
    let j = 0;
    for (; j + 8 <= nlim; j += 8) blk1x8(pc + (<usize>j << 2), pa, b + boff + (<usize>j << 2), sk, sb, K, acc);
    for (; j + 4 <= nlim; j += 4) blk1x4(pc + (<usize>j << 2), pa, b + boff + (<usize>j << 2), sk, sb, K, acc);
    for (; j < nlim; j++) blk1x1(pc + (<usize>j << 2), pa, b + boff + (<usize>j << 2), sk, sb, K, acc);
  }
}

// rows [i0, i1) of c = a @ b, K cut into KC chunks
function gemmBlocked(c: usize, a: usize, b: usize, i0: i32, i1: i32, K: i32, N: i32,
                     sar: usize, sac: usize, ldb: usize, ldc: usize, acc: bool): void {
  if (K == 0) { gemmRows(c, a, b, i0, i1, N, 0, 0, sar, sac, ldb, ldc, acc); return; }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = min(K, k0 + KC);
    for (let ib = i0; ib < i1; ib += 64) gemmRows(c, a, b, ib, min(i1, ib + 64), N, k0, k1, sar, sac, ldb, ldc, acc || k0 > 0);
  }
}

/** c[M,N] (+)= a[M,K] @ b[K,N]; threads split M in blocks of 4 rows. */
export function matmul(tid: i32, nt: i32, c: usize, a: usize, b: usize, M: i32, K: i32, N: i32,
                       sar: i32, sac: i32, ldb: i32, ldc: i32, acc: i32): i32 {
  const blocks = (M + 3) >> 2;
  // long K (weight gradients): fewer, taller chunks so each streams the b operand fewer times
  const cs = chunkSize(blocks, K >= 1024 ? max(1, nt >> 1) : nt), nch = (blocks + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = (ch * cs) << 2, i1 = min(M, (ch * cs + cs) << 2);
    gemmBlocked(c, a, b, i0, i1, K, N, <usize>sar, <usize>sac, <usize>ldb, <usize>ldc, acc != 0);
    finish(nch);
  }
  return nch;
}

// ---------------------------------------------------------------------------------------------------------
// matmul over a packed b operand. The b[K,N] operand is stored as panels of 8 columns, each panel K rows of
// 8 contiguous floats (so the inner loop reads b sequentially, 32 bytes per k), then the N % 8 tail columns
// as a [K, N % 8] row-major block. The arithmetic per element is exactly gemmRows' (acc = acc + a*b over k
// in order inside each KC chunk, then c = c + acc), so results are bitwise those of `matmul`.

/** floats in the packed form of a [K,N] operand (the same as unpacked: K*N) */
@inline function tailOffset(K: i32, N: i32): usize {
  return <usize>(N & ~7) * <usize>K;
}

/** dst = b[K,N] packed (see above); b's element (k, n) is at src + (k*sk + n*sn) floats. Threads split panels. */
export function pack_b(tid: i32, nt: i32, dst: usize, src: usize, K: i32, N: i32, sk: i32, sn: i32): i32 {
  const np = N >> 3, nch = np + (N & 7 ? 1 : 0);
  const skb = <usize>sk << 2, snb = <usize>sn << 2;
  for (let ch = grab(); ch < nch; ch = grab()) {
    if (ch < np) {
      const d0 = dst + ((<usize>ch * K * 8) << 2);
      const s0 = src + <usize>(ch * 8) * snb;
      if (sn == 1) {
        for (let k = 0; k < K; k++) {
          const s = s0 + <usize>k * skb, d = d0 + ((<usize>k * 8) << 2);
          v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
        }
      } else {
        for (let j = 0; j < 8; j++) {
          const s = s0 + <usize>j * snb;
          for (let k = 0; k < K; k++) store<f32>(d0 + ((<usize>k * 8 + j) << 2), load<f32>(s + <usize>k * skb));
        }
      }
    } else {
      const n8 = N & ~7, nt8 = N - n8;
      const d0 = dst + (tailOffset(K, N) << 2);
      for (let k = 0; k < K; k++) for (let j = 0; j < nt8; j++) {
        store<f32>(d0 + ((<usize>k * nt8 + j) << 2), load<f32>(src + <usize>k * skb + <usize>(n8 + j) * snb));
      }
    }
    finish(nch);
  }
  return nch;
}

// rows [i0, i1) of c, k in [k0, k1), over the packed bp (K rows in all)
function gemmRowsPacked(c: usize, a: usize, bp: usize, i0: i32, i1: i32, N: i32, K: i32, k0: i32, k1: i32,
                        sar: usize, sac: usize, ldc: usize, acc: bool): void {
  const sa = sar << 2, sk = sac << 2, sc = ldc << 2;
  const Kc = k1 - k0;
  const np = N >> 3, n8 = N & ~7, nt8 = N - n8;
  const aoff = <usize>k0 * sk;
  const pstride = (<usize>K * 8) << 2, poff = (<usize>k0 * 8) << 2;
  const tail = bp + (tailOffset(K, N) << 2) + ((<usize>k0 * nt8) << 2), stail = <usize>nt8 << 2;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const pa = a + <usize>i * sa + aoff, pc = c + <usize>i * sc;
    let pb = bp + poff;
    for (let p = 0; p < np; p++) {
      blk4x8(pc + ((<usize>p * 8) << 2), pa, pb, sa, sk, 32, sc, Kc, acc);
      pb += pstride;
    }
    for (let r = 0; r < 4; r++) {
      const pr = pa + <usize>r * sa, cr = pc + <usize>r * sc;
      let jj = 0;
      for (; jj + 4 <= nt8; jj += 4) blk1x4(cr + (<usize>(n8 + jj) << 2), pr, tail + (<usize>jj << 2), sk, stail, Kc, acc);
      for (; jj < nt8; jj++) blk1x1(cr + (<usize>(n8 + jj) << 2), pr, tail + (<usize>jj << 2), sk, stail, Kc, acc);
    }
  }
  for (; i < i1; i++) {
    const pa = a + <usize>i * sa + aoff, pc = c + <usize>i * sc;
    let pb = bp + poff;
    for (let p = 0; p < np; p++) {
      blk1x8(pc + ((<usize>p * 8) << 2), pa, pb, sk, 32, Kc, acc);
      pb += pstride;
    }
    let jj = 0;
    for (; jj + 4 <= nt8; jj += 4) blk1x4(pc + (<usize>(n8 + jj) << 2), pa, tail + (<usize>jj << 2), sk, stail, Kc, acc);
    for (; jj < nt8; jj++) blk1x1(pc + (<usize>(n8 + jj) << 2), pa, tail + (<usize>jj << 2), sk, stail, Kc, acc);
  }
}

/** c[M,N] (+)= a[M,K] @ b[K,N] with b packed by pack_b; threads split M in blocks of 4 rows (as `matmul`). */
export function matmul_packed(tid: i32, nt: i32, c: usize, a: usize, bp: usize, M: i32, K: i32, N: i32,
                              sar: i32, sac: i32, ldc: i32, acc: i32): i32 {
  const blocks = (M + 3) >> 2;
  const cs = chunkSize(blocks, K >= 1024 ? max(1, nt >> 1) : nt), nch = (blocks + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = (ch * cs) << 2, i1 = min(M, (ch * cs + cs) << 2);
    if (K == 0) {
      if (acc == 0) for (let i = i0; i < i1; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, <usize>N << 2);
    } else {
      for (let k0 = 0; k0 < K; k0 += KC) {
        const k1 = min(K, k0 + KC);
        for (let ib = i0; ib < i1; ib += 64) {
          gemmRowsPacked(c, a, bp, ib, min(i1, ib + 64), N, K, k0, k1, <usize>sar, <usize>sac, <usize>ldc, acc != 0 || k0 > 0);
        }
      }
    }
    finish(nch);
  }
  return nch;
}

/** dst[C,R] = transpose of src[R,C]; threads split R. */
export function transpose(tid: i32, nt: i32, dst: usize, src: usize, R: i32, C: i32): i32 {
  const cs = chunkSize(R, nt), nch = (R + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const r0 = ch * cs, r1 = min(R, r0 + cs);
    for (let r = r0; r < r1; r++) {
      const s = src + ((<usize>r * C) << 2);
      for (let c = 0; c < C; c++) f32set(dst, <usize>c * R + r, f32at(s, c));
    }
    finish(nch);
  }
  return nch;
}

// ---------------------------------------------------------------------------------------------------------
// elementwise and row kernels

/** out[N,C] = wte[tokens[i], :] */
export function encoder_forward(tid: i32, nt: i32, out: usize, tokens: usize, wte: usize, N: i32, C: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    for (let i = i0; i < i1; i++) {
      const t = load<i32>(tokens + (<usize>i << 2));
      memory.copy(out + ((<usize>i * C) << 2), wte + ((<usize>t * C) << 2), <usize>C << 2);
    }
    finish(nch);
  }
  return nch;
}
/** dwte[V,C] += scatter of dout[N,C] by token; threads split C so no two write one element. */
export function encoder_backward(tid: i32, nt: i32, dwte: usize, dout: usize, tokens: usize, N: i32, C: i32): i32 {
  const cs = chunkSize(C, nt), nch = (C + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const c0 = ch * cs, c1 = min(C, c0 + cs);
    for (let i = 0; i < N; i++) {
      const t = load<i32>(tokens + (<usize>i << 2));
      const d = dwte + ((<usize>t * C) << 2), g = dout + ((<usize>i * C) << 2);
      for (let c = c0; c < c1; c++) f32set(d, c, f32at(d, c) + f32at(g, c));
    }
    finish(nch);
  }
  return nch;
}

// one row: y[C] = x * r * w, r = 1/sqrt(mean(x^2) + eps) stored at rp
@inline function rmsnormRow(y: usize, rp: usize, x: usize, w: usize, C: i32, eps: f32): void {
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= C; c += 4) { const v = v128.load(x + (<usize>c << 2)); acc = f32x4.add(acc, f32x4.mul(v, v)); }
  let ss = hsum(acc);
  for (; c < C; c++) { const v = f32at(x, c); ss += v * v; }
  const r: f32 = 1.0 / Mathf.sqrt(ss / <f32>C + eps);
  store<f32>(rp, r);
  const rv = f32x4.splat(r);
  c = 0;
  for (; c + 4 <= C; c += 4) {
    const o = <usize>c << 2;
    v128.store(y + o, f32x4.mul(f32x4.mul(v128.load(x + o), rv), v128.load(w + o)));
  }
  for (; c < C; c++) f32set(y, c, f32at(x, c) * r * f32at(w, c));
}

/** out[N,C] = inp * rstd * w, rstd[N] = 1/sqrt(mean(inp^2) + eps) */
export function rmsnorm_forward(tid: i32, nt: i32, out: usize, rstd: usize, inp: usize, w: usize, N: i32, C: i32, eps: f32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    for (let i = i0; i < i1; i++) {
      const o = (<usize>i * C) << 2;
      rmsnormRow(out + o, rstd + (<usize>i << 2), inp + o, w, C, eps);
    }
    finish(nch);
  }
  return nch;
}

/** fused residual + RMSNorm: xout[N,C] = x + delta (xout may be x), then out = rmsnorm(xout) as above */
export function residual_rmsnorm_forward(tid: i32, nt: i32, xout: usize, out: usize, rstd: usize, x: usize, delta: usize, w: usize,
                                         N: i32, C: i32, eps: f32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    for (let i = i0; i < i1; i++) {
      const o = (<usize>i * C) << 2;
      const xo = xout + o, xi = x + o, d = delta + o;
      let c = 0;
      for (; c + 4 <= C; c += 4) { const q = <usize>c << 2; v128.store(xo + q, f32x4.add(v128.load(xi + q), v128.load(d + q))); }
      for (; c < C; c++) f32set(xo, c, f32at(xi, c) + f32at(d, c));
      rmsnormRow(out + o, rstd + (<usize>i << 2), xo, w, C, eps);
    }
    finish(nch);
  }
  return nch;
}
/** dinp[N,C] += ..., dw[C] += ... (two passes: rows split for dinp, then columns split for dw) */
export function rmsnorm_backward_inp(tid: i32, nt: i32, dinp: usize, dout: usize, inp: usize, w: usize, rstd: usize, N: i32, C: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    for (let i = i0; i < i1; i++) {
      const o = (<usize>i * C) << 2;
      const x = inp + o, dy = dout + o, dx = dinp + o;
      const r = f32at(rstd, i);
      let acc = f32x4.splat(0);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const q = <usize>c << 2;
        acc = f32x4.add(acc, f32x4.mul(f32x4.mul(v128.load(w + q), v128.load(dy + q)), v128.load(x + q)));
      }
      let dot = hsum(acc);
      for (; c < C; c++) dot += f32at(w, c) * f32at(dy, c) * f32at(x, c);
      const k: f32 = r * r * dot / <f32>C;
      const rv = f32x4.splat(r), kv = f32x4.splat(k);
      c = 0;
      for (; c + 4 <= C; c += 4) {
        const q = <usize>c << 2;
        const g = f32x4.mul(rv, f32x4.sub(f32x4.mul(v128.load(w + q), v128.load(dy + q)), f32x4.mul(v128.load(x + q), kv)));
        v128.store(dx + q, f32x4.add(v128.load(dx + q), g));
      }
      for (; c < C; c++) f32set(dx, c, f32at(dx, c) + r * (f32at(w, c) * f32at(dy, c) - f32at(x, c) * k));
    }
    finish(nch);
  }
  return nch;
}
export function rmsnorm_backward_w(tid: i32, nt: i32, dw: usize, dout: usize, inp: usize, rstd: usize, N: i32, C: i32): i32 {
  // chunks of 16 columns (one cache line of each row), each summed over the rows in order in registers:
  // dw[c] = dw[c] + dout*inp*r row after row, the same operations in the same order as the scalar loop
  const nch = (C + 15) >> 4;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const c0 = ch << 4, c1 = min(C, c0 + 16);
    if (c1 - c0 == 16) {
      const q = <usize>c0 << 2;
      let d0 = v128.load(dw + q), d1 = v128.load(dw + q, 16), d2 = v128.load(dw + q, 32), d3 = v128.load(dw + q, 48);
      for (let i = 0; i < N; i++) {
        const o = ((<usize>i * C) << 2) + q;
        const rv = v128.load32_splat(rstd + (<usize>i << 2));
        const y = dout + o, x = inp + o;
        d0 = f32x4.add(d0, f32x4.mul(f32x4.mul(v128.load(y), v128.load(x)), rv));
        d1 = f32x4.add(d1, f32x4.mul(f32x4.mul(v128.load(y, 16), v128.load(x, 16)), rv));
        d2 = f32x4.add(d2, f32x4.mul(f32x4.mul(v128.load(y, 32), v128.load(x, 32)), rv));
        d3 = f32x4.add(d3, f32x4.mul(f32x4.mul(v128.load(y, 48), v128.load(x, 48)), rv));
      }
      v128.store(dw + q, d0); v128.store(dw + q, d1, 16); v128.store(dw + q, d2, 32); v128.store(dw + q, d3, 48);
    } else {
      for (let i = 0; i < N; i++) {
        const o = (<usize>i * C) << 2;
        const r = f32at(rstd, i);
        for (let c = c0; c < c1; c++) f32set(dw, c, f32at(dw, c) + f32at(dout + o, c) * f32at(inp + o, c) * r);
      }
    }
    finish(nch);
  }
  return nch;
}

/** rotate-half RoPE in place on the first nh heads (size hd) of each row of x (row stride `stride`),
 *  at position pos[i]; sign = -1 applies the inverse rotation (the backward pass). cos/sin: [Tmax, hd/2] */
export function rope(tid: i32, nt: i32, x: usize, pos: usize, N: i32, stride: i32, nh: i32, hd: i32, cos: usize, sin: usize, sign: f32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    const half = hd >> 1;
    for (let i = i0; i < i1; i++) {
      const p = load<i32>(pos + (<usize>i << 2));
      const cr = cos + ((<usize>p * half) << 2), sr = sin + ((<usize>p * half) << 2);
      const sg = f32x4.splat(sign), hb = <usize>half << 2;
      for (let h = 0; h < nh; h++) {
        const v = x + ((<usize>i * stride + <usize>h * hd) << 2);
        let d = 0;
        for (; d + 4 <= half; d += 4) {
          const o = <usize>d << 2;
          const c = v128.load(cr + o), s = f32x4.mul(sg, v128.load(sr + o));
          const x1 = v128.load(v + o), x2 = v128.load(v + hb + o);
          v128.store(v + o, f32x4.sub(f32x4.mul(x1, c), f32x4.mul(x2, s)));
          v128.store(v + hb + o, f32x4.add(f32x4.mul(x2, c), f32x4.mul(x1, s)));
        }
        for (; d < half; d++) {
          const c = f32at(cr, d), s = sign * f32at(sr, d);
          const x1 = f32at(v, d), x2 = f32at(v, d + half);
          f32set(v, d, x1 * c - x2 * s);
          f32set(v, d + half, x2 * c + x1 * s);
        }
      }
    }
    finish(nch);
  }
  return nch;
}

/** out[N,I] = silu(gu[:, :I]) * gu[:, I:] */
export function swiglu_forward(tid: i32, nt: i32, out: usize, gu: usize, N: i32, I: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    const one = f32x4.splat(1);
    for (let i = i0; i < i1; i++) {
      const g = gu + ((<usize>i * 2 * I) << 2), u = g + (<usize>I << 2), y = out + ((<usize>i * I) << 2);
      let c = 0;
      for (; c + 4 <= I; c += 4) {
        const q = <usize>c << 2;
        const gv = v128.load(g + q);
        const s = f32x4.div(one, f32x4.add(one, expv(f32x4.neg(gv))));
        v128.store(y + q, f32x4.mul(f32x4.mul(gv, s), v128.load(u + q)));
      }
      for (; c < I; c++) {
        const gv = f32at(g, c);
        const s: f32 = 1.0 / (1.0 + exps(-gv));
        f32set(y, c, gv * s * f32at(u, c));
      }
    }
    finish(nch);
  }
  return nch;
}
/** dgu[N,2I] = gradient of swiglu_forward given dout[N,I] */
export function swiglu_backward(tid: i32, nt: i32, dgu: usize, dout: usize, gu: usize, N: i32, I: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    const one = f32x4.splat(1);
    for (let i = i0; i < i1; i++) {
      const g = gu + ((<usize>i * 2 * I) << 2), u = g + (<usize>I << 2);
      const dg = dgu + ((<usize>i * 2 * I) << 2), du = dg + (<usize>I << 2), dy = dout + ((<usize>i * I) << 2);
      let c = 0;
      for (; c + 4 <= I; c += 4) {
        const q = <usize>c << 2;
        const gv = v128.load(g + q), dyv = v128.load(dy + q);
        const s = f32x4.div(one, f32x4.add(one, expv(f32x4.neg(gv))));
        v128.store(du + q, f32x4.mul(dyv, f32x4.mul(gv, s)));
        const ds = f32x4.mul(s, f32x4.add(one, f32x4.mul(gv, f32x4.sub(one, s))));
        v128.store(dg + q, f32x4.mul(f32x4.mul(dyv, v128.load(u + q)), ds));
      }
      for (; c < I; c++) {
        const gv = f32at(g, c), dyv = f32at(dy, c);
        const s: f32 = 1.0 / (1.0 + exps(-gv));
        f32set(du, c, dyv * (gv * s));
        f32set(dg, c, dyv * f32at(u, c) * (s * (1.0 + gv * (1.0 - s))));
      }
    }
    finish(nch);
  }
  return nch;
}

/** out[n] = a[n] + b[n] */
export function residual_forward(tid: i32, nt: i32, out: usize, a: usize, b: usize, n: i32): i32 {
  const cs = (chunkSize(n, nt) + 3) & ~3, nch = (n + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i1 = min(n, ch * cs + cs);
    let i = ch * cs;
    for (; i + 4 <= i1; i += 4) { const q = <usize>i << 2; v128.store(out + q, f32x4.add(v128.load(a + q), v128.load(b + q))); }
    for (; i < i1; i++) f32set(out, i, f32at(a, i) + f32at(b, i));
    finish(nch);
  }
  return nch;
}

/** Cross-entropy, fused with its gradient. For each row i with targets[i] >= 0:
 *  nll[i] = -log softmax(logits[i])[targets[i]] and, when grad != 0,
 *  dlogits[i] = scale * weights[i] * (softmax(logits[i]) - onehot(targets[i])); rows with target < 0 get
 *  nll 0 and dlogits 0. dlogits may alias logits. */
export function cross_entropy(tid: i32, nt: i32, dlogits: usize, nll: usize, logits: usize, targets: usize, weights: usize,
                              N: i32, V: i32, scale: f32, grad: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    for (let i = i0; i < i1; i++) {
      const x = logits + ((<usize>i * V) << 2), dx = dlogits + ((<usize>i * V) << 2);
      const t = load<i32>(targets + (<usize>i << 2));
      if (t < 0) {
        f32set(nll, i, 0);
        if (grad != 0) memory.fill(dx, 0, <usize>V << 2);
        continue;
      }
      let mv = f32x4.splat(-Infinity);
      let c = 0;
      for (; c + 4 <= V; c += 4) mv = f32x4.max(mv, v128.load(x + (<usize>c << 2)));
      let m = hmax(mv);
      for (; c < V; c++) m = max(m, f32at(x, c));
      const msplat = f32x4.splat(m);
      let sv = f32x4.splat(0);
      c = 0;
      for (; c + 4 <= V; c += 4) sv = f32x4.add(sv, expv(f32x4.sub(v128.load(x + (<usize>c << 2)), msplat)));
      let s = hsum(sv);
      for (; c < V; c++) s += exps(f32at(x, c) - m);
      const xt = f32at(x, t);
      f32set(nll, i, Mathf.log(s) + m - xt);
      if (grad != 0) {
        const w = scale * f32at(weights, i);
        const k = w / s;
        const kv = f32x4.splat(k);
        c = 0;
        for (; c + 4 <= V; c += 4) {
          const q = <usize>c << 2;
          v128.store(dx + q, f32x4.mul(kv, expv(f32x4.sub(v128.load(x + q), msplat))));
        }
        for (; c < V; c++) f32set(dx, c, k * exps(f32at(x, c) - m));
        f32set(dx, t, f32at(dx, t) - w);
      }
    }
    finish(nch);
  }
  return nch;
}

// ---------------------------------------------------------------------------------------------------------
// attention (training / scoring): causal, multi-head, over a packed qkv[B,T,3C] (q | k | v per token,
// heads contiguous inside each). att[B,H,T,T] keeps the softmax probabilities for the backward pass
// (zeros above the diagonal). scratch: per thread `scratchFloats` floats.

// dst[c, r] = src[r, c] for r < R, c < Cc (row strides lds, ldd floats): 4x4 blocks through shuffles, then the
// tails one by one. Moves bits only.
@inline function transposeInto(dst: usize, ldd: i32, src: usize, lds: i32, R: i32, Cc: i32): void {
  const sb = <usize>lds << 2, db = <usize>ldd << 2;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const s0 = src + <usize>r * sb;
    let c = 0;
    for (; c + 4 <= Cc; c += 4) {
      const o = <usize>c << 2;
      const r0 = v128.load(s0 + o), r1 = v128.load(s0 + sb + o), r2 = v128.load(s0 + 2 * sb + o), r3 = v128.load(s0 + 3 * sb + o);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d0 = dst + <usize>c * db + (<usize>r << 2);
      v128.store(d0, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d0 + db, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(d0 + 2 * db, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(d0 + 3 * db, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (; c < Cc; c++) for (let rr = r; rr < r + 4; rr++) f32set(dst, <usize>c * ldd + rr, f32at(src, <usize>rr * lds + c));
  }
  for (; r < R; r++) for (let c = 0; c < Cc; c++) f32set(dst, <usize>c * ldd + r, f32at(src, <usize>r * lds + c));
}

/** out[B,T,C] = softmax(q k^T / sqrt(hd)) v per (b, h); threads split the B*H pairs. */
export function attention_forward(tid: i32, nt: i32, out: usize, att: usize, qkv: usize, B: i32, T: i32, C: i32, H: i32,
                                  scratch: usize, scratchFloats: i32): i32 {
  const hd = C / H;
  const C3 = 3 * C;
  const scale: f32 = 1.0 / Mathf.sqrt(<f32>hd);
  const kt = scratch + ((<usize>tid * scratchFloats) << 2); // [hd, T]
  const cs = chunkSize(B * H, nt), nch = (B * H + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const p0 = ch * cs, p1 = min(B * H, p0 + cs);
    for (let pair = p0; pair < p1; pair++) {
      const b = pair / H, h = pair % H;
      const q = qkv + ((<usize>b * T * C3 + <usize>h * hd) << 2);
      const k = q + (<usize>C << 2), v = q + (<usize>(2 * C) << 2);
      const P = att + ((<usize>pair * T * T) << 2);
      transposeInto(kt, T, k, C3, T, hd);
      // per block of 4 rows, while its rows are in L1: scores, softmax, then out = P @ v. Scores are computed up
      // to the next multiple of 8 columns (whole register panels; the columns past the row are masked, and
      // softmaxRow overwrites them with 0); every element is the same sum in the same order as one at a time.
      // The k range of P @ v ends at the block's last row (P is 0 beyond each row's own position).
      const o = out + ((<usize>b * T * C + <usize>h * hd) << 2);
      for (let i = 0; i < T; i += 4) {
        const i1 = min(T, i + 4);
        gemmRows(P, q, kt, i, i1, min(T, (i1 + 7) & ~7), 0, hd, <usize>C3, 1, <usize>T, <usize>T, false);
        for (let t = i; t < i1; t++) softmaxRow(P + ((<usize>t * T) << 2), t + 1, T, scale);
        gemmRows(o, P, v, i, i1, hd, 0, i1, <usize>T, 1, <usize>C3, <usize>C, false);
      }
    }
    finish(nch);
  }
  return nch;
}

// row[0..n) = softmax(row * scale), row[n..T) = 0
// The row maximum through pmax (one maxps; V8 spends about 7 instructions on wasm's NaN- and signed-zero-exact
// max): on finite rows the two differ only in the sign of a maximum of 0, and x - (+0) and x - (-0) have the same
// exp, so the probabilities keep their bits (a NaN score makes the whole row NaN either way).
@inline function softmaxRow(row: usize, n: i32, T: i32, scale: f32): void {
  let mv = f32x4.splat(-Infinity);
  let c = 0;
  for (; c + 4 <= n; c += 4) mv = f32x4.pmax(mv, v128.load(row + (<usize>c << 2)));
  let m = hmax(mv);
  for (; c < n; c++) m = max(m, f32at(row, c));
  m *= scale;
  const sc = f32x4.splat(scale), ms = f32x4.splat(m);
  let sv = f32x4.splat(0);
  c = 0;
  for (; c + 4 <= n; c += 4) {
    const q = <usize>c << 2;
    const e = expv(f32x4.sub(f32x4.mul(v128.load(row + q), sc), ms));
    v128.store(row + q, e);
    sv = f32x4.add(sv, e);
  }
  let s = hsum(sv);
  for (; c < n; c++) { const e = exps(f32at(row, c) * scale - m); f32set(row, c, e); s += e; }
  const inv = f32x4.splat(1.0 / s);
  const invs: f32 = 1.0 / s;
  c = 0;
  for (; c + 4 <= n; c += 4) { const q = <usize>c << 2; v128.store(row + q, f32x4.mul(v128.load(row + q), inv)); }
  for (; c < n; c++) f32set(row, c, f32at(row, c) * invs);
  if (n < T) memory.fill(row + (<usize>n << 2), 0, <usize>(T - n) << 2);
}

/** dqkv[B,T,3C] = gradient of attention_forward given dout[B,T,C] (overwrites). */
export function attention_backward(tid: i32, nt: i32, dqkv: usize, dout: usize, qkv: usize, att: usize, B: i32, T: i32, C: i32, H: i32,
                                   scratch: usize, scratchFloats: i32): i32 {
  const hd = C / H;
  const C3 = 3 * C;
  const scale: f32 = 1.0 / Mathf.sqrt(<f32>hd);
  const vt = scratch + ((<usize>tid * scratchFloats) << 2); // [hd, T]
  const dS = vt + ((<usize>hd * T) << 2); // [T, T]
  const cs = chunkSize(B * H, nt), nch = (B * H + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const p0 = ch * cs, p1 = min(B * H, p0 + cs);
    for (let pair = p0; pair < p1; pair++) {
      const b = pair / H, h = pair % H;
      const off = (<usize>b * T * C3 + <usize>h * hd) << 2;
      const q = qkv + off, k = q + (<usize>C << 2), v = q + (<usize>(2 * C) << 2);
      const dq = dqkv + off, dk = dq + (<usize>C << 2), dv = dq + (<usize>(2 * C) << 2);
      const dO = dout + ((<usize>b * T * C + <usize>h * hd) << 2);
      const P = att + ((<usize>pair * T * T) << 2);
      transposeInto(vt, T, v, C3, T, hd);
      // per block of 4 rows, while they are in L1: dP = dO @ v^T (up to the next multiple of 8 columns, as the
      // forward's scores: the masked columns are overwritten below), dS = P * (dP - sum(P * dP)) * scale with
      // zeros above the diagonal, then dq = dS @ k (k range up to the block's last row). dk and dv need every
      // later row of dS: a second pass.
      for (let i = 0; i < T; i += 4) {
        const i1 = min(T, i + 4);
        gemmRows(dS, dO, vt, i, i1, min(T, (i1 + 7) & ~7), 0, hd, <usize>C, 1, <usize>T, <usize>T, false);
        for (let t = i; t < i1; t++) {
          const pr = P + ((<usize>t * T) << 2), dr = dS + ((<usize>t * T) << 2);
          const n = t + 1;
          let acc = f32x4.splat(0);
          let c = 0;
          for (; c + 4 <= n; c += 4) { const o = <usize>c << 2; acc = f32x4.add(acc, f32x4.mul(v128.load(pr + o), v128.load(dr + o))); }
          let s = hsum(acc);
          for (; c < n; c++) s += f32at(pr, c) * f32at(dr, c);
          const sv = f32x4.splat(s), scv = f32x4.splat(scale);
          c = 0;
          for (; c + 4 <= n; c += 4) {
            const o = <usize>c << 2;
            v128.store(dr + o, f32x4.mul(f32x4.mul(v128.load(pr + o), f32x4.sub(v128.load(dr + o), sv)), scv));
          }
          for (; c < n; c++) f32set(dr, c, f32at(pr, c) * (f32at(dr, c) - s) * scale);
          if (n < T) memory.fill(dr + (<usize>n << 2), 0, <usize>(T - n) << 2);
        }
        gemmRows(dq, dS, k, i, i1, hd, 0, i1, <usize>T, 1, <usize>C3, <usize>C3, false);
      }
      for (let i = 0; i < T; i += 4) {
        const i1 = min(T, i + 4);
        // dk = dS^T @ q, dv = P^T @ dO (k range from the block's first row)
        gemmRows(dk, dS, q, i, i1, hd, i, T, 1, <usize>T, <usize>C3, <usize>C3, false);
        gemmRows(dv, P, dO, i, i1, hd, i, T, 1, <usize>T, <usize>C, <usize>C3, false);
      }
    }
    finish(nch);
  }
  return nch;
}

// ---------------------------------------------------------------------------------------------------------
// attention for one new token per row against a paged KV cache (sampling). The cache is a pool of pages of PG
// positions; page g of layer l holds, per head h, PG positions of hd floats at kcache + g*pageStride + h*PG*hd
// (kcache already offset to layer l; pageStride in floats). Row r's position t lives in page
// ptab[r*mp + t / PG] at offset t % PG, so rows whose sequences share a prefix can read the same pages (the
// sampler shares a tree parent's pages with its children, copy on write). Row r sits at position pos[r]: its
// k and v are written there (that page must be the row's own), then it attends to 0..pos[r].
// PG is a multiple of 8, or the whole cache (mp = 1): the blocks of 8 and 4 positions and the pairs of the
// weighted sum then never straddle a page, so a row's sums run in the same order whatever its pages, as over
// one contiguous [Tmax, hd] block (the layout before pages). scratch: per thread Tmax + hd floats.

export function attention_decode(tid: i32, nt: i32, out: usize, qkv: usize, kcache: usize, vcache: usize, ptab: usize, mp: i32,
                                 pos: usize, S: i32, C: i32, H: i32, PG: i32, pageStride: i32, Tmax: i32,
                                 cos: usize, sin: usize, scratch: usize): i32 {
  const hd = C / H, half = hd >> 1;
  const C3 = 3 * C;
  const scale: f32 = 1.0 / Mathf.sqrt(<f32>hd);
  const sc = scratch + ((<usize>tid * (Tmax + hd)) << 2); // [Tmax] scores, then [hd] the rotated q
  const cs = chunkSize(S * H, nt), nch = (S * H + cs - 1) / cs;
  const pgBytes = <usize>pageStride << 2;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const p0 = ch * cs, p1 = min(S * H, p0 + cs);
    const hd4 = hd & ~3;
    const rowBytes = <usize>hd << 2;
    for (let pair = p0; pair < p1; pair++) {
      const r = pair / H, h = pair % H;
      const p = load<i32>(pos + (<usize>r << 2));
      const pt = ptab + ((<usize>r * <usize>mp) << 2); // this row's page indices
      const hoff = (<usize>h * <usize>PG * <usize>hd) << 2; // head h inside a page
      const qin = qkv + ((<usize>r * C3 + <usize>h * hd) << 2);
      // RoPE at position p: q into scratch, k straight into the cache; v copied as is
      const pw = <usize>load<i32>(pt + (<usize>(p / PG) << 2)) * pgBytes + hoff + <usize>(p % PG) * rowBytes;
      const q = sc + (<usize>Tmax << 2), kin = qin + (<usize>C << 2), kout = kcache + pw;
      const cr = cos + ((<usize>p * half) << 2), sr = sin + ((<usize>p * half) << 2);
      const hb = <usize>half << 2;
      let e = 0;
      for (; e + 4 <= half; e += 4) {
        const o = <usize>e << 2;
        const c = v128.load(cr + o), sn = v128.load(sr + o);
        const q1 = v128.load(qin + o), q2 = v128.load(qin + hb + o), k1 = v128.load(kin + o), k2 = v128.load(kin + hb + o);
        v128.store(q + o, f32x4.sub(f32x4.mul(q1, c), f32x4.mul(q2, sn)));
        v128.store(q + hb + o, f32x4.add(f32x4.mul(q2, c), f32x4.mul(q1, sn)));
        v128.store(kout + o, f32x4.sub(f32x4.mul(k1, c), f32x4.mul(k2, sn)));
        v128.store(kout + hb + o, f32x4.add(f32x4.mul(k2, c), f32x4.mul(k1, sn)));
      }
      for (; e < half; e++) {
        const c = f32at(cr, e), sn = f32at(sr, e);
        const q1 = f32at(qin, e), q2 = f32at(qin, e + half), k1 = f32at(kin, e), k2 = f32at(kin, e + half);
        f32set(q, e, q1 * c - q2 * sn);
        f32set(q, e + half, q2 * c + q1 * sn);
        f32set(kout, e, k1 * c - k2 * sn);
        f32set(kout, e + half, k2 * c + k1 * sn);
      }
      memory.copy(vcache + pw, qin + (<usize>(2 * C) << 2), rowBytes);
      const n = p + 1;
      // scores, page by page, eight (or four) positions at a time: a0..a3 accumulate q . k_t over d, then one
      // transpose-add; the last page ends with blocks of four and single positions
      let t = 0;
      let mv = f32x4.splat(-Infinity);
      const scv = f32x4.splat(scale);
      let m: f32 = -Infinity;
      for (let j = 0; t < n; j++) {
        const kb = kcache + <usize>load<i32>(pt + (<usize>j << 2)) * pgBytes + hoff - <usize>t * rowBytes; // kb + t*rowBytes: position t
        const tEnd = min(n, t + PG);
        if (hd4 == hd) {
          // eight positions at a time: eight independent accumulators
          for (; t + 8 <= tEnd; t += 8) {
            const k0 = kb + <usize>t * rowBytes;
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
            let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
            for (let d = 0; d < hd; d += 4) {
              const o = <usize>d << 2;
              const qv = v128.load(q + o);
              let kp = k0 + o;
              a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a4 = f32x4.add(a4, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a5 = f32x4.add(a5, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a6 = f32x4.add(a6, f32x4.mul(qv, v128.load(kp))); kp += rowBytes;
              a7 = f32x4.add(a7, f32x4.mul(qv, v128.load(kp)));
            }
            const s0 = f32x4.mul(hsum4(a0, a1, a2, a3), scv), s1 = f32x4.mul(hsum4(a4, a5, a6, a7), scv);
            v128.store(sc + (<usize>t << 2), s0);
            v128.store(sc + (<usize>t << 2), s1, 16);
            mv = f32x4.max(mv, f32x4.max(s0, s1));
          }
        }
        for (; t + 4 <= tEnd; t += 4) {
          const k0 = kb + <usize>t * rowBytes, k1 = k0 + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes;
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let d = 0;
          for (; d < hd4; d += 4) {
            const o = <usize>d << 2;
            const qv = v128.load(q + o);
            a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0 + o)));
            a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1 + o)));
            a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2 + o)));
            a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3 + o)));
          }
          // [a0 a1 a2 a3] -> [sum a0, sum a1, sum a2, sum a3]
          const t01l = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t01h = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
          const t23l = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), t23h = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
          const u01 = f32x4.add(t01l, t01h), u23 = f32x4.add(t23l, t23h); // [a0' a1' a0'' a1''], ...
          let sv = f32x4.add(v128.shuffle<f32>(u01, u23, 0, 1, 4, 5), v128.shuffle<f32>(u01, u23, 2, 3, 6, 7));
          for (; d < hd; d++) {
            const qd = f32at(q, d);
            sv = f32x4.add(sv, f32x4(qd * f32at(k0, d), qd * f32at(k1, d), qd * f32at(k2, d), qd * f32at(k3, d)));
          }
          sv = f32x4.mul(sv, f32x4.splat(scale));
          v128.store(sc + (<usize>t << 2), sv);
          mv = f32x4.max(mv, sv);
        }
        if (t < tEnd) {
          // single positions: only at the end of the last page (PG is a multiple of 8)
          m = hmax(mv);
          for (; t < tEnd; t++) {
            const kr = kb + <usize>t * rowBytes;
            let acc = f32x4.splat(0);
            let d = 0;
            for (; d < hd4; d += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(q + (<usize>d << 2)), v128.load(kr + (<usize>d << 2))));
            let x = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
            for (; d < hd; d++) x += f32at(q, d) * f32at(kr, d);
            x *= scale;
            f32set(sc, t, x);
            m = max(m, x);
          }
        } else m = hmax(mv);
      }
      const ms = f32x4.splat(m);
      let sumv = f32x4.splat(0);
      t = 0;
      for (; t + 4 <= n; t += 4) {
        const e = expv(f32x4.sub(v128.load(sc + (<usize>t << 2)), ms));
        v128.store(sc + (<usize>t << 2), e);
        sumv = f32x4.add(sumv, e);
      }
      let sum = hsum(sumv);
      for (; t < n; t++) { const e = exps(f32at(sc, t) - m); f32set(sc, t, e); sum += e; }
      const inv = f32x4.splat(1.0 / sum);
      const o = out + ((<usize>r * C + <usize>h * hd) << 2);
      const vh = vcache + hoff;
      // out = sum_t p_t v_t, page by page: 32 columns at a time (8 independent accumulators hide the add
      // latency), then 16 (even and odd t summed apart, then added), then 4, then scalar
      let d = 0;
      for (; d + 32 <= hd; d += 32) {
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
        let t2 = 0;
        for (let j = 0; t2 < n; j++) {
          const tEnd = min(n, t2 + PG);
          let vr = vh + <usize>load<i32>(pt + (<usize>j << 2)) * pgBytes + (<usize>d << 2);
          for (; t2 < tEnd; t2++) {
            const pv = v128.load32_splat(sc + (<usize>t2 << 2));
            c0 = f32x4.add(c0, f32x4.mul(pv, v128.load(vr)));
            c1 = f32x4.add(c1, f32x4.mul(pv, v128.load(vr, 16)));
            c2 = f32x4.add(c2, f32x4.mul(pv, v128.load(vr, 32)));
            c3 = f32x4.add(c3, f32x4.mul(pv, v128.load(vr, 48)));
            c4 = f32x4.add(c4, f32x4.mul(pv, v128.load(vr, 64)));
            c5 = f32x4.add(c5, f32x4.mul(pv, v128.load(vr, 80)));
            c6 = f32x4.add(c6, f32x4.mul(pv, v128.load(vr, 96)));
            c7 = f32x4.add(c7, f32x4.mul(pv, v128.load(vr, 112)));
            vr += rowBytes;
          }
        }
        const od = o + (<usize>d << 2);
        v128.store(od, f32x4.mul(c0, inv)); v128.store(od, f32x4.mul(c1, inv), 16);
        v128.store(od, f32x4.mul(c2, inv), 32); v128.store(od, f32x4.mul(c3, inv), 48);
        v128.store(od, f32x4.mul(c4, inv), 64); v128.store(od, f32x4.mul(c5, inv), 80);
        v128.store(od, f32x4.mul(c6, inv), 96); v128.store(od, f32x4.mul(c7, inv), 112);
      }
      for (; d + 16 <= hd; d += 16) {
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
        let t2 = 0;
        for (let j = 0; t2 < n; j++) {
          const tEnd = min(n, t2 + PG);
          let vr = vh + <usize>load<i32>(pt + (<usize>j << 2)) * pgBytes + (<usize>d << 2);
          for (; t2 + 2 <= tEnd; t2 += 2) {
            const pv = v128.load32_splat(sc + (<usize>t2 << 2)), pw2 = v128.load32_splat(sc + (<usize>t2 << 2), 4);
            c0 = f32x4.add(c0, f32x4.mul(pv, v128.load(vr)));
            c1 = f32x4.add(c1, f32x4.mul(pv, v128.load(vr, 16)));
            c2 = f32x4.add(c2, f32x4.mul(pv, v128.load(vr, 32)));
            c3 = f32x4.add(c3, f32x4.mul(pv, v128.load(vr, 48)));
            const vw = vr + rowBytes;
            c4 = f32x4.add(c4, f32x4.mul(pw2, v128.load(vw)));
            c5 = f32x4.add(c5, f32x4.mul(pw2, v128.load(vw, 16)));
            c6 = f32x4.add(c6, f32x4.mul(pw2, v128.load(vw, 32)));
            c7 = f32x4.add(c7, f32x4.mul(pw2, v128.load(vw, 48)));
            vr += 2 * rowBytes;
          }
          if (t2 < tEnd) {
            // an odd last position (only at the end: PG is even)
            const pv = v128.load32_splat(sc + (<usize>t2 << 2));
            c0 = f32x4.add(c0, f32x4.mul(pv, v128.load(vr)));
            c1 = f32x4.add(c1, f32x4.mul(pv, v128.load(vr, 16)));
            c2 = f32x4.add(c2, f32x4.mul(pv, v128.load(vr, 32)));
            c3 = f32x4.add(c3, f32x4.mul(pv, v128.load(vr, 48)));
            t2++;
          }
        }
        c0 = f32x4.add(c0, c4); c1 = f32x4.add(c1, c5); c2 = f32x4.add(c2, c6); c3 = f32x4.add(c3, c7);
        const od = o + (<usize>d << 2);
        v128.store(od, f32x4.mul(c0, inv)); v128.store(od, f32x4.mul(c1, inv), 16);
        v128.store(od, f32x4.mul(c2, inv), 32); v128.store(od, f32x4.mul(c3, inv), 48);
      }
      for (; d + 4 <= hd; d += 4) {
        let c0 = f32x4.splat(0);
        let t2 = 0;
        for (let j = 0; t2 < n; j++) {
          const tEnd = min(n, t2 + PG);
          let vr = vh + <usize>load<i32>(pt + (<usize>j << 2)) * pgBytes + (<usize>d << 2);
          for (; t2 < tEnd; t2++) {
            c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(sc + (<usize>t2 << 2)), v128.load(vr)));
            vr += rowBytes;
          }
        }
        v128.store(o + (<usize>d << 2), f32x4.mul(c0, inv));
      }
      const invs: f32 = 1.0 / sum;
      for (; d < hd; d++) {
        let acc: f32 = 0;
        let t2 = 0;
        for (let j = 0; t2 < n; j++) {
          const tEnd = min(n, t2 + PG);
          let vr = vh + <usize>load<i32>(pt + (<usize>j << 2)) * pgBytes + (<usize>d << 2);
          for (; t2 < tEnd; t2++) {
            acc += f32at(sc, t2) * load<f32>(vr);
            vr += rowBytes;
          }
        }
        f32set(o, d, acc * invs);
      }
    }
    finish(nch);
  }
  return nch;
}

// ---------------------------------------------------------------------------------------------------------
// optimizer helpers over the flat parameter block

/** AdamW (PyTorch semantics) on n floats; weight decay only on the first nDecay. bc1/bc2: 1 - beta^step. */
export function adamw(tid: i32, nt: i32, params: usize, grads: usize, m: usize, v: usize, n: i32, nDecay: i32,
                      lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32): i32 {
  const cs = chunkSize(n, nt), nch = (n + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(n, i0 + cs);
    for (let i = i0; i < i1; i++) {
      const g = f32at(grads, i);
      const mi = beta1 * f32at(m, i) + (1 - beta1) * g;
      const vi = beta2 * f32at(v, i) + (1 - beta2) * g * g;
      f32set(m, i, mi);
      f32set(v, i, vi);
      let p = f32at(params, i);
      if (i < nDecay) p -= lr * wd * p;
      p -= lr * (mi / bc1) / (Mathf.sqrt(vi / bc2) + eps);
      f32set(params, i, p);
    }
    finish(nch);
  }
  return nch;
}

/** partials[j] = sum of squares of x[j*chunk .. (j+1)*chunk) (fixed chunks: the total does not depend on nt) */
export function sum_squares(tid: i32, nt: i32, partials: usize, x: usize, n: i32, chunk: i32): i32 {
  const nc = (n + chunk - 1) / chunk;
  const cs = chunkSize(nc, nt), nch = (nc + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const j0 = ch * cs, j1 = min(nc, j0 + cs);
    for (let j = j0; j < j1; j++) {
      const a = j * chunk, b = min(n, a + chunk);
      let s: f64 = 0;
      for (let i = a; i < b; i++) { const g = <f64>f32at(x, i); s += g * g; }
      store<f64>(partials + (<usize>j << 3), s);
    }
    finish(nch);
  }
  return nch;
}

/** x[n] *= s */
export function scale_inplace(tid: i32, nt: i32, x: usize, n: i32, s: f32): i32 {
  const cs = chunkSize(n, nt), nch = (n + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(n, i0 + cs);
    for (let i = i0; i < i1; i++) f32set(x, i, f32at(x, i) * s);
    finish(nch);
  }
  return nch;
}

/** x[n] = 0 */
export function zero(tid: i32, nt: i32, x: usize, n: i32): i32 {
  const cs = chunkSize(n, nt), nch = (n + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(n, i0 + cs);
    memory.fill(x + (<usize>i0 << 2), 0, <usize>(i1 - i0) << 2);
    finish(nch);
  }
  return nch;
}

// ---------------------------------------------------------------------------------------------------------
// SwiGLU keeping its sigmoid: the training forward stores s = sigmoid(gate) (the same bits swiglu_forward
// computes and throws away), and the backward reads it instead of a second exp and division per element. The
// arithmetic of every output is that of swiglu_forward / swiglu_backward.

/** out[N,I] = silu(gu[:, :I]) * gu[:, I:], and sig[N,I] = sigmoid(gu[:, :I]) */
export function swiglu_forward_s(tid: i32, nt: i32, out: usize, sig: usize, gu: usize, N: i32, I: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    const one = f32x4.splat(1);
    for (let i = i0; i < i1; i++) {
      const g = gu + ((<usize>i * 2 * I) << 2), u = g + (<usize>I << 2), y = out + ((<usize>i * I) << 2), sg = sig + ((<usize>i * I) << 2);
      let c = 0;
      for (; c + 4 <= I; c += 4) {
        const q = <usize>c << 2;
        const gv = v128.load(g + q);
        const s = f32x4.div(one, f32x4.add(one, expv(f32x4.neg(gv))));
        v128.store(sg + q, s);
        v128.store(y + q, f32x4.mul(f32x4.mul(gv, s), v128.load(u + q)));
      }
      for (; c < I; c++) {
        const gv = f32at(g, c);
        const s: f32 = 1.0 / (1.0 + exps(-gv));
        f32set(sg, c, s);
        f32set(y, c, gv * s * f32at(u, c));
      }
    }
    finish(nch);
  }
  return nch;
}
/** dgu[N,2I] = gradient of swiglu_forward given dout[N,I], with sig[N,I] from swiglu_forward_s */
export function swiglu_backward_s(tid: i32, nt: i32, dgu: usize, dout: usize, gu: usize, sig: usize, N: i32, I: i32): i32 {
  const cs = chunkSize(N, nt), nch = (N + cs - 1) / cs;
  for (let ch = grab(); ch < nch; ch = grab()) {
    const i0 = ch * cs, i1 = min(N, i0 + cs);
    const one = f32x4.splat(1);
    for (let i = i0; i < i1; i++) {
      const g = gu + ((<usize>i * 2 * I) << 2), u = g + (<usize>I << 2), sg = sig + ((<usize>i * I) << 2);
      const dg = dgu + ((<usize>i * 2 * I) << 2), du = dg + (<usize>I << 2), dy = dout + ((<usize>i * I) << 2);
      let c = 0;
      for (; c + 4 <= I; c += 4) {
        const q = <usize>c << 2;
        const gv = v128.load(g + q), dyv = v128.load(dy + q), s = v128.load(sg + q);
        v128.store(du + q, f32x4.mul(dyv, f32x4.mul(gv, s)));
        const ds = f32x4.mul(s, f32x4.add(one, f32x4.mul(gv, f32x4.sub(one, s))));
        v128.store(dg + q, f32x4.mul(f32x4.mul(dyv, v128.load(u + q)), ds));
      }
      for (; c < I; c++) {
        const gv = f32at(g, c), dyv = f32at(dy, c), s = f32at(sg, c);
        f32set(du, c, dyv * (gv * s));
        f32set(dg, c, dyv * f32at(u, c) * (s * (1.0 + gv * (1.0 - s))));
      }
    }
    finish(nch);
  }
  return nch;
}
