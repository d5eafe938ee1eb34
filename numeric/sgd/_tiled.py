"""Compiled SGD step with m ≥ 2 examples per trial, register-tiled, through ctypes.

At the paper's width (200) and small minibatches (m = 10) each trial's
products are 10-row matrix products, which numpy's batched ``matmul`` runs
far below the core's arithmetic rate.  This C kernel does one trial's step
(forward pass, softmax cross-entropy delta, backward pass, in-place update)
trial after trial, with the weights of one trial resident in the core's
cache, in register tiles:

* forward  A_l = σ(A_{l−1} W_l + b_l): tiles of 5 example rows × 16
  output columns (10 accumulators), streaming the input dimension (a row
  of W_l loaded once per 5 examples, A broadcast); W_l is first read once
  in order, one number per cache line, so a trial's weights arrive from the
  outer cache as one sequential stream rather than line by line through
  the strided tiles (measured 1.3–1.5x on the whole step at m = 10);
* backward δ_{l−1} = (δ_l W_lᵀ) ∘ σ'(A_{l−1}) with the *old* weights, as
  dot products over rows of W_l (tiles of 2 examples × 5 rows, every lane
  sum by the same tree, so δ_{l−1} does not depend on the tiling), fused
  with the update W_l ← W_l − A_{l−1}ᵀ δ_l of the same 5 rows (tiles of 5
  rows × 16 columns, streaming the m examples) while those rows are in the
  first-level cache; then b_l ← b_l − Σ_n δ_{l,n}.  A narrow layer (the
  output, fewer than two vectors of columns), and every layer from
  m = 32 examples on, takes δ_l W_lᵀ as a forward product with an exact
  copy of W_lᵀ (8 × 8 blocks; the forward tiles outrun the dot tiles and
  m rows amortise the copy: 1.1–1.2x on the step at m = 32..100, a loss
  at m = 10); its update, and the first layer's, then runs column slabs
  of δ_l outer, so a slab stays in the first-level cache across all row
  panels.  Columns past the last full vector go through zero-padded
  copies.

Every tile keeps all its operands in the 16 vector registers of AVX2
(at most 10 accumulators, the reused vectors pinned to registers): with
wider tiles (4 × 24, 3 × 4) the compiler re-read the reused vectors from
memory at every multiply–add, and the two vector loads per cycle, not
the arithmetic, set the pace (measured at width 200, one core, FLOP per
cycle of the 2.445 GHz time-stamp counter: forward 18–26 → 34–36,
backward and update 17 → 24 at m = 10 and update → 28 at m = 100,
against ~34 for a large float32 GEMM).  Each output's summation order does not
depend on the tile shape, so for the paper's shapes (64 → 200 → 200 →
200 → 10) the trajectories below m = 32 are bitwise those of the wider
tiles (from m = 32 on, δ_l W_lᵀ is summed in another order: rounding).

The learning rate r/m is folded into the output delta, as in
:func:`._mlp.sgd_step`; the loss is the minibatch mean of
ℓ_n = logsumexp(z_n) − z_{n,y_n}, and the divergence bound is exact: the
largest applied step component max|A_{l−1}ᵀ δ_l| (weights and biases,
NaN-propagating), taken from the update tiles.  The arithmetic is that of
the numpy path (same formulas, same precision) with a different summation
order and fused multiply–adds, so results agree to rounding.

:func:`steps_tiled` runs S consecutive steps of each trial in one call,
trial after trial (the minibatches gathered inside C from indices into
the training set): a trial's weights stay in the core's second-level
cache across its S steps instead of coming back from the outer cache at
every step.  Each step is the same compiled function on the same numbers
as :func:`step_tiled`'s, so the trajectory is bitwise that of S single
steps (used for ``TILED_MULTI_BATCH_SIZES``).

Built at first use with the system C compiler (``-O3 -march=native``) and
cached per user as the m = 1 kernel of :mod:`._kernel` is; when no
compiler is present :func:`tiled_kernel` returns None and
:func:`._mlp.sgd_step` takes the numpy path.  Measured against that path
in ``benchmarks/bench_sgd.py``.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np

from ._kernel import SOFTMAX_DELTA, _ready, bind_steps, call_steps, load_library, step_function

__all__ = ["tiled_kernel", "step_tiled", "steps_tiled", "full_gradient_tiled", "predict_tiled", "TILED_BATCH_SIZES",
           "TILED_MULTI_BATCH_SIZES", "FULL_BLOCK"]

#: Minibatch sizes the tiled kernel takes (where it measured faster than numpy's batched matmul).
TILED_BATCH_SIZES = range(2, 51)
#: Minibatch sizes :func:`._mlp.sgd_steps` gives the S-step kernel (:func:`steps_tiled`, which takes any m ≥ 1).
#: At m = 100, width 200, one BLAS thread, training-dominated runs of the experiment (10 trials x 600 steps,
#: 3 alternating pairs): 955-977 us per trial-step against numpy's batched matmul's 1120-1285 us.
TILED_MULTI_BATCH_SIZES = range(2, 101)

_FLAGS = ("-O3", "-march=native", "-ffp-contract=fast")

_HEAD = r"""
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX__)
#include <immintrin.h>
/* s[0..3] = the lane sums of four vectors */
#define HSUM4_f32(a0, a1, a2, a3, s) do { \
    __m256 t_ = _mm256_hadd_ps(_mm256_hadd_ps((__m256)(a0), (__m256)(a1)), _mm256_hadd_ps((__m256)(a2), (__m256)(a3))); \
    _mm_storeu_ps((s), _mm_add_ps(_mm256_castps256_ps128(t_), _mm256_extractf128_ps(t_, 1))); } while (0)
#define HSUM4_f64(a0, a1, a2, a3, s) do { \
    __m256d u_ = _mm256_hadd_pd((__m256d)(a0), (__m256d)(a1)), v_ = _mm256_hadd_pd((__m256d)(a2), (__m256d)(a3)); \
    _mm256_storeu_pd((s), _mm256_add_pd(_mm256_permute2f128_pd(u_, v_, 0x20), _mm256_permute2f128_pd(u_, v_, 0x31))); \
    } while (0)
