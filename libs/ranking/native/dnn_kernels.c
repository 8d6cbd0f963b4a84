// Dense kernels for the DeepFM DNN as a Node-API addon: a packed single-precision GEMM with an AVX-512 12x32 (or AVX2/FMA
// 6x16) micro-kernel, split over threads with OpenMP, plus the bias/ReLU epilogue and the ReLU/bias backward helpers.
// Inference has its own entry points: an "MLP plan" (all layers' weights packed once, in fp32 or, on CPUs with
// AVX512-BF16, in the pair-interleaved bf16 layout of vdpbf16ps) and a whole-MLP forward in one call, synchronous or
// as Node-API async work on the libuv thread pool.
// Built on first use by src/native-kernels.ts (gcc -O3 -march=native -fopenmp); the DNN falls back to
// TensorFlow.js when it cannot be built or loaded.
#include <immintrin.h>
#include <math.h>
#include <node_api.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
#define MR 12
#define NR 32
#define MC 96
#else
#define MR 6
#define NR 16
#define MC 72
#endif
#ifndef KC
#define KC 256
#endif

// op(A)(i, p) and op(B)(p, j) for row-major storage with leading dimensions lda / ldb.
static inline float elemA(const float *A, int lda, int trans, int i, int p) { return trans ? A[(size_t)p * lda + i] : A[(size_t)i * lda + p]; }
static inline float elemB(const float *B, int ldb, int trans, int p, int j) { return trans ? B[(size_t)j * ldb + p] : B[(size_t)p * ldb + j]; }

// Packs rows i0..i0+mc, depth p0..p0+kc of op(A) into MR-row panels (zero padded).
static void packA(const float *A, int lda, int trans, int i0, int mc, int p0, int kc, float *out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? mc - ir : MR;
    for (int p = 0; p < kc; p++) {
      for (int i = 0; i < MR; i++) *out++ = i < rows ? elemA(A, lda, trans, i0 + ir + i, p0 + p) : 0.0f;
    }
  }
}

// Packs depth p0..p0+kc, columns j0..j0+nc of op(B) into NR-column panels (zero padded).
static void packB(const float *B, int ldb, int trans, int p0, int kc, int j0, int nc, float *out) {
  for (int jr = 0; jr < nc; jr += NR) {
    int cols = nc - jr < NR ? nc - jr : NR;
    float *panel = out + (size_t)jr * kc;
    if (!trans && cols == NR) {
      for (int p = 0; p < kc; p++) memcpy(panel + (size_t)p * NR, B + (size_t)(p0 + p) * ldb + j0 + jr, NR * sizeof(float));
    } else if (trans) {
      // op(B)(p, j) = B[j][p]: read each source row contiguously, scatter into the panel's column j.
      for (int j = 0; j < NR; j++) {
        if (j < cols) {
          const float *src = B + (size_t)(j0 + jr + j) * ldb + p0;
          for (int p = 0; p < kc; p++) panel[(size_t)p * NR + j] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[(size_t)p * NR + j] = 0.0f;
        }
      }
    } else {
      for (int p = 0; p < kc; p++) {
        for (int j = 0; j < NR; j++) panel[(size_t)p * NR + j] = j < cols ? elemB(B, ldb, trans, p0 + p, j0 + jr + j) : 0.0f;
      }
    }
  }
}

#if defined(__AVX512F__)
typedef __m512 vec;
#define VW 16
#define vzero _mm512_setzero_ps
#define vload _mm512_loadu_ps
#define vstore _mm512_storeu_ps
#define vadd _mm512_add_ps
#define vfmadd _mm512_fmadd_ps
#define vbroadcast(p) _mm512_set1_ps(*(p))
#else
typedef __m256 vec;
#define VW 8
#define vzero _mm256_setzero_ps
#define vload _mm256_loadu_ps
#define vstore _mm256_storeu_ps
#define vadd _mm256_add_ps
#define vfmadd _mm256_fmadd_ps
#define vbroadcast(p) _mm256_broadcast_ss(p)
#endif

