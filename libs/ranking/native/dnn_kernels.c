// Dense kernels for the DeepFM DNN as a Node-API addon: a packed single-precision GEMM with an AVX-512 12x32 (or AVX2/FMA
// 6x16) micro-kernel, split over threads with OpenMP, plus the bias/ReLU epilogue and the ReLU/bias backward helpers.
// Built on first use by src/native-kernels.ts (gcc -O3 -march=native -fopenmp); the DNN falls back to
// TensorFlow.js when it cannot be built or loaded.
#include <immintrin.h>
#include <math.h>
#include <node_api.h>
#include <omp.h>
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

// setThreads(n): OpenMP threads for the kernels.
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int n = intArg(env, argv[0]);
  if (n > 0) omp_set_num_threads(n);
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
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