/* b[i * ldb + j] = a[j * lda + i], 0 <= i, j < 8 (float) */
static inline void tl_transpose8x8(const float *a, int64_t lda, float *b, int64_t ldb)
{
    __m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(a + i * lda);
    for (int i = 0; i < 8; i += 2) { t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]); t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]); }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44); u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44); u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(b + i * ldb, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
        _mm256_storeu_ps(b + (i + 4) * ldb, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
}
#else
#define HSUM4_ANY(a0, a1, a2, a3, s, n) do { for (int q_ = 0; q_ < 4; q_++) { (s)[q_] = 0; \
    for (int l_ = 0; l_ < (n); l_++) (s)[q_] += (q_ == 0 ? (a0) : q_ == 1 ? (a1) : q_ == 2 ? (a2) : (a3))[l_]; } } while (0)
#define HSUM4_f32(a0, a1, a2, a3, s) HSUM4_ANY(a0, a1, a2, a3, s, 8)
#define HSUM4_f64(a0, a1, a2, a3, s) HSUM4_ANY(a0, a1, a2, a3, s, 4)
#endif
"""

_BODY = r"""
#define MAXLAYERS 64
#define VB 32  /* vector bytes */
typedef REAL vec_SUFFIX __attribute__((vector_size(VB)));
typedef REAL uvec_SUFFIX __attribute__((vector_size(VB), aligned(sizeof(REAL)), may_alias));
typedef IREAL ivec_SUFFIX __attribute__((vector_size(VB)));
#define VEC vec_SUFFIX
#define IVEC ivec_SUFFIX
#define VL ((int64_t)(VB / sizeof(REAL)))
#define LD(p) (*(const uvec_SUFFIX *)(p))
#define ST(p, v) (*(uvec_SUFFIX *)(p) = (v))
#define INL static inline __attribute__((always_inline))
/* keep v in a register: otherwise the compiler re-reads a vector used by several FMAs from memory at each
   use (folded memory operands), which made the tiles load-bound (two vector loads per cycle) */
#define INREG(v) __asm__("" : "+x"(v))
#define HSUM4 HSUM4_SUFFIX

/* |x| as an integer: ordered like |x| for finite and infinite x, and NaN above +inf */
INL IVEC absbits_SUFFIX(VEC x) { return (IVEC)x & ABSMASK; }
INL IVEC imax_SUFFIX(IVEC a, IVEC b) { IVEC gt = a > b; return (a & gt) | (b & ~gt); }

/* v[j] *= (a[j] > 0), as numpy's multiplication by a boolean mask (NaN stays NaN); branch-free */
static void relu_mask_SUFFIX(int64_t n, REAL *v, const REAL *a)
{
    const IVEC one = (IVEC)((VEC){0} + 1);
    int64_t j = 0;
    for (; j + VL <= n; j += VL) ST(v + j, LD(v + j) * (VEC)(one & (IVEC)(LD(a + j) > 0)));
    for (; j < n; j++) v[j] *= (REAL)(a[j] > 0);
}

/* forward tile: H[r, 0:NV*VL] = b + sum_p A[r, p] W[p, 0:NV*VL], r < MR <= 5, NV <= 2 (at most 10
   accumulators, 2 vectors of W and a broadcast: 13 of the 16 vector registers, so every operand stays in
   a register; a wider tile made the compiler reload W from memory inside the loop) */
INL void fwd_tile_SUFFIX(const int MR, const int NV, int64_t ni, int64_t no, const REAL *A,
                          const REAL *W, const REAL *b, REAL *H)
{
    VEC acc[5][2];
    for (int r = 0; r < MR; r++) for (int v = 0; v < NV; v++) acc[r][v] = LD(b + v * VL);
    for (int64_t p = 0; p < ni; p++) {
        VEC w[2];
        for (int v = 0; v < NV; v++) { w[v] = LD(W + p * no + v * VL); INREG(w[v]); }
        for (int r = 0; r < MR; r++) {
            const REAL a = A[r * ni + p];
            for (int v = 0; v < NV; v++) acc[r][v] += a * w[v];
        }
    }
    for (int r = 0; r < MR; r++) for (int v = 0; v < NV; v++) ST(H + r * no + v * VL, acc[r][v]);
}

#define FWD_MR 5
/* H[:, 0:NV VL] for all m rows, in row tiles: the column panel of W stays in L1 across them */
INL void fwd_cols_SUFFIX(const int NV, int64_t m, int64_t ni, int64_t no, const REAL *A, const REAL *W, const REAL *b,
                         REAL *H)
{
    int64_t r = 0;
    for (; r + FWD_MR <= m; r += FWD_MR) fwd_tile_SUFFIX(FWD_MR, NV, ni, no, A + r * ni, W, b, H + r * no);
    switch (m - r) {
    case 4: fwd_tile_SUFFIX(4, NV, ni, no, A + r * ni, W, b, H + r * no); break;
    case 3: fwd_tile_SUFFIX(3, NV, ni, no, A + r * ni, W, b, H + r * no); break;
    case 2: fwd_tile_SUFFIX(2, NV, ni, no, A + r * ni, W, b, H + r * no); break;
    case 1: fwd_tile_SUFFIX(1, NV, ni, no, A + r * ni, W, b, H + r * no); break;
    default: break;
    }
}

/* H = A W + b for m rows; columns past the last full vector go through a zero-padded copy in pad
   (ni VL + VL + m VL numbers) */
static void forward_SUFFIX(int64_t m, int64_t ni, int64_t no, const REAL *A, const REAL *W, const REAL *b, REAL *H,
                           REAL *pad)
{
    const int64_t nv = no - no % VL, t = no - nv;
    int64_t j = 0;
    for (; j + 2 * VL <= no; j += 2 * VL) fwd_cols_SUFFIX(2, m, ni, no, A, W + j, b + j, H + j);
    if (j + VL <= no) fwd_cols_SUFFIX(1, m, ni, no, A, W + j, b + j, H + j);
    if (t) {
        REAL *Wp = pad, *bp = pad + ni * VL, *Hp = bp + VL;
        for (int64_t p = 0; p < ni; p++)
            for (int64_t l = 0; l < VL; l++) Wp[p * VL + l] = l < t ? W[p * no + nv + l] : 0;
        for (int64_t l = 0; l < VL; l++) bp[l] = l < t ? b[nv + l] : 0;
        fwd_cols_SUFFIX(1, m, ni, VL, A, Wp, bp, Hp);
        for (int64_t r = 0; r < m; r++) for (int64_t l = 0; l < t; l++) H[r * no + nv + l] = Hp[r * VL + l];
    }
}