// C[0..rows, 0..cols] (+)= Apanel · Bpanel over kc: MR × NR accumulators in 2·MR vector registers.
static void micro_kernel(int kc, const float *a, const float *b, float *C, int ldc, int accumulate, int rows, int cols) {
  vec c[MR][2];
  for (int i = 0; i < MR; i++) c[i][0] = c[i][1] = vzero();
  for (int p = 0; p < kc; p++) {
    vec b0 = vload(b);
    vec b1 = vload(b + VW);
    for (int i = 0; i < MR; i++) {
      vec ai = vbroadcast(a + i);
      c[i][0] = vfmadd(ai, b0, c[i][0]);
      c[i][1] = vfmadd(ai, b1, c[i][1]);
    }
    a += MR;
    b += NR;
  }
  if (rows == MR && cols == NR) {
    for (int i = 0; i < MR; i++) {
      float *row = C + (size_t)i * ldc;
      if (accumulate) {
        vstore(row, vadd(vload(row), c[i][0]));
        vstore(row + VW, vadd(vload(row + VW), c[i][1]));
      } else {
        vstore(row, c[i][0]);
        vstore(row + VW, c[i][1]);
      }
    }
  } else {
    float tmp[MR * NR];
    for (int i = 0; i < MR; i++) {
      vstore(tmp + i * NR, c[i][0]);
      vstore(tmp + i * NR + VW, c[i][1]);
    }
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        if (accumulate) C[(size_t)i * ldc + j] += tmp[i * NR + j];
        else C[(size_t)i * ldc + j] = tmp[i * NR + j];
      }
    }
  }
}

// C (m×n, ldc) = op(A) (m×k) · op(B) (k×n), row-major.
static void sgemm(int transA, int transB, int m, int n, int k, const float *A, int lda, const float *B, int ldb, float *C, int ldc) {
  int npad = (n + NR - 1) / NR * NR;
  float *Bp = aligned_alloc(64, (size_t)KC * npad * sizeof(float) + 64);
  for (int p0 = 0; p0 < k; p0 += KC) {
    int kc = k - p0 < KC ? k - p0 : KC;
    int accumulate = p0 > 0;
    int panels = npad / NR;
#pragma omp parallel
    {
#pragma omp for schedule(dynamic, 1)
      for (int jp = 0; jp < panels; jp++) {
        int j0 = jp * NR;
        packB(B, ldb, transB, p0, kc, j0, n - j0 < NR ? n - j0 : NR, Bp + (size_t)j0 * kc);
      }
      float *Ap = aligned_alloc(64, (size_t)MC * KC * sizeof(float) + 64);
      int blocks = (m + MC - 1) / MC;
#pragma omp for schedule(dynamic, 1)
      for (int blk = 0; blk < blocks; blk++) {
        int i0 = blk * MC;
        int mc = m - i0 < MC ? m - i0 : MC;
        packA(A, lda, transA, i0, mc, p0, kc, Ap);
        for (int j0 = 0; j0 < n; j0 += NR) {
          int cols = n - j0 < NR ? n - j0 : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int rows = mc - ir < MR ? mc - ir : MR;
            micro_kernel(kc, Ap + (size_t)ir * kc, Bp + (size_t)j0 * kc, C + (size_t)(i0 + ir) * ldc + j0, ldc, accumulate, rows, cols);
          }
        }
      }
      free(Ap);
    }
  }
  free(Bp);
}

// ---------------------------------------------------------------- inference MLP

// A plan is one byte buffer: this header, then per layer its packed weights and its bias (64-byte aligned
// offsets from the start of the plan). Layers 0..L-2 are hidden (bias + ReLU); the last layer has one output and
// runs as an fp32 dot product in either precision (its cost is negligible and it keeps the logit in fp32).
#define PLAN_MAGIC 0x31504c4d
#define PLAN_MAX_LAYERS 32
#define PRECISION_FP32 0
#define PRECISION_BF16 1
// bf16 tiles: IMR rows × INR columns, plus one IMR × 16 tile for a remainder of 16 columns; hidden widths are
// padded to 16 (zero weights and biases, so the padded activations are ReLU(0) = 0 and the next layer's padded
// input rows multiply zeros) and batches to IMR rows.
#define IMR 12
#define INR 32

typedef struct {
  int32_t magic;
  int32_t precision;
  int32_t layers;
  int32_t reserved;
  int64_t bytes;
  int32_t sizes[PLAN_MAX_LAYERS + 1];
  /** bf16: padded input / output widths of each hidden layer. */
  int32_t kpad[PLAN_MAX_LAYERS];
  int32_t npad[PLAN_MAX_LAYERS];
  int64_t weightOffset[PLAN_MAX_LAYERS];
  int64_t biasOffset[PLAN_MAX_LAYERS];
} MlpPlan;

static int g_threads = 1;

static inline int roundUp(int x, int m) { return (x + m - 1) / m * m; }
static inline int64_t align64(int64_t x) { return (x + 63) & ~(int64_t)63; }

#if defined(__AVX512BF16__)
#define HAVE_BF16 1
#else
#define HAVE_BF16 0
#endif