/* back-propagation tile: Dn[r, p+q] = sum_j D[r, j] W[p+q, j] for r < MR <= 2, q < P <= 5 (old weights;
   10 accumulators, 2 vectors of D and one of W: all in registers) */
INL void bwd_tile_SUFFIX(const int MR, const int P, int64_t ni, int64_t no, const REAL *D, const REAL *W, REAL *Dn)
{
    VEC acc[2][5];
    for (int r = 0; r < MR; r++) for (int q = 0; q < P; q++) acc[r][q] = (VEC){0};
    int64_t j = 0;
    for (; j + VL <= no; j += VL) {
        VEC d[2];
        for (int r = 0; r < MR; r++) d[r] = LD(D + r * no + j);
        for (int q = 0; q < P; q++) {
            VEC w = LD(W + q * no + j);
            INREG(w);
            for (int r = 0; r < MR; r++) acc[r][q] += d[r] * w;
        }
    }
    for (int r = 0; r < MR; r++) {
        REAL s[8];  /* every lane sum by the same tree, so Dn does not depend on the tiling */
        if (P >= 4) HSUM4(acc[r][0], acc[r][1], acc[r][2], acc[r][3], s);
        if (P == 5) HSUM4(acc[r][4], acc[r][4], acc[r][4], acc[r][4], s + 4);
        if (P == 1) HSUM4(acc[r][0], acc[r][0], acc[r][0], acc[r][0], s);
        for (int q = 0; q < P; q++) {
            for (int64_t jj = j; jj < no; jj++) s[q] += D[r * no + jj] * W[q * no + jj];
            Dn[r * ni + q] = s[q];
        }
    }
}

#define BWD_MR 2
/* from this many examples on, D W^T is a forward product with a transposed copy of W (measured) */
#define TRANSPOSED_M 32
INL void bwd_panel_SUFFIX(const int P, int64_t m, int64_t ni, int64_t no, const REAL *D, const REAL *W, REAL *Dn)
{
    int64_t r = 0;
    for (; r + BWD_MR <= m; r += BWD_MR) bwd_tile_SUFFIX(BWD_MR, P, ni, no, D + r * no, W, Dn + r * ni);
    if (r < m) bwd_tile_SUFFIX(1, P, ni, no, D + r * no, W, Dn + r * ni);
}

static __attribute__((noinline)) void bwd_panel5_SUFFIX(int64_t m, int64_t ni, int64_t no, const REAL *D, const REAL *W, REAL *Dn)
{ bwd_panel_SUFFIX(5, m, ni, no, D, W, Dn); }

static __attribute__((noinline)) void bwd_panel4_SUFFIX(int64_t m, int64_t ni, int64_t no, const REAL *D, const REAL *W, REAL *Dn)
{ bwd_panel_SUFFIX(4, m, ni, no, D, W, Dn); }
static __attribute__((noinline)) void bwd_panel1_SUFFIX(int64_t m, int64_t ni, int64_t no, const REAL *D, const REAL *W, REAL *Dn)
{ bwd_panel_SUFFIX(1, m, ni, no, D, W, Dn); }

/* update tile: S = sum_r A[r, p+q] D[r, j:j+NV*VL]; W[p+q, j:] -= S; returns max |S| bits; P <= 5, NV <= 2
   (the forward tile's register shape, with A transposed) */
INL IVEC upd_tile_SUFFIX(const int P, const int NV, int64_t m, int64_t ni, int64_t no, const REAL *A,
                          const REAL *D, REAL *W, IVEC mx)
{
    VEC acc[5][2];
    for (int q = 0; q < P; q++) for (int v = 0; v < NV; v++) acc[q][v] = (VEC){0};
    for (int64_t r = 0; r < m; r++) {
        VEC d[2];
        for (int v = 0; v < NV; v++) { d[v] = LD(D + r * no + v * VL); INREG(d[v]); }
        for (int q = 0; q < P; q++) {
            const REAL a = A[r * ni + q];
            for (int v = 0; v < NV; v++) acc[q][v] += a * d[v];
        }
    }
    for (int q = 0; q < P; q++)
        for (int v = 0; v < NV; v++) {
            mx = imax_SUFFIX(mx, absbits_SUFFIX(acc[q][v]));
            ST(W + q * no + v * VL, LD(W + q * no + v * VL) - acc[q][v]);
        }
    return mx;
}

INL IVEC upd_panel_SUFFIX(const int P, int64_t m, int64_t ni, int64_t no, int64_t nc, const REAL *A, const REAL *D,
                          REAL *W, IVEC mx)
{
    int64_t j = 0;
    for (; j + 2 * VL <= nc; j += 2 * VL) mx = upd_tile_SUFFIX(P, 2, m, ni, no, A, D + j, W + j, mx);
    if (j + VL <= nc) mx = upd_tile_SUFFIX(P, 1, m, ni, no, A, D + j, W + j, mx);
    return mx;
}

/* WT (no, ni) = W^T of W (ni, no): an exact copy, in 8 x 8 blocks under AVX (float) */
static void transpose_SUFFIX(int64_t ni, int64_t no, const REAL *W, REAL *WT)
{
    int64_t q0 = 0;
#if defined(__AVX__)
    if (sizeof(REAL) == sizeof(float)) {
        for (; q0 + 8 <= ni; q0 += 8) {
            int64_t j0 = 0;
            for (; j0 + 8 <= no; j0 += 8)
                tl_transpose8x8((const float *)(W + q0 * no + j0), no, (float *)(WT + j0 * ni + q0), ni);
            for (; j0 < no; j0++) for (int64_t q = q0; q < q0 + 8; q++) WT[j0 * ni + q] = W[q * no + j0];
        }
    }
#endif
    for (; q0 < ni; q0++) for (int64_t j = 0; j < no; j++) WT[j * ni + q0] = W[q0 * no + j];
}