// Fills the header's widths and offsets for `layers` layers of `sizes`; returns the plan's total size in bytes.
static int64_t planLayout(MlpPlan *plan, const int32_t *sizes, int layers, int precision) {
  memset(plan, 0, sizeof(*plan));
  plan->magic = PLAN_MAGIC;
  plan->precision = precision;
  plan->layers = layers;
  for (int i = 0; i <= layers; i++) plan->sizes[i] = sizes[i];
  int64_t at = align64(sizeof(MlpPlan));
  for (int i = 0; i < layers; i++) {
    int k = sizes[i], n = sizes[i + 1];
    int hidden = i < layers - 1;
    int64_t weightBytes, biasBytes;
    if (precision == PRECISION_BF16 && hidden) {
      plan->kpad[i] = roundUp(k, 16);
      plan->npad[i] = roundUp(n, 16);
      weightBytes = (int64_t)plan->kpad[i] * plan->npad[i] * 2;
      biasBytes = (int64_t)plan->npad[i] * 4;
    } else {
      plan->kpad[i] = k;
      plan->npad[i] = n;
      weightBytes = (int64_t)k * n * 4;
      biasBytes = (int64_t)n * 4;
    }
    plan->weightOffset[i] = at;
    at = align64(at + weightBytes);
    plan->biasOffset[i] = at;
    at = align64(at + biasBytes);
  }
  plan->bytes = at;
  return at;
}

#if HAVE_BF16
// fp32 → bf16, round to nearest even (NaN stays NaN), as vcvtneps2bf16 rounds.
static inline uint16_t toBf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

// Packs W (k × n, row-major) for the bf16 tiles: per panel of INR columns (the last may have 16), per input pair
// (2p, 2p+1), groups of 16 columns, each as 16 interleaved pairs (W[2p][j], W[2p+1][j]) — the operand layout of
// _mm512_dpbf16_ps. Panel jp starts at jp · INR · kpad.
static void packBf16(const float *W, int k, int n, int kpad, int npad, uint16_t *out) {
  for (int j0 = 0; j0 < npad; j0 += INR) {
    int width = npad - j0 < INR ? npad - j0 : INR;
    uint16_t *panel = out + (size_t)j0 * kpad;
    for (int p = 0; p < kpad / 2; p++) {
      for (int part = 0; part < width / 16; part++) {
        for (int l = 0; l < 16; l++) {
          int col = j0 + part * 16 + l;
          for (int e = 0; e < 2; e++) {
            int row = 2 * p + e;
            panel[(size_t)p * 2 * width + part * 32 + 2 * l + e] = row < k && col < n ? toBf16(W[(size_t)row * n + col]) : 0;
          }
        }
      }
    }
  }
}
#endif

// Per-thread scratch for the forward pass (each libuv worker and the main thread keep their own; grown on demand).
static __thread uint8_t *tlsScratch = NULL;
static __thread size_t tlsScratchBytes = 0;

static uint8_t *threadScratch(size_t bytes) {
  if (bytes > tlsScratchBytes) {
    free(tlsScratch);
    tlsScratchBytes = (size_t)align64((int64_t)bytes);
    tlsScratch = aligned_alloc(64, tlsScratchBytes);
    if (!tlsScratch) tlsScratchBytes = 0;
  }
  return tlsScratch;
}

// out[b] = bias + Σ_j H[b][j] · w[j] (the 1-output last layer, fp32).
static void headForward(const float *H, int ld, int k, int batch, const float *w, float bias, float *out) {
#if defined(__AVX512F__)
  __mmask16 tail = (__mmask16)((1u << (k & 15)) - 1);
  int body = k & ~15;
  for (int b = 0; b < batch; b++) {
    const float *row = H + (size_t)b * ld;
    __m512 acc = _mm512_setzero_ps();
    for (int j = 0; j < body; j += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(row + j), _mm512_loadu_ps(w + j), acc);
    if (tail) acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, row + body), _mm512_maskz_loadu_ps(tail, w + body), acc);
    out[b] = bias + _mm512_reduce_add_ps(acc);
  }
#else
  for (int b = 0; b < batch; b++) {
    const float *row = H + (size_t)b * ld;
    float acc = 0;
    for (int j = 0; j < k; j++) acc += row[j] * w[j];
    out[b] = bias + acc;
  }
#endif
}

#if HAVE_BF16
// x (batch × k fp32) → bf16 rows of width kpad (a multiple of 16), rows batch..mpad and columns k..kpad zero.
static void toBf16Rows(const float *x, int batch, int k, int mpad, int kpad, uint16_t *out) {
  for (int r = 0; r < mpad; r++) {
    uint16_t *dst = out + (size_t)r * kpad;
    if (r >= batch) {
      memset(dst, 0, (size_t)kpad * 2);
      continue;
    }
    const float *src = x + (size_t)r * k;
    for (int j = 0; j < kpad; j += 16) {
      int left = k - j;
      __mmask16 mask = left >= 16 ? 0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : 0;
      _mm256_storeu_si256((__m256i *)(dst + j), (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, src + j)));
    }
  }
}

// One IMR × (16 · nv) tile of ReLU(A · W + bias), nv = 1 or 2: A bf16 rows (lda), the packed panel, fp32
// accumulation; stored as bf16 (input of the next hidden layer) or fp32 (input of the last layer).
static inline __attribute__((always_inline)) void tileBf16(int nv, int kpairs, const uint16_t *A, int lda, const uint16_t *B, const float *bias, uint16_t *outB, float *outF, int ldo) {
  __m512 c[IMR][2];
  for (int i = 0; i < IMR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
  for (int p = 0; p < kpairs; p++) {
    __m512bh b0 = (__m512bh)_mm512_loadu_si512(B + (size_t)p * 32 * nv);
    __m512bh b1 = nv == 2 ? (__m512bh)_mm512_loadu_si512(B + (size_t)p * 64 + 32) : b0;
    for (int i = 0; i < IMR; i++) {
      int32_t pair;
      memcpy(&pair, A + (size_t)i * lda + 2 * p, 4);
      __m512bh a = (__m512bh)_mm512_set1_epi32(pair);
      c[i][0] = _mm512_dpbf16_ps(c[i][0], a, b0);
      if (nv == 2) c[i][1] = _mm512_dpbf16_ps(c[i][1], a, b1);
    }
  }
  __m512 zero = _mm512_setzero_ps();
  __m512 bias0 = _mm512_loadu_ps(bias), bias1 = nv == 2 ? _mm512_loadu_ps(bias + 16) : zero;
  for (int i = 0; i < IMR; i++) {
    __m512 lo = _mm512_max_ps(_mm512_add_ps(c[i][0], bias0), zero);
    if (nv == 2) {
      __m512 hi = _mm512_max_ps(_mm512_add_ps(c[i][1], bias1), zero);
      if (outB) {
        _mm512_storeu_si512(outB + (size_t)i * ldo, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
      } else {
        _mm512_storeu_ps(outF + (size_t)i * ldo, lo);
        _mm512_storeu_ps(outF + (size_t)i * ldo + 16, hi);
      }
    } else if (outB) {
      _mm256_storeu_si256((__m256i *)(outB + (size_t)i * ldo), (__m256i)_mm512_cvtneps_pbh(lo));
    } else {
      _mm512_storeu_ps(outF + (size_t)i * ldo, lo);
    }
  }
}

// One hidden layer: A (mpad × kpad bf16) → ReLU(A·W + b) as mpad × npad bf16 (outB) or fp32 (outF).
static void hiddenBf16(const uint16_t *A, int mpad, int kpad, const uint16_t *W, const float *bias, int npad, uint16_t *outB, float *outF, int threads) {
  int panels = (npad + INR - 1) / INR;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int jp = 0; jp < panels; jp++) {
    int j0 = jp * INR;
    const uint16_t *panel = W + (size_t)j0 * kpad;
    for (int i0 = 0; i0 < mpad; i0 += IMR) {
      size_t at = (size_t)i0 * npad + j0;
      const uint16_t *a = A + (size_t)i0 * kpad;
      uint16_t *ob = outB ? outB + at : NULL;
      float *of = outF ? outF + at : NULL;
      if (npad - j0 >= INR) tileBf16(2, kpad / 2, a, kpad, panel, bias + j0, ob, of, npad);
      else tileBf16(1, kpad / 2, a, kpad, panel, bias + j0, ob, of, npad);
    }
  }
}

static int forwardBf16(const MlpPlan *plan, const float *x, int batch, float *out, int threads) {
  const uint8_t *base = (const uint8_t *)plan;
  int L = plan->layers;
  if (L == 1) {
    headForward(x, plan->sizes[0], plan->sizes[0], batch, (const float *)(base + plan->weightOffset[0]), *(const float *)(base + plan->biasOffset[0]), out);
    return 1;
  }
  int mpad = roundUp(batch, IMR);
  int width = 0;
  for (int i = 0; i < L - 1; i++) width = plan->kpad[i] > width ? plan->kpad[i] : width;
  for (int i = 0; i < L - 1; i++) width = plan->npad[i] > width ? plan->npad[i] : width;
  size_t actBytes = (size_t)align64((int64_t)mpad * width * 2);
  size_t headBytes = (size_t)mpad * plan->npad[L - 2] * 4;
  uint8_t *scratch = threadScratch(2 * actBytes + headBytes);
  if (!scratch) return 0;
  uint16_t *act[2] = {(uint16_t *)scratch, (uint16_t *)(scratch + actBytes)};
  float *last = (float *)(scratch + 2 * actBytes);
  toBf16Rows(x, batch, plan->sizes[0], mpad, plan->kpad[0], act[0]);
  for (int i = 0; i < L - 1; i++) {
    const uint16_t *W = (const uint16_t *)(base + plan->weightOffset[i]);
    const float *bias = (const float *)(base + plan->biasOffset[i]);
    int final = i == L - 2;
    hiddenBf16(act[i & 1], mpad, plan->kpad[i], W, bias, plan->npad[i], final ? NULL : act[(i + 1) & 1], final ? last : NULL, threads);
  }
  headForward(last, plan->npad[L - 2], plan->sizes[L - 1], batch, (const float *)(base + plan->weightOffset[L - 1]), *(const float *)(base + plan->biasOffset[L - 1]), out);
  return 1;
}
#endif

static int forwardFp32(const MlpPlan *plan, const float *x, int batch, float *out, int threads) {
  const uint8_t *base = (const uint8_t *)plan;
  int L = plan->layers;
  int width = 0;
  for (int i = 1; i < L; i++) width = plan->sizes[i] > width ? plan->sizes[i] : width;
  size_t bufBytes = (size_t)align64((int64_t)batch * width * 4);
  uint8_t *scratch = threadScratch(2 * bufBytes);
  if (!scratch && L > 1) return 0;
  omp_set_num_threads(threads);
  const float *h = x;
  for (int i = 0; i < L - 1; i++) {
    int k = plan->sizes[i], n = plan->sizes[i + 1];
    float *o = (float *)(scratch + (size_t)(i & 1) * bufBytes);
    const float *bias = (const float *)(base + plan->biasOffset[i]);
    sgemm(0, 0, batch, n, k, h, k, (const float *)(base + plan->weightOffset[i]), n, o, n);
    for (int b = 0; b < batch; b++) {
      float *row = o + (size_t)b * n;
      for (int j = 0; j < n; j++) {
        float v = row[j] + bias[j];
        row[j] = v < 0 ? 0 : v;
      }
    }
    h = o;
  }
  int k = plan->sizes[L - 1];
  headForward(h, k, k, batch, (const float *)(base + plan->weightOffset[L - 1]), *(const float *)(base + plan->biasOffset[L - 1]), out);
  return 1;
}

// Runs the plan on x (batch × sizes[0]) into out[batch]; 0 when scratch memory could not be allocated.
static int mlpForward(const MlpPlan *plan, const float *x, int batch, float *out, int threads) {
#if HAVE_BF16
  if (plan->precision == PRECISION_BF16) return forwardBf16(plan, x, batch, out, threads);
#endif
  return forwardFp32(plan, x, batch, out, threads);
}

// ---------------------------------------------------------------- Node-API glue

static float *floatArg(napi_env env, napi_value v, size_t *length) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, NULL, "expected a Float32Array");
    return NULL;
  }
  if (length) *length = len;
  return (float *)data;
}