/* W[0:ni, 0:nc] -= A^T D in panels of 5 rows (then 4, then single rows); returns max |step| bits */
static IVEC upd_rows_SUFFIX(int64_t m, int64_t ni, int64_t no, int64_t nc, const REAL *A, const REAL *D, REAL *W,
                            IVEC mx)
{
    int64_t p = 0;
    for (; p + 5 <= ni; p += 5) mx = upd_panel_SUFFIX(5, m, ni, no, nc, A + p, D, W + p * no, mx);
    for (; p + 4 <= ni; p += 4) mx = upd_panel_SUFFIX(4, m, ni, no, nc, A + p, D, W + p * no, mx);
    for (; p < ni; p++) mx = upd_panel_SUFFIX(1, m, ni, no, nc, A + p, D, W + p * no, mx);
    return mx;
}

/* one layer's backward pass and update, in panels of P = 5 (then 4, then 1) rows of W (in L1 between the
   two uses): Dn = D W^T (old W) when Dn != 0, then W -= A^T D, b -= 1^T D; returns max |step| */
static REAL backward_SUFFIX(int64_t m, int64_t ni, int64_t no, const REAL *A, const REAL *D, REAL *W, REAL *b,
                            REAL *Dn, REAL *wt, REAL *pad)
{
    IVEC mx = {0};
    REAL smax = 0;
    int64_t p = 0;
    if (Dn && (no < 2 * VL || m >= TRANSPOSED_M)) {
        /* a narrow layer (the output), or many examples: Dn = D W^T as a forward product with a copy of W^T
           (the forward tiles run faster than the dot tiles, and m rows amortise the copy) */
        REAL *WT = wt, *zero = wt + no * ni;
        transpose_SUFFIX(ni, no, W, WT);
        for (int64_t q = 0; q < ni; q++) zero[q] = 0;
        forward_SUFFIX(m, no, ni, D, WT, zero, Dn, pad);
        Dn = 0;
    }
    const int64_t nv = no - no % VL, t = no - nv;
    if (!Dn) {  /* no backward panels to share the first-level cache with: a column slab of D stays there while
                   every row panel of W takes its step (row panels outer would stream all of D per panel) */
        int64_t j = 0;
        for (; j + 2 * VL <= nv; j += 2 * VL) mx = upd_rows_SUFFIX(m, ni, no, 2 * VL, A, D + j, W + j, mx);
        if (j < nv) mx = upd_rows_SUFFIX(m, ni, no, nv - j, A, D + j, W + j, mx);
        p = ni;
    }
    for (; p + 5 <= ni; p += 5) {
        if (Dn) bwd_panel5_SUFFIX(m, ni, no, D, W + p * no, Dn + p);
        mx = upd_panel_SUFFIX(5, m, ni, no, nv, A + p, D, W + p * no, mx);
    }
    for (; p + 4 <= ni; p += 4) {
        if (Dn) bwd_panel4_SUFFIX(m, ni, no, D, W + p * no, Dn + p);
        mx = upd_panel_SUFFIX(4, m, ni, no, nv, A + p, D, W + p * no, mx);
    }
    for (; p < ni; p++) {
        if (Dn) bwd_panel1_SUFFIX(m, ni, no, D, W + p * no, Dn + p);
        mx = upd_panel_SUFFIX(1, m, ni, no, nv, A + p, D, W + p * no, mx);
    }
    if (t) {  /* the last t < VL columns through zero-padded copies (zero lanes step by exactly 0) */
        REAL *Wp = pad, *Dp = pad + ni * VL;
        for (int64_t q = 0; q < ni; q++) for (int64_t l = 0; l < VL; l++) Wp[q * VL + l] = l < t ? W[q * no + nv + l] : 0;
        for (int64_t r = 0; r < m; r++) for (int64_t l = 0; l < VL; l++) Dp[r * VL + l] = l < t ? D[r * no + nv + l] : 0;
        mx = upd_rows_SUFFIX(m, ni, VL, VL, A, Dp, Wp, mx);
        for (int64_t q = 0; q < ni; q++) for (int64_t l = 0; l < t; l++) W[q * no + nv + l] = Wp[q * VL + l];
    }
    for (int64_t j = 0; j < no; j++) {
        REAL s = 0;
        for (int64_t r = 0; r < m; r++) s += D[r * no + j];
        REAL f = FABS(s);
        if (f > smax || f != f) smax = f;
        b[j] -= s;
    }
    for (int l = 0; l < VL; l++) {
        IREAL bits = mx[l];
        REAL f;
        memcpy(&f, &bits, sizeof f);
        if (f > smax || f != f) smax = f;
    }
    return smax;
}

/* read one number per cache line of x[0..n) in order: the weights of a trial come from the outer cache
   as a sequential stream, which the forward tiles (strided over rows) would fetch one line at a time */
static void touch_SUFFIX(int64_t n, const REAL *x)
{
    volatile REAL sink;
    REAL acc = 0;
    for (int64_t l = 0; l < n; l += 64 / (int64_t)sizeof(REAL)) acc += x[l];
    sink = acc;
    (void)sink;
}


/* numbers for a transposed copy of the largest weight matrix and a zero bias */
static int64_t tl_wt_size_SUFFIX(int64_t L, const int64_t *n)
{
    int64_t s = 0;
    for (int64_t i = 0; i < L; i++) if (n[i] * n[i + 1] + n[i] > s) s = n[i] * n[i + 1] + n[i];
    return s;
}

/* the forward pass of one trial over m rows a0: layer i's activations at acts + off[i + 1] (the last ones the
   logits, returned), hidden layers through ReLU or tanh; with touch, each W_i first read in order (touch_SUFFIX) */
INL const REAL *forward_all_SUFFIX(int64_t L, int64_t m, const int64_t *n, REAL *const *Wk, REAL *const *bk,
                                   const REAL *a0, REAL *acts, const int64_t *off, int relu, REAL *pad, int touch)
{
    const REAL *a = a0;
    for (int64_t i = 0; i < L; i++) {
        int64_t ni = n[i], no = n[i + 1];
        REAL *h = acts + off[i + 1];
        if (touch) touch_SUFFIX(ni * no, Wk[i]);
        forward_SUFFIX(m, ni, no, a, Wk[i], bk[i], h, pad);
        if (i < L - 1) {
            if (relu) relu_mask_SUFFIX(m * no, h, h);
            else { for (int64_t j = 0; j < m * no; j++) h[j] = TANH(h[j]); }
        }
        a = h;
    }
    return a;
}

/* One SGD step of one trial: Wk[i] (n[i], n[i+1]) and bk[i] (n[i+1]) updated in place, xk (m, n[0]),
   yk (m,); *loss = mean_r (logsumexp(z_r) - z_r[y_r]); returns max |step component| (weights and biases). */
static __attribute__((noinline)) REAL step_one_SUFFIX(int64_t L, int64_t m, const int64_t *n, REAL *const *Wk,
                                                     REAL *const *bk, const REAL *xk, const int64_t *yk, int relu,
                                                     REAL scale, REAL *work, REAL *loss)
{
    int64_t off[MAXLAYERS + 1], tot = 0, wmax = 0;
    for (int64_t i = 1; i <= L; i++) { off[i] = tot; tot += m * n[i]; }
    for (int64_t i = 0; i <= L; i++) if (n[i] > wmax) wmax = n[i];
    REAL *acts = work, *buf0 = work + tot, *buf1 = buf0 + m * wmax, *wt = buf1 + m * wmax;
    REAL *pad = wt + tl_wt_size_SUFFIX(L, n);
    forward_all_SUFFIX(L, m, n, Wk, bk, xk, acts, off, relu, pad, 1);
    const int64_t C = n[L];
    REAL *d = buf0, lsum = 0;
    for (int64_t r = 0; r < m; r++) {
        const REAL *z = acts + off[L] + r * C;
        lsum += softmax_delta_SUFFIX(C, z, yk[r], scale, d + r * C);
    }
    *loss = lsum / (REAL)m;
    REAL g = 0;
    for (int64_t i = L - 1; i >= 0; i--) {
        int64_t ni = n[i], no = n[i + 1];
        const REAL *ap = i ? acts + off[i] : xk;
        REAL *dn = i ? ((d == buf0) ? buf1 : buf0) : 0;
        REAL gl = backward_SUFFIX(m, ni, no, ap, d, Wk[i], bk[i], dn, wt, pad);
        if (gl > g || gl != gl) g = gl;
        if (i) {
            if (relu) relu_mask_SUFFIX(m * ni, dn, ap);
            else { for (int64_t j = 0; j < m * ni; j++) dn[j] *= 1 - ap[j] * ap[j]; }
        }
        d = dn;
    }
    return g;
}

/* numbers of work space tl_sgd_tiled and tl_sgd_tiled_multi need (the last m n[0]: the gathered inputs) */
int64_t tl_sgd_tiled_work_SUFFIX(int64_t L, int64_t m, const int64_t *n)
{
    int64_t tot = 0, wmax = 0;
    for (int64_t i = 1; i <= L; i++) tot += m * n[i];
    for (int64_t i = 0; i <= L; i++) if (n[i] > wmax) wmax = n[i];
    return tot + 2 * m * wmax + tl_wt_size_SUFFIX(L, n) + VL * (wmax + 1 + m) + m * n[0];
}

/* trial k's weight and bias pointers */
static void trial_SUFFIX(int64_t L, int64_t k, const int64_t *n, REAL *const *W, REAL *const *b, REAL **Wk, REAL **bk)
{
    for (int64_t i = 0; i < L; i++) { Wk[i] = W[i] + k * n[i] * n[i + 1]; bk[i] = b[i] + k * n[i + 1]; }
}

/* One SGD step with m >= 1 examples per trial for K trials of an L-layer MLP.
   W[i] (K, n[i], n[i+1]) and b[i] (K, n[i+1]) C-contiguous, updated in place;
   x (K, m, n[0]); y (K, m); work holds tl_sgd_tiled_work numbers.
   scale = r/m is folded into the output delta.
   loss[k] = mean_r (logsumexp(z_r) - z_r[y_r]); gmax[k] = max |step component| (weights and biases). */
int tl_sgd_tiled_SUFFIX(int64_t K, int64_t L, int64_t m, const int64_t *n, REAL *const *W, REAL *const *b,
                        const REAL *x, const int64_t *y, int relu, REAL scale, REAL *work, REAL *loss, REAL *gmax)
{
    REAL *Wk[MAXLAYERS], *bk[MAXLAYERS];
    if (L < 1 || L > MAXLAYERS || m < 1) return -1;
    for (int64_t k = 0; k < K; k++) {
        trial_SUFFIX(L, k, n, W, b, Wk, bk);
        gmax[k] = step_one_SUFFIX(L, m, n, Wk, bk, x + k * m * n[0], y + k * m, relu, scale, work, loss + k);
    }
    return 0;
}

/* S consecutive SGD steps of each of K trials, trial after trial (a trial's weights stay in the core's
   cache across its S steps).  Step s of trial k uses the examples idx[s, k, :] of the training inputs
   xtrain (N, n[0]), gathered here, with labels y[s, k, :]; loss and gmax (S, K) as tl_sgd_tiled's.
   Each step is step_one on the same numbers as a call of tl_sgd_tiled: bitwise the same trajectory. */
int tl_sgd_tiled_multi_SUFFIX(int64_t K, int64_t S, int64_t L, int64_t m, const int64_t *n, REAL *const *W,
                              REAL *const *b, const REAL *xtrain, const int64_t *idx, const int64_t *y, int relu,
                              REAL scale, REAL *work, REAL *loss, REAL *gmax)
{
    REAL *Wk[MAXLAYERS], *bk[MAXLAYERS];
    if (L < 1 || L > MAXLAYERS || m < 1) return -1;
    const int64_t d = n[0];
    REAL *xg = work + tl_sgd_tiled_work_SUFFIX(L, m, n) - m * d;
    for (int64_t k = 0; k < K; k++) {
        trial_SUFFIX(L, k, n, W, b, Wk, bk);
        for (int64_t s = 0; s < S; s++) {
            const int64_t *ix = idx + (s * K + k) * m;
            for (int64_t r = 0; r < m; r++) memcpy(xg + r * d, xtrain + ix[r] * d, d * sizeof(REAL));
            gmax[s * K + k] = step_one_SUFFIX(L, m, n, Wk, bk, xg, y + (s * K + k) * m, relu, scale, work,
                                              loss + s * K + k);
        }
    }
    return 0;
}