static int intArg(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

// gemm(transA, transB, m, n, k, A, B, C): C = op(A)·op(B) with tight leading dimensions.
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 8) {
    napi_throw_error(env, NULL, "gemm expects 8 arguments");
    return NULL;
  }
  int tA = intArg(env, argv[0]), tB = intArg(env, argv[1]);
  int m = intArg(env, argv[2]), n = intArg(env, argv[3]), k = intArg(env, argv[4]);
  size_t la, lb, lc;
  float *A = floatArg(env, argv[5], &la);
  if (!A) return NULL;
  float *B = floatArg(env, argv[6], &lb);
  if (!B) return NULL;
  float *C = floatArg(env, argv[7], &lc);
  if (!C) return NULL;
  if (m <= 0 || n <= 0 || k <= 0 || la < (size_t)m * k || lb < (size_t)k * n || lc < (size_t)m * n) {
    napi_throw_range_error(env, NULL, "gemm: array too small for the given sizes");
    return NULL;
  }
  sgemm(tA, tB, m, n, k, A, tA ? m : k, B, tB ? k : n, C, n);
  return NULL;
}

// biasActivation(C, bias, m, n, relu): C[i][j] += bias[j], then max(0, ·) when relu.
static napi_value BiasActivation(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t lc, lb;
  float *C = floatArg(env, argv[0], &lc);
  if (!C) return NULL;
  float *bias = floatArg(env, argv[1], &lb);
  if (!bias) return NULL;
  int m = intArg(env, argv[2]), n = intArg(env, argv[3]), relu = intArg(env, argv[4]);
  if (lc < (size_t)m * n || lb < (size_t)n) {
    napi_throw_range_error(env, NULL, "biasActivation: array too small");
    return NULL;
  }
#pragma omp parallel for schedule(static)
  for (int i = 0; i < m; i++) {
    float *row = C + (size_t)i * n;
    for (int j = 0; j < n; j++) {
      float x = row[j] + bias[j];
      row[j] = relu && x < 0 ? 0 : x;
    }
  }
  return NULL;
}

// reluBackward(dH, act, count): dH[i] = 0 where act[i] <= 0.
static napi_value ReluBackward(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t ld, la;
  float *d = floatArg(env, argv[0], &ld);
  if (!d) return NULL;
  float *a = floatArg(env, argv[1], &la);
  if (!a) return NULL;
  int count = intArg(env, argv[2]);
  if (ld < (size_t)count || la < (size_t)count) {
    napi_throw_range_error(env, NULL, "reluBackward: array too small");
    return NULL;
  }
  for (int i = 0; i < count; i++) if (a[i] <= 0) d[i] = 0;
  return NULL;
}

// columnSums(out, X, m, n): out[j] = Σ_i X[i][j].
static napi_value ColumnSums(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t lo, lx;
  float *out = floatArg(env, argv[0], &lo);
  if (!out) return NULL;
  float *X = floatArg(env, argv[1], &lx);
  if (!X) return NULL;
  int m = intArg(env, argv[2]), n = intArg(env, argv[3]);
  if (lo < (size_t)n || lx < (size_t)m * n) {
    napi_throw_range_error(env, NULL, "columnSums: array too small");
    return NULL;
  }
  memset(out, 0, (size_t)n * sizeof(float));
  for (int i = 0; i < m; i++) {
    const float *row = X + (size_t)i * n;
    for (int j = 0; j < n; j++) out[j] += row[j];
  }
  return NULL;
}

// adam(params, grads, m, v, alpha, beta1, beta2, epsilon): one dense Adam step with the bias-corrected rate alpha.
static napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 8) {
    napi_throw_error(env, NULL, "adam expects 8 arguments");
    return NULL;
  }
  size_t lp, lg, lm, lv;
  float *x = floatArg(env, argv[0], &lp);
  if (!x) return NULL;
  float *g = floatArg(env, argv[1], &lg);
  if (!g) return NULL;
  float *m = floatArg(env, argv[2], &lm);
  if (!m) return NULL;
  float *v = floatArg(env, argv[3], &lv);
  if (!v) return NULL;
  if (lg < lp || lm < lp || lv < lp) {
    napi_throw_range_error(env, NULL, "adam: arrays differ in length");
    return NULL;
  }
  double a, b1, b2, e;
  napi_get_value_double(env, argv[4], &a);
  napi_get_value_double(env, argv[5], &b1);
  napi_get_value_double(env, argv[6], &b2);
  napi_get_value_double(env, argv[7], &e);
  const float alpha = (float)a, c1 = (float)(1 - b1), c2 = (float)(1 - b2), eps = (float)e;
  for (size_t j = 0; j < lp; j++) {
    float gj = g[j];
    float mj = m[j] + c1 * (gj - m[j]);
    float vj = v[j] + c2 * (gj * gj - v[j]);
    m[j] = mj;
    v[j] = vj;
    x[j] -= alpha * mj / (sqrtf(vj) + eps);
  }
  return NULL;
}

// lazyAdam(state, stride, dim, rowIds, count, grads, alpha, beta1, beta2, epsilon): Adam on the given rows of
// an embedding table whose rows are [x(dim) m(dim) v(dim) ...] every `stride` floats; grads: count × dim.
static napi_value LazyAdam(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 10) {
    napi_throw_error(env, NULL, "lazyAdam expects 10 arguments");
    return NULL;
  }
  size_t ls, lg;
  float *state = floatArg(env, argv[0], &ls);
  if (!state) return NULL;
  int stride = intArg(env, argv[1]), dim = intArg(env, argv[2]);
  napi_typedarray_type type;
  size_t lr;
  void *rowData;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[3], &type, &lr, &rowData, &buffer, &offset) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "lazyAdam: rowIds must be an Int32Array");
    return NULL;
  }
  const int32_t *rows = (const int32_t *)rowData;
  int count = intArg(env, argv[4]);
  float *g = floatArg(env, argv[5], &lg);
  if (!g) return NULL;
  if (count < 0 || (size_t)count > lr || lg < (size_t)count * dim || stride < 3 * dim) {
    napi_throw_range_error(env, NULL, "lazyAdam: bad sizes");
    return NULL;
  }
  double a, b1, b2, e;
  napi_get_value_double(env, argv[6], &a);
  napi_get_value_double(env, argv[7], &b1);
  napi_get_value_double(env, argv[8], &b2);
  napi_get_value_double(env, argv[9], &e);
  const float alpha = (float)a, c1 = (float)(1 - b1), c2 = (float)(1 - b2), eps = (float)e;
  size_t rowsInTable = ls / (size_t)stride;
  for (int i = 0; i < count; i++) {
    if (rows[i] < 0 || (size_t)rows[i] >= rowsInTable) {
      napi_throw_range_error(env, NULL, "lazyAdam: row id outside the table");
      return NULL;
    }
    float *x = state + (size_t)rows[i] * stride;
    float *m = x + dim;
    float *v = m + dim;
    const float *gi = g + (size_t)i * dim;
    for (int d = 0; d < dim; d++) {
      float gj = gi[d];
      float mj = m[d] + c1 * (gj - m[d]);
      float vj = v[d] + c2 * (gj * gj - v[d]);
      m[d] = mj;
      v[d] = vj;
      x[d] -= alpha * mj / (sqrtf(vj) + eps);
    }
  }
  return NULL;
}