/* sum_j v[j]^2 in two vector accumulators (a scalar loop would be one chain of dependent additions) */
INL REAL sumsq_SUFFIX(int64_t n, const REAL *v)
{
    VEC acc0 = {0}, acc1 = {0};
    int64_t j = 0;
    for (; j + 2 * VL <= n; j += 2 * VL) { VEC a = LD(v + j), c = LD(v + j + VL); acc0 += a * a; acc1 += c * c; }
    for (; j + VL <= n; j += VL) { VEC a = LD(v + j); acc0 += a * a; }
    acc0 += acc1;
    REAL s = 0;
    for (int l = 0; l < VL; l++) s += acc0[l];
    for (; j < n; j++) s += v[j] * v[j];
    return s;
}

/* numbers of work space tl_full_grad needs for blocks of B examples */
int64_t tl_full_grad_work_SUFFIX(int64_t L, int64_t B, const int64_t *n)
{
    int64_t tot = 0, wmax = 0;
    for (int64_t i = 1; i <= L; i++) tot += B * n[i];
    for (int64_t i = 0; i <= L; i++) if (n[i] > wmax) wmax = n[i];
    for (int64_t i = 1; i < L; i++) tot += n[i] * n[i + 1];
    return tot + 2 * B * wmax + wmax + VL * (wmax + 1 + B);
}

/* Full-batch gradient of K trials over the N examples x (N, n[0]) with labels y (N,), in blocks of B rows:
   G[i] (K, n[i], n[i+1]) and gb[i] (K, n[i+1]) are overwritten with scale sum_r a_{i,r}^T d_{i+1,r} and
   scale sum_r d_{i+1,r}, d the back-propagated softmax(z) - onehot(y); loss[k] = sum_r l_r,
   sq[k] = sum_r sum_i (|a_{i,r}|^2 + 1) |scale d_{i+1,r}|^2 (the per-example squared gradient norms, in
   double).  Per trial: W_i^T copied once (the deltas are forward products with it, as backward_SUFFIX does
   from TRANSPOSED_M examples on); per block the forward tiles, then per layer the delta below and the
   gradient's update tiles on G with the delta negated (G -= A^T (-d)), so G accumulates over the blocks
   in REAL.  The first layer's delta is never formed. */
int tl_full_grad_SUFFIX(int64_t K, int64_t L, int64_t N, int64_t B, const int64_t *n, REAL *const *W,
                        REAL *const *b, REAL *const *G, REAL *const *gb, const REAL *x, const int64_t *y, int relu,
                        REAL scale, REAL *work, double *loss, double *sq)
{
    REAL *Wk[MAXLAYERS], *bk[MAXLAYERS], *Gk[MAXLAYERS], *gk[MAXLAYERS], *WT[MAXLAYERS];
    int64_t off[MAXLAYERS + 1], tot = 0, wmax = 0;
    if (L < 1 || L > MAXLAYERS || B < 1) return -1;
    for (int64_t i = 1; i <= L; i++) { off[i] = tot; tot += B * n[i]; }
    for (int64_t i = 0; i <= L; i++) if (n[i] > wmax) wmax = n[i];
    REAL *acts = work, *buf0 = work + tot, *buf1 = buf0 + B * wmax, *p = buf1 + B * wmax;
    for (int64_t i = 1; i < L; i++) { WT[i] = p; p += n[i] * n[i + 1]; }
    REAL *zero = p, *pad = zero + wmax;
    for (int64_t j = 0; j < wmax; j++) zero[j] = 0;
    const int64_t C = n[L];
    for (int64_t k = 0; k < K; k++) {
        trial_SUFFIX(L, k, n, W, b, Wk, bk);
        trial_SUFFIX(L, k, n, G, gb, Gk, gk);
        for (int64_t i = 0; i < L; i++) {
            memset(Gk[i], 0, n[i] * n[i + 1] * sizeof(REAL));
            memset(gk[i], 0, n[i + 1] * sizeof(REAL));
            if (i) transpose_SUFFIX(n[i], n[i + 1], Wk[i], WT[i]);
        }
        double lk = 0, qk = 0;
        for (int64_t s0 = 0; s0 < N; s0 += B) {
            const int64_t m = N - s0 < B ? N - s0 : B;
            const REAL *xb = x + s0 * n[0];
            forward_all_SUFFIX(L, m, n, Wk, bk, xb, acts, off, relu, pad, 0);
            REAL *d = buf0;
            for (int64_t r = 0; r < m; r++)
                lk += softmax_delta_SUFFIX(C, acts + off[L] + r * C, y[s0 + r], -scale, d + r * C);
            for (int64_t i = L - 1; i >= 0; i--) {
                int64_t ni = n[i], no = n[i + 1];
                const REAL *ap = i ? acts + off[i] : xb;
                for (int64_t r = 0; r < m; r++)
                    qk += ((double)sumsq_SUFFIX(ni, ap + r * ni) + 1.0) * (double)sumsq_SUFFIX(no, d + r * no);
                REAL *dn = i ? ((d == buf0) ? buf1 : buf0) : 0;
                if (i) forward_SUFFIX(m, no, ni, d, WT[i], zero, dn, pad);
                backward_SUFFIX(m, ni, no, ap, d, Gk[i], gk[i], 0, 0, pad);
                if (i) {
                    if (relu) relu_mask_SUFFIX(m * ni, dn, ap);
                    else { for (int64_t j = 0; j < m * ni; j++) dn[j] *= 1 - ap[j] * ap[j]; }
                }
                d = dn;
            }
        }
        loss[k] = lk;
        sq[k] = qk;
    }
    return 0;
}

/* Predicted class of each of the N examples x (N, n[0]) for K trials, in blocks of B rows: pred[k, r] the first
   index of the largest logit (numpy's argmax: the first NaN if any).  Work: tl_full_grad_work numbers. */
int tl_predict_SUFFIX(int64_t K, int64_t L, int64_t N, int64_t B, const int64_t *n, REAL *const *W,
                      REAL *const *b, const REAL *x, int relu, REAL *work, int64_t *pred)
{
    REAL *Wk[MAXLAYERS], *bk[MAXLAYERS];
    int64_t off[MAXLAYERS + 1], tot = 0;
    if (L < 1 || L > MAXLAYERS || B < 1) return -1;
    for (int64_t i = 1; i <= L; i++) { off[i] = tot; tot += B * n[i]; }
    REAL *pad = work + tot;
    const int64_t C = n[L];
    for (int64_t k = 0; k < K; k++) {
        trial_SUFFIX(L, k, n, W, b, Wk, bk);
        for (int64_t s0 = 0; s0 < N; s0 += B) {
            const int64_t m = N - s0 < B ? N - s0 : B;
            const REAL *a = forward_all_SUFFIX(L, m, n, Wk, bk, x + s0 * n[0], work, off, relu, pad, 0);
            for (int64_t r = 0; r < m; r++) {
                const REAL *z = a + r * C;
                int64_t best = 0;
                if (z[0] == z[0])
                    for (int64_t j = 1; j < C; j++) {
                        if (z[j] != z[j]) { best = j; break; }
                        if (z[j] > z[best]) best = j;
                    }
                pred[k * N + s0 + r] = best;
            }
        }
    }
    return 0;
}
"""

_TYPES = {np.dtype(np.float32): ("f32", "float", "int32_t", "0x7fffffff", "expf", "logf", "tanhf", "fabsf"),
          np.dtype(np.float64): ("f64", "double", "int64_t", "0x7fffffffffffffffLL", "exp", "log", "tanh", "fabs")}
_MACROS = ("REAL", "IREAL", "ABSMASK", "EXP", "LOG", "TANH", "FABS", "MAXLAYERS", "VB", "VEC", "IVEC", "VL", "LD",
           "ST", "INL", "INREG", "HSUM4", "FWD_MR", "BWD_MR", "TRANSPOSED_M")


def _source() -> str:
    parts = [_HEAD]
    for suffix, real, ireal, mask, exp, log, tanh, fabs in _TYPES.values():
        parts.append(f"#define REAL {real}\n#define IREAL {ireal}\n#define ABSMASK ((IREAL){mask})\n#define EXP {exp}\n"
                     f"#define LOG {log}\n#define TANH {tanh}\n#define FABS {fabs}\n")
        parts.append((SOFTMAX_DELTA + _BODY).replace("SUFFIX", suffix))
        parts.append("".join(f"#undef {name}\n" for name in _MACROS))
    return "\n".join(parts)


@functools.lru_cache(maxsize=1)
def _library():
    """The compiled tiled-step library, or None without a compiler."""
    lib = load_library("tl_sgd_tiled", _source(), _FLAGS)
    if lib is None:
        return None
    vp, lp = ctypes.c_void_p, ctypes.c_int64
    bind_steps(lib, "tl_sgd_tiled", lambda scalar: [lp, lp, lp, vp, vp, vp, vp, vp, ctypes.c_int, scalar, vp, vp, vp])
    bind_steps(lib, "tl_sgd_tiled_multi",
               lambda scalar: [lp, lp, lp, lp, vp, vp, vp, vp, vp, vp, ctypes.c_int, scalar, vp, vp, vp])
    bind_steps(lib, "tl_predict", lambda scalar: [lp, lp, lp, lp, vp, vp, vp, vp, ctypes.c_int, vp, vp])
    bind_steps(lib, "tl_full_grad",
               lambda scalar: [lp, lp, lp, lp, vp, vp, vp, vp, vp, vp, vp, ctypes.c_int, scalar, vp, vp, vp])
    for suffix, *_ in _TYPES.values():
        for name in ("tl_sgd_tiled_work", "tl_full_grad_work"):
            work = getattr(lib, f"{name}_{suffix}")
            work.argtypes = [lp, lp, vp]
            work.restype = lp
    return lib


def tiled_kernel(dtype, multi=False):
    """The compiled m ≥ 2 step for ``dtype`` (float32 or float64), or None when unavailable.

    ``multi``: the S-step function (:func:`steps_tiled`) instead of the one-step one.
    """
    return step_function(_library, "tl_sgd_tiled_multi" if multi else "tl_sgd_tiled", dtype)


def step_tiled(params, x, y, kind, scale, ws):
    """One in-place step θ ← θ − Aᵀδ per layer (``scale`` = r/m folded into δ), m ≥ 2, compiled.

    ``x`` (K, m, d) and ``y`` (K, m) are each trial's minibatch.  Returns
    ``(loss, gmax)`` per trial: the minibatch mean loss and the largest
    applied step component (the exact max |r ∇U_b| over weights and
    biases), or None when the kernel or the array layout is unavailable
    (the caller then takes the numpy path).  The argument pointers are
    prepared once per workspace, parameter list and batch size.
    """
    if x.ndim != 3:
        return None
    prepared = _prepared(params, x.shape, ws, False)
    if prepared is None or not (x.dtype == params[0].dtype and x.flags.c_contiguous):
        return None
    (_, _, args, loss, gmax, (sizes, *_)), fn = prepared
    yk = np.ascontiguousarray(y, dtype=np.int64)
    if yk.shape != x.shape[:2] or yk.min() < 0 or yk.max() >= sizes[-1]:
        return None  # labels the kernel would read out of bounds: numpy's indexing reports them
    if fn(*args[:6], x.ctypes.data, yk.ctypes.data, int(kind == "relu"), scale, *args[6:]) != 0:
        return None
    return loss.copy(), gmax.astype(np.float64)


def steps_tiled(params, x_train, idx, labels, kind, scale, ws):
    """S consecutive in-place steps of every trial in one compiled call, trial after trial (m ≥ 1).

    Step s of trial k uses the examples ``x_train[idx[s, k]]`` (gathered
    inside the kernel) with labels ``labels[s, k]``; ``idx`` and ``labels``
    have shape (S, K, m).  Each trial runs its S steps back to back, so its
    weights stay in the core's cache instead of being fetched from the
    outer cache at every step; every step is the arithmetic of
    :func:`step_tiled` (the same compiled function on the same numbers), so
    the trajectory is bitwise that of S calls of it.  Returns ``(loss,
    gmax)`` of shape (S, K) as :func:`step_tiled` per step, or None when
    the kernel or the layout is unavailable.
    """
    if idx.ndim != 3 or x_train.ndim != 2:
        return None
    prepared = _prepared(params, (idx.shape[1], idx.shape[2], x_train.shape[1]), ws, True)
    if prepared is None or not (x_train.dtype == params[0].dtype and x_train.flags.c_contiguous):
        return None
    (_, _, args, _, _, (sizes, *_)), fn = prepared
    return call_steps(fn, args[1:6], args[6], x_train, idx, labels, sizes[-1], kind, scale)


def _prepared(params, shape, ws, multi):
    """(plan, compiled function) for parameters ``params`` and minibatches of ``shape`` (K, m, d), or None.

    The plan (pointer arguments, work space) is made once per workspace,
    parameter list and shape.
    """
    dt = params[0].dtype
    fn = tiled_kernel(dt, multi)
    if fn is None:
        return None
    plan = ws.plans.get("tiled")
    if (plan is None or plan[1] != tuple(shape) or len(plan[0]) != len(params)
            or any(a is not b for a, b in zip(plan[0], params))):
        if not (_ready(params) and shape[0] == params[0].shape[0] and shape[2] == params[0].shape[1]):
            return None
        plan = ws.plans["tiled"] = _plan(params, shape, dt)
    return plan, fn


def _plan(params, shape, dt):
    """(params, x shape, pointer arguments, loss and gmax buffers, the arrays the pointers point into)."""
    L, (K, m, _) = len(params) // 2, shape
    sizes = np.array([params[0].shape[1]] + [params[2 * i].shape[2] for i in range(L)], dtype=np.int64)
    W = np.array([params[2 * i].ctypes.data for i in range(L)], dtype=np.uintp)
    b = np.array([params[2 * i + 1].ctypes.data for i in range(L)], dtype=np.uintp)
    size = getattr(_library(), f"tl_sgd_tiled_work_{_TYPES[dt][0]}")(L, m, sizes.ctypes.data)
    work = np.empty(int(size), dt)
    loss, gmax = np.empty(K, dt), np.empty(K, dt)
    args = (K, L, m, sizes.ctypes.data, W.ctypes.data, b.ctypes.data, work.ctypes.data, loss.ctypes.data,
            gmax.ctypes.data)
    # the plan holds every array its pointers point into (and params), so the pointers stay valid
    return list(params), tuple(shape), args, loss, gmax, (sizes, W, b, work)


#: Examples per block of the compiled full-batch pass (:func:`full_gradient_tiled`): a block's activations and
#: deltas at width 200 (~0.2 MB) stay in the core's second-level cache between the forward and backward passes.
FULL_BLOCK = 128


def _full_plan(params, x, ws, block):
    """(compiled-function suffix, sizes, work) of a full pass of ``params`` over the shared ``x``, or None.

    The work space (the tl_full_grad_work numbers, which also cover a
    prediction pass) is kept in ``ws`` per layer shapes and block.
    """
    dt = params[0].dtype
    if (step_function(_library, "tl_full_grad", dt) is None or x.ndim != 2
            or not (_ready(params) and x.dtype == dt and x.flags.c_contiguous and x.shape[1] == params[0].shape[1])):
        return None
    L, B = len(params) // 2, max(1, min(int(block), x.shape[0]))
    key = (B, tuple(p.shape[1:] for p in params))
    plan = ws.plans.get("full")
    if plan is None or plan[0] != key:
        sizes = np.array([params[0].shape[1]] + [params[2 * i].shape[2] for i in range(L)], dtype=np.int64)
        size = getattr(_library(), f"tl_full_grad_work_{_TYPES[dt][0]}")(L, B, sizes.ctypes.data)
        plan = ws.plans["full"] = (key, sizes, np.empty(int(size), dt))
    return _TYPES[dt][0], B, plan[1], plan[2]


def _pointers(*lists):
    return [np.array([a.ctypes.data for a in arrays], dtype=np.uintp) for arrays in lists]


def predict_tiled(params, x, kind, ws, block=FULL_BLOCK):
    """Predicted class (argmax of the logits) of every example for every trial, (K, N) int64, compiled, or None.

    ``x`` (N, d) is shared by the trials; the forward tiles of the step,
    trial after trial in blocks of ``block`` examples.  The first largest
    logit wins, as numpy's ``argmax`` (the first NaN if any); logits are
    those of :func:`._mlp.ensemble_predict` to rounding.  None when the
    kernel or the layout is unavailable.
    """
    plan = _full_plan(params, x, ws, block)
    if plan is None:
        return None
    suffix, B, sizes, work = plan
    L, K, N = len(params) // 2, params[0].shape[0], x.shape[0]
    pred = np.empty((K, N), np.int64)
    Wp, bp = _pointers(params[::2], params[1::2])
    if getattr(_library(), f"tl_predict_{suffix}")(K, L, N, B, sizes.ctypes.data, Wp.ctypes.data, bp.ctypes.data,
                                                   x.ctypes.data, int(kind == "relu"), work.ctypes.data,
                                                   pred.ctypes.data) != 0:
        return None
    return pred


def full_gradient_tiled(params, x, y, kind, ws, block=FULL_BLOCK):
    """The full-batch gradient of every trial with its per-example squared norms, compiled, or None.

    ``x`` (N, d) and ``y`` (N,) are shared by the K trials.  Returns
    ``(grads, loss, sq)``: fresh arrays ∇U = (1/N) Σ_n ∇ℓ_n in the layout of
    ``params``, the mean loss (K,) and Σ_n ||∇ℓ_n||² (K,), both float64 —
    the quantities of :func:`._mlp.ensemble_gradient` with ``per_sample``,
    by the forward and update tiles of the step (products with the trial's
    Wᵀ copied once per pass for the deltas), in blocks of ``block``
    examples; the gradients are summed over the blocks in the parameters'
    precision.  None when the kernel or the layout is unavailable (the
    caller then takes the numpy path) or a label lies outside the classes.
    """
    plan = _full_plan(params, x, ws, block)
    if plan is None:
        return None
    suffix, B, sizes, work = plan
    L, K, N = len(params) // 2, params[0].shape[0], x.shape[0]
    yk = np.ascontiguousarray(y, dtype=np.int64)
    if yk.shape != (N,) or (N and (yk.min() < 0 or yk.max() >= sizes[-1])):
        return None  # labels the kernel would read out of bounds: numpy's indexing reports them
    grads = [np.empty_like(p) for p in params]
    ptr = _pointers(params[::2], params[1::2], grads[::2], grads[1::2])
    loss, sq = np.empty(K), np.empty(K)
    if getattr(_library(), f"tl_full_grad_{suffix}")(K, L, N, B, sizes.ctypes.data, *(q.ctypes.data for q in ptr),
                                                     x.ctypes.data, yk.ctypes.data, int(kind == "relu"), 1.0 / N,
                                                     work.ctypes.data, loss.ctypes.data, sq.ctypes.data) != 0:
        return None
    return grads, loss / N, sq * float(N) ** 2