// mlpPlan(sizes: Int32Array, weights: Float32Array[], biases: Float32Array[], precision: 0 fp32 | 1 bf16): a new
// Uint8Array holding the packed parameters (a copy: later changes to the weights need a new plan).
static napi_value MlpPlanCreate(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 4) {
    napi_throw_error(env, NULL, "mlpPlan expects 4 arguments");
    return NULL;
  }
  napi_typedarray_type type;
  size_t count;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &count, &data, &buffer, &offset) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "mlpPlan: sizes must be an Int32Array");
    return NULL;
  }
  const int32_t *sizes = (const int32_t *)data;
  int layers = (int)count - 1;
  int precision = intArg(env, argv[3]);
  if (layers < 1 || layers > PLAN_MAX_LAYERS) {
    napi_throw_range_error(env, NULL, "mlpPlan: between 1 and 32 layers");
    return NULL;
  }
  for (int i = 0; i <= layers; i++) {
    if (sizes[i] <= 0 || sizes[i] > (1 << 20)) {
      napi_throw_range_error(env, NULL, "mlpPlan: layer sizes must be positive");
      return NULL;
    }
  }
  if (sizes[layers] != 1) {
    napi_throw_range_error(env, NULL, "mlpPlan: the last layer must have one output");
    return NULL;
  }
  if (precision != PRECISION_FP32 && !(precision == PRECISION_BF16 && HAVE_BF16)) {
    napi_throw_range_error(env, NULL, "mlpPlan: precision must be 0 (fp32) or 1 (bf16, only where built with AVX512-BF16)");
    return NULL;
  }
  MlpPlan header;
  int64_t bytes = planLayout(&header, sizes, layers, precision);
  void *planData;
  napi_value arrayBuffer, result;
  if (napi_create_arraybuffer(env, (size_t)bytes, &planData, &arrayBuffer) != napi_ok) {
    napi_throw_error(env, NULL, "mlpPlan: out of memory");
    return NULL;
  }
  uint8_t *base = (uint8_t *)planData;
  memset(base, 0, (size_t)bytes);
  memcpy(base, &header, sizeof(header));
  for (int i = 0; i < layers; i++) {
    napi_value w, b;
    size_t lw, lb;
    napi_get_element(env, argv[1], (uint32_t)i, &w);
    napi_get_element(env, argv[2], (uint32_t)i, &b);
    const float *W = floatArg(env, w, &lw);
    if (!W) return NULL;
    const float *B = floatArg(env, b, &lb);
    if (!B) return NULL;
    int k = sizes[i], n = sizes[i + 1];
    if (lw != (size_t)k * n || lb != (size_t)n) {
      napi_throw_range_error(env, NULL, "mlpPlan: weights[i] must hold sizes[i] × sizes[i+1] values and biases[i] sizes[i+1]");
      return NULL;
    }
#if HAVE_BF16
    if (precision == PRECISION_BF16 && i < layers - 1) {
      packBf16(W, k, n, header.kpad[i], header.npad[i], (uint16_t *)(base + header.weightOffset[i]));
    } else
#endif
    {
      memcpy(base + header.weightOffset[i], W, (size_t)k * n * 4);
    }
    memcpy(base + header.biasOffset[i], B, (size_t)n * 4);
  }
  napi_create_typedarray(env, napi_uint8_array, (size_t)bytes, arrayBuffer, 0, &result);
  return result;
}

// Reads and checks the forward arguments (plan, x, batch, out) of `name`; returns the plan or NULL after throwing.
static const MlpPlan *forwardArgs(napi_env env, napi_callback_info info, const char *name, napi_value *argv, const float **x, int *batch, float **out) {
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 4) {
    char message[64];
    snprintf(message, sizeof message, "%s expects 4 arguments", name);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "mlpForward: plan must be the Uint8Array from mlpPlan");
    return NULL;
  }
  const MlpPlan *plan = (const MlpPlan *)data;
  if (length < sizeof(MlpPlan) || plan->magic != PLAN_MAGIC || plan->bytes != (int64_t)length) {
    napi_throw_type_error(env, NULL, "mlpForward: plan must be the Uint8Array from mlpPlan");
    return NULL;
  }
  size_t lx, lo;
  *x = floatArg(env, argv[1], &lx);
  if (!*x) return NULL;
  *batch = intArg(env, argv[2]);
  *out = floatArg(env, argv[3], &lo);
  if (!*out) return NULL;
  if (*batch <= 0 || lx < (size_t)*batch * plan->sizes[0] || lo < (size_t)*batch) {
    napi_throw_range_error(env, NULL, "mlpForward: batch must be positive, x hold batch × input values and out batch values");
    return NULL;
  }
  return plan;
}

// mlpForward(plan, x, batch, out): out[b] = MLP(x[b]) on this thread.
static napi_value MlpForwardSync(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const float *x;
  float *out;
  int batch;
  const MlpPlan *plan = forwardArgs(env, info, "mlpForward", argv, &x, &batch, &out);
  if (!plan) return NULL;
  if (!mlpForward(plan, x, batch, out, g_threads)) napi_throw_error(env, NULL, "mlpForward: out of memory");
  return NULL;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  /** The plan, x and out stay referenced (so neither collected nor freed) until the work completes. */
  napi_ref refs[3];
  const MlpPlan *plan;
  const float *x;
  float *out;
  int batch;
  int threads;
  int ok;
} ForwardWork;

static void forwardExecute(napi_env env, void *data) {
  (void)env;
  ForwardWork *w = (ForwardWork *)data;
  w->ok = mlpForward(w->plan, w->x, w->batch, w->out, w->threads);
}

static void forwardComplete(napi_env env, napi_status status, void *data) {
  ForwardWork *w = (ForwardWork *)data;
  for (int i = 0; i < 3; i++) napi_delete_reference(env, w->refs[i]);
  if (status == napi_ok && w->ok) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, w->deferred, undefined);
  } else {
    napi_value message, error;
    napi_create_string_utf8(env, status == napi_cancelled ? "mlpForwardAsync: cancelled" : "mlpForwardAsync: out of memory", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, w->deferred, error);
  }
  napi_delete_async_work(env, w->work);
  free(w);
}

// mlpForwardAsync(plan, x, batch, out): Promise<void>; the forward runs on the libuv thread pool. The caller must
// leave x and out untouched until the promise settles.
static napi_value MlpForwardAsync(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const float *x;
  float *out;
  int batch;
  const MlpPlan *plan = forwardArgs(env, info, "mlpForwardAsync", argv, &x, &batch, &out);
  if (!plan) return NULL;
  ForwardWork *w = calloc(1, sizeof(ForwardWork));
  if (!w) {
    napi_throw_error(env, NULL, "mlpForwardAsync: out of memory");
    return NULL;
  }
  w->plan = plan;
  w->x = x;
  w->out = out;
  w->batch = batch;
  w->threads = g_threads;
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  for (int i = 0; i < 3; i++) napi_create_reference(env, argv[i == 0 ? 0 : i == 1 ? 1 : 3], 1, &w->refs[i]);
  napi_create_string_utf8(env, "cascade.mlpForward", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, forwardExecute, forwardComplete, w, &w->work);
  if (napi_queue_async_work(env, w->work) != napi_ok) {
    for (int i = 0; i < 3; i++) napi_delete_reference(env, w->refs[i]);
    napi_delete_async_work(env, w->work);
    napi_value message, error;
    napi_create_string_utf8(env, "mlpForwardAsync: could not queue the work", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, w->deferred, error);
    free(w);
  }
  return promise;
}

// bf16Supported(): whether this build has the bf16 inference kernels (compiled for a CPU with AVX512-BF16).
static napi_value Bf16Supported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, HAVE_BF16, &result);
  return result;
}

// setThreads(n): OpenMP threads for the kernels.
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int n = intArg(env, argv[0]);
  if (n > 0) {
    omp_set_num_threads(n);
    g_threads = n;
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_default, NULL},
      {"biasActivation", NULL, BiasActivation, NULL, NULL, NULL, napi_default, NULL},
      {"reluBackward", NULL, ReluBackward, NULL, NULL, NULL, napi_default, NULL},
      {"columnSums", NULL, ColumnSums, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_default, NULL},
      {"lazyAdam", NULL, LazyAdam, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"mlpPlan", NULL, MlpPlanCreate, NULL, NULL, NULL, napi_default, NULL},
      {"mlpForward", NULL, MlpForwardSync, NULL, NULL, NULL, napi_default, NULL},
      {"mlpForwardAsync", NULL, MlpForwardAsync, NULL, NULL, NULL, napi_default, NULL},
      {"bf16Supported", NULL, Bf16Supported, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
