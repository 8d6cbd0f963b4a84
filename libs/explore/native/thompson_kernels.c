// Thompson-sampling slot filling as a Node-API addon: the served ranking (top-k of one Beta posterior draw per
// arm) and the Monte-Carlo slot propensities (D further independent rankings), in one call, exactly as
// ThompsonPolicy.fillSlots defines them but without drawing what cannot matter (see fillRankings). The
// generators are xoshiro256++ seeded from the caller's FastRandom stream; the normal is a 128-layer ziggurat
// and the gamma Marsaglia–Tsang, the same algorithms as src/beta-sampler.ts.
// Built on first use by src/native-explore.ts (gcc -O3 -march=native); the policy falls back to its
// JavaScript path when the addon cannot be built or loaded.
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#include <immintrin.h>
#define VECTOR_KERNEL 1
#endif

#define LAYERS 128
#define SCALE 16777216.0 /* 2^24 */
#define ZIG_R 3.442619855899

static double zigK[LAYERS], zigW[LAYERS], zigF[LAYERS];

static void zigguratTables(void) {
  double dn = ZIG_R, tn = dn;
  const double vn = 9.91256303526217e-3;
  const double q = vn / exp(-0.5 * dn * dn);
  zigK[0] = (dn / q) * SCALE;
  zigK[1] = 0;
  zigW[0] = q / SCALE;
  zigW[LAYERS - 1] = dn / SCALE;
  zigF[0] = 1;
  zigF[LAYERS - 1] = exp(-0.5 * dn * dn);
  for (int i = LAYERS - 2; i >= 1; i--) {
    dn = sqrt(-2 * log(vn / dn + exp(-0.5 * dn * dn)));
    zigK[i + 1] = (dn / tn) * SCALE;
    tn = dn;
    zigF[i] = exp(-0.5 * dn * dn);
    zigW[i] = dn / SCALE;
  }
}

typedef struct {
  uint64_t s[4];
} Rng;

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// xoshiro256++: 64 bits per step, so one step feeds a whole Marsaglia–Tsang attempt (32 bits for the
// ziggurat normal, 32 for the acceptance uniform).
static inline uint64_t next64(Rng *r) {
  uint64_t *s = r->s;
  const uint64_t result = rotl64(s[0] + s[3], 23) + s[0];
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64(s[3], 45);
  return result;
}

static inline uint32_t nextU32(Rng *r) { return (uint32_t)(next64(r) >> 32); }

// Uniform in [0, 1) from 32 bits.
static inline double unit32(uint32_t bits) { return bits * 2.3283064365386963e-10; }
static inline double nextUnit(Rng *r) { return unit32(nextU32(r)); }

// splitmix64, to expand a seed into generator states.
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void seedRng(Rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static double normalSlow(Rng *r, int32_t h, int layer, double x) {
  if (layer == 0) {
    // Base layer: the tail beyond R (Marsaglia 1964).
    double tx, ty;
    do {
      tx = -log(1 - nextUnit(r)) / ZIG_R;
      ty = -log(1 - nextUnit(r));
    } while (ty + ty < tx * tx);
    return h > 0 ? ZIG_R + tx : -ZIG_R - tx;
  }
  if (zigF[layer] + nextUnit(r) * (zigF[layer - 1] - zigF[layer]) < exp(-0.5 * x * x)) return x;
  return NAN; // rejected: the caller draws again
}

// Ziggurat normal from 32 random bits; NAN when this attempt was rejected (the caller draws again).
static inline double normalFrom(Rng *r, uint32_t bits32) {
  const int32_t bits = (int32_t)bits32;
  const int layer = bits & (LAYERS - 1);
  const int32_t h = bits >> 7; // signed, in [-2^24, 2^24)
  const double x = h * zigW[layer];
  if (fabs((double)h) < zigK[layer]) return x;
  return normalSlow(r, h, layer, x);
}

// Marsaglia–Tsang constants of one shape s: Gamma(s) for s >= 1 directly; for s < 1 as Gamma(s + 1) · U^(1/s)
// (inverse = 1/s, 0 when no boost is needed).
typedef struct {
  double d, c, inverse;
} GammaShape;

static GammaShape gammaShape(double shape) {
  GammaShape g;
  g.inverse = 0;
  if (shape < 1) {
    g.inverse = 1 / shape;
    shape += 1;
  }
  g.d = shape - 1.0 / 3.0;
  g.c = 1 / sqrt(9 * g.d);
  return g;
}

// Completes one Marsaglia–Tsang attempt for Gamma(d + 1/3) from its 32 ziggurat bits and its acceptance
// uniform; 0 when the attempt is rejected.
static inline int gammaAttempt(Rng *r, const GammaShape *g, uint32_t bits32, double u, double *out) {
  const double x = normalFrom(r, bits32);
  if (x != x) return 0;
  double v = 1 + g->c * x;
  if (v <= 0) return 0;
  v = v * v * v;
  const double x2 = x * x;
  if (u < 1 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + g->d * (1 - v + log(v))) {
    *out = g->d * v;
    return 1;
  }
  return 0;
}

// Gamma(d + 1/3) (shape >= 1): Marsaglia–Tsang, one 64-bit draw per attempt (32 bits for the ziggurat normal,
// 32 for the acceptance uniform).
static inline double gammaCore(Rng *r, const GammaShape *g) {
  double out;
  for (;;) {
    const uint64_t bits = next64(r);
    if (gammaAttempt(r, g, (uint32_t)bits, unit32((uint32_t)(bits >> 32)), &out)) return out;
  }
}

// The U^(1/s) factor of a shape s < 1.
static inline double boost(Rng *r, double inverseShape) { return exp(log(1 - nextUnit(r)) * inverseShape); }

// One arm's posterior Beta(a, b) and what its samplers need.
typedef struct {
  double a, b;
  double logBeta, logA, logB; // log B(a, b), log a, log b, computed when first needed (NAN before)
  GammaShape ga, gb;
} Arm;

// The R rankings being built: ranking r keeps its top-k (values best first, arm positions) and its threshold
// T_r, the k-th best value once it holds k arms (−1 before, so that every draw enters).
typedef struct {
  int k, R;
  double *values;   // R × k
  int32_t *top;     // R × k
  int32_t *size;    // R
  double *threshold; // R, padded with +inf to a multiple of 8
  double lowest;     // min_r T_r
  double logLowest, log1mLowest; // log(lowest), log(1 − lowest) when lowest > 0
  int stale;         // set when the ranking holding `lowest` raised its threshold
} Rankings;

// Inserts arm i with draw θ into ranking r (best first; ties keep the input order, as arms arrive in it).
static inline void insertDraw(Rankings *q, int r, int i, double theta) {
  const int k = q->k;
  double *values = q->values + (size_t)r * k;
  int32_t *top = q->top + (size_t)r * k;
  if (theta <= q->threshold[r]) return;
  int j = q->size[r] < k ? q->size[r]++ : k - 1;
  while (j > 0 && values[j - 1] < theta) {
    values[j] = values[j - 1];
    top[j] = top[j - 1];
    j--;
  }
  values[j] = theta;
  top[j] = i;
  if (q->size[r] == k) {
    if (q->threshold[r] == q->lowest) q->stale = 1;
    q->threshold[r] = values[k - 1];
  }
}

#ifndef VECTOR_KERNEL
// Direct path: one Beta draw θ = X / (X + Y) of arm i for every ranking. For a < 1, X = X' · U^(1/a) with
// X' ~ Gamma(a + 1) and U^(1/a) <= 1, so (when b needs no boost) X' / (X' + Y) bounds θ from above: when that
// bound cannot enter ranking r the boost is not drawn (U is independent of everything else, so skipping it
// leaves the law of the rankings unchanged).
static void drawDirect(Rng *rx, Rng *ry, const Arm *arm, int i, Rankings *q) {
  for (int r = 0; r < q->R; r++) {
    double x = gammaCore(rx, &arm->ga);
    double y = gammaCore(ry, &arm->gb);
    const double t = q->threshold[r];
    if (arm->gb.inverse == 0 && x <= t * (x + y)) continue;
    if (arm->ga.inverse != 0) x *= boost(rx, arm->ga.inverse);
    if (arm->gb.inverse != 0) y *= boost(ry, arm->gb.inverse);
    insertDraw(q, r, i, x / (x + y));
  }
}
#endif

#ifdef VECTOR_KERNEL
// Eight independent xoshiro256++ generators, one per 64-bit lane.
typedef struct {
  __m512i s[4];
} VecRng;

static void seedVecRng(VecRng *r, uint64_t seed) {
  uint64_t x = seed, words[4][8];
  for (int lane = 0; lane < 8; lane++)
    for (int w = 0; w < 4; w++) words[w][lane] = splitmix64(&x);
  for (int w = 0; w < 4; w++) r->s[w] = _mm512_loadu_si512((const void *)words[w]);
}

static inline __m512i vnext(VecRng *r) {
  __m512i *s = r->s;
  const __m512i result = _mm512_add_epi64(_mm512_rol_epi64(_mm512_add_epi64(s[0], s[3]), 23), s[0]);
  const __m512i t = _mm512_slli_epi64(s[1], 17);
  s[2] = _mm512_xor_si512(s[2], s[0]);
  s[3] = _mm512_xor_si512(s[3], s[1]);
  s[1] = _mm512_xor_si512(s[1], s[2]);
  s[0] = _mm512_xor_si512(s[0], s[3]);
  s[2] = _mm512_xor_si512(s[2], t);
  s[3] = _mm512_rol_epi64(s[3], 45);
  return result;
}

// Natural logarithm of 8 positive doubles (relative error ~1e-15): x = m · 2^e with m in [√½, √2), and
// log m = 2 atanh(s), s = (m − 1) / (m + 1), |s| <= 0.172, by its series to s^19.
static inline __m512d vlog(__m512d x) {
  __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
  __m512d e = _mm512_getexp_pd(x);
  const __mmask8 high = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951), _CMP_GT_OQ);
  m = _mm512_mask_mul_pd(m, high, m, _mm512_set1_pd(0.5));
  e = _mm512_mask_add_pd(e, high, e, _mm512_set1_pd(1));
  const __m512d one = _mm512_set1_pd(1);
  // 1 / (m + 1) by the 14-bit reciprocal estimate and two Newton steps (full precision, no division).
  const __m512d q = _mm512_add_pd(m, one);
  __m512d r = _mm512_rcp14_pd(q);
  r = _mm512_mul_pd(r, _mm512_fnmadd_pd(q, r, _mm512_set1_pd(2)));
  r = _mm512_mul_pd(r, _mm512_fnmadd_pd(q, r, _mm512_set1_pd(2)));
  const __m512d t = _mm512_mul_pd(_mm512_sub_pd(m, one), r);
  const __m512d t2 = _mm512_mul_pd(t, t);
  __m512d p = _mm512_set1_pd(1.0 / 19);
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 17));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 15));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 13));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 11));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 9));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 7));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 5));
  p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 3));
  p = _mm512_fmadd_pd(p, t2, one);
  return _mm512_fmadd_pd(e, _mm512_set1_pd(0.6931471805599453), _mm512_mul_pd(_mm512_add_pd(t, t), p));
}

// e^x for 8 doubles x <= 0 (relative error ~1e-15; 0 below about −745): x = n ln 2 + f, |f| <= ln2 / 2, e^f by
// its Taylor series to f^13, times 2^n.
static inline __m512d vexp(__m512d x) {
  const __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512d f = _mm512_fnmadd_pd(n, _mm512_set1_pd(1.9082149292705877e-10), _mm512_fnmadd_pd(n, _mm512_set1_pd(0.6931471803691238), x));
  __m512d p = _mm512_set1_pd(1.0 / 6227020800.0);
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 479001600.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 39916800.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 3628800.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 362880.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 40320.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 5040.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 720.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 120.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 24.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0 / 6.0));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.5));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1));
  return _mm512_scalef_pd(p, n);
}

// 2(z − 1)/(z + 1) and (z − 1)/√z: lower and upper bounds of log z for z >= 1 (upper and lower for z <= 1), by
// the 14-bit reciprocal estimates refined with two Newton steps (full precision, no division or square root).
static inline __m512d logPadeBound(__m512d z) {
  const __m512d one = _mm512_set1_pd(1), two = _mm512_set1_pd(2);
  const __m512d q = _mm512_add_pd(z, one);
  __m512d r = _mm512_rcp14_pd(q);
  r = _mm512_mul_pd(r, _mm512_fnmadd_pd(q, r, two));
  r = _mm512_mul_pd(r, _mm512_fnmadd_pd(q, r, two));
  return _mm512_mul_pd(_mm512_mul_pd(two, _mm512_sub_pd(z, one)), r);
}

static inline __m512d logSqrtBound(__m512d z) {
  const __m512d one = _mm512_set1_pd(1), half = _mm512_set1_pd(0.5), threeHalves = _mm512_set1_pd(1.5);
  __m512d r = _mm512_rsqrt14_pd(z);
  const __m512d hz = _mm512_mul_pd(half, z);
  r = _mm512_mul_pd(r, _mm512_fnmadd_pd(hz, _mm512_mul_pd(r, r), threeHalves));
  r = _mm512_mul_pd(r, _mm512_fnmadd_pd(hz, _mm512_mul_pd(r, r), threeHalves));
  return _mm512_mul_pd(_mm512_sub_pd(z, one), r);
}

// Eight Gamma(d + 1/3) draws of one shape, Marsaglia–Tsang over the ziggurat normal, all in vector form: each
// round makes one attempt on every lane still pending (ziggurat rectangle or wedge test, then the
// Marsaglia–Tsang acceptance test, decided by tight bounds of the logarithms and, on the rare lanes they leave
// open, by the logarithms themselves) and keeps the lanes it accepts. Only the ziggurat's base-strip
// tail (about 1 lane in 20000) goes through scalar code. Every lane is an exact rejection sampler.
static inline __m512d vgamma(VecRng *vr, Rng *r, const GammaShape *g) {
  const __m512d dv = _mm512_set1_pd(g->d), cv = _mm512_set1_pd(g->c);
  const __m512d one = _mm512_set1_pd(1), half = _mm512_set1_pd(0.5);
  __m512d result = _mm512_setzero_pd();
  __mmask8 pending = 0xff;
  for (;;) {
    const __m512i bits = vnext(vr);
    const __m256i low = _mm512_cvtepi64_epi32(bits);
    const __m256i layer = _mm256_and_si256(low, _mm256_set1_epi32(LAYERS - 1));
    const __m512d h = _mm512_cvtepi32_pd(_mm256_srai_epi32(low, 7));
    __m512d x = _mm512_mul_pd(h, _mm512_i32gather_pd(layer, zigW, 8));
    __mmask8 normal = _mm512_cmp_pd_mask(_mm512_abs_pd(h), _mm512_i32gather_pd(layer, zigK, 8), _CMP_LT_OQ);
    const __m512d u = _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_srli_epi64(bits, 32)), _mm512_set1_pd(2.3283064365386963e-10));
    const __mmask8 edge = pending & ~normal;
    if (edge) {
      // Wedge of layers >= 1: accept x when F[l] + U (F[l−1] − F[l]) < e^(−x²/2).
      const __mmask8 base = _mm256_mask_cmpeq_epi32_mask(edge, layer, _mm256_setzero_si256());
      const __m512d u2 = _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_srli_epi64(vnext(vr), 11)), _mm512_set1_pd(1.1102230246251565e-16));
      const __m256i below = _mm256_max_epi32(_mm256_sub_epi32(layer, _mm256_set1_epi32(1)), _mm256_setzero_si256());
      const __m512d f = _mm512_i32gather_pd(layer, zigF, 8);
      const __m512d wedge = _mm512_fmadd_pd(u2, _mm512_sub_pd(_mm512_i32gather_pd(below, zigF, 8), f), f);
      normal |= (edge & ~base) & _mm512_cmp_pd_mask(wedge, vexp(_mm512_mul_pd(_mm512_mul_pd(x, x), _mm512_set1_pd(-0.5))), _CMP_LT_OQ);
      if (base) {
        // Base strip beyond the rectangle: the tail beyond R, in scalar code (it always yields a sample).
        double xs[8];
        int32_t hs[8];
        _mm512_storeu_pd(xs, x);
        _mm256_storeu_si256((__m256i *)hs, _mm256_srai_epi32(low, 7));
        for (unsigned lanes = base; lanes; lanes &= lanes - 1) {
          const int lane = __builtin_ctz(lanes);
          xs[lane] = normalSlow(r, hs[lane], 0, xs[lane]);
        }
        x = _mm512_loadu_pd(xs);
        normal |= base;
      }
    }
    const __m512d v = _mm512_fmadd_pd(cv, x, one);
    const __mmask8 candidate = pending & normal & _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_GT_OQ);
    const __m512d v3 = _mm512_mul_pd(_mm512_mul_pd(v, v), v);
    const __m512d x2 = _mm512_mul_pd(x, x);
    const __m512d halfX2 = _mm512_mul_pd(half, x2);
    const __m512d vSafe = _mm512_mask_blend_pd(candidate, one, v);
    const __m512d v3Safe = _mm512_mask_blend_pd(candidate, one, v3);
    // Accept when log u < x²/2 + d (1 − v³ + 3 log v) =: B. Decided without logarithms on almost every lane by
    // bounds that are third-order tight at 1: for z >= 1, 2(z−1)/(z+1) <= log z <= (z−1)/√z, and for z <= 1
    // the same two bounds with their roles swapped.
    const __mmask8 above = _mm512_cmp_pd_mask(vSafe, one, _CMP_GE_OQ);
    const __m512d pade = logPadeBound(vSafe), root = logSqrtBound(vSafe);
    const __m512d three = _mm512_set1_pd(3);
    const __m512d base = _mm512_sub_pd(one, v3Safe);
    const __m512d lowB = _mm512_fmadd_pd(dv, _mm512_fmadd_pd(three, _mm512_mask_blend_pd(above, root, pade), base), halfX2);
    const __m512d highB = _mm512_fmadd_pd(dv, _mm512_fmadd_pd(three, _mm512_mask_blend_pd(above, pade, root), base), halfX2);
    // u in [0, 1): log u <= 2(u−1)/(u+1) and log u >= (u−1)/√u; Marsaglia–Tsang's squeeze u < 1 − 0.0331 x⁴
    // also implies acceptance.
    const __m512d squeeze = _mm512_fnmadd_pd(_mm512_mul_pd(_mm512_set1_pd(0.0331), x2), x2, one);
    const __mmask8 surely = _mm512_cmp_pd_mask(u, squeeze, _CMP_LT_OQ) | _mm512_cmp_pd_mask(logPadeBound(u), lowB, _CMP_LT_OQ);
    const __mmask8 never = _mm512_cmp_pd_mask(logSqrtBound(u), highB, _CMP_GE_OQ);
    __mmask8 accepted = candidate & surely;
    const __mmask8 undecided = candidate & ~surely & ~never;
    if (undecided) {
      const __m512d bound = _mm512_fmadd_pd(dv, _mm512_add_pd(base, vlog(v3Safe)), halfX2);
      accepted |= _mm512_mask_cmp_pd_mask(undecided, vlog(_mm512_mask_blend_pd(undecided, one, u)), bound, _CMP_LT_OQ);
    }
    result = _mm512_mask_mul_pd(result, accepted, dv, v3);
    pending &= ~accepted;
    if (!pending) return result;
  }
}

// U^(1/s) for 8 uniforms U on (0, 1] (the boost of a shape s < 1).
static inline __m512d vboost(VecRng *vr, double inverseShape) {
  const __m512i bits = vnext(vr);
  // 1 − (bits >> 11) 2^−53 lies in (0, 1].
  const __m512d u = _mm512_fnmadd_pd(_mm512_cvtepi64_pd(_mm512_srli_epi64(bits, 11)), _mm512_set1_pd(1.1102230246251565e-16), _mm512_set1_pd(1));
  return vexp(_mm512_mul_pd(vlog(u), _mm512_set1_pd(inverseShape)));
}

// drawDirect, eight rankings at a time (the thresholds array is padded with +inf to a multiple of 8).
static void drawDirectVector(VecRng *vx, VecRng *vy, Rng *r, const Arm *arm, int i, Rankings *q) {
  for (int r0 = 0; r0 < q->R; r0 += 8) {
    __m512d x = vgamma(vx, r, &arm->ga);
    __m512d y = vgamma(vy, r, &arm->gb);
    if (arm->ga.inverse != 0) x = _mm512_mul_pd(x, vboost(vx, arm->ga.inverse));
    if (arm->gb.inverse != 0) y = _mm512_mul_pd(y, vboost(vy, arm->gb.inverse));
    const __m512d theta = _mm512_div_pd(x, _mm512_add_pd(x, y));
    unsigned lanes = _mm512_cmp_pd_mask(theta, _mm512_loadu_pd(q->threshold + r0), _CMP_GT_OQ);
    if (!lanes) continue;
    double thetas[8];
    _mm512_storeu_pd(thetas, theta);
    while (lanes) {
      const int lane = __builtin_ctz(lanes);
      lanes &= lanes - 1;
      insertDraw(q, r0 + lane, i, thetas[lane]);
    }
  }
}
#endif

// The generators of one call: scalar streams for X and Y draws (and the tail path), vector ones where compiled.
typedef struct {
  Rng x, y;
#ifdef VECTOR_KERNEL
  VecRng vx, vy;
#endif
} Generators;

static void seedGenerators(Generators *g, uint64_t seedX, uint64_t seedY) {
  seedRng(&g->x, seedX);
  seedRng(&g->y, seedY);
#ifdef VECTOR_KERNEL
  seedVecRng(&g->vx, seedX ^ 0x6a09e667f3bcc908ull);
  seedVecRng(&g->vy, seedY ^ 0xbb67ae8584caa73bull);
#endif
}

#define TAIL_ENVELOPE_LIMIT 0.25

// Tail path for arm i when every ranking's threshold is at least t > 0. Only draws above t can enter, so
// instead of R draws, each ranking is visited with probability G (geometric skipping) and a visit proposes
// θ ∈ (t, 1) from an envelope g with ∫_t^1 g = G >= P(θ > t) and accepts it with probability f(θ) / g(θ)
// (f the Beta density): then P(visit, accept, θ ∈ dθ) = f(θ) dθ on (t, 1), exactly the law of the draw's
// part above t, and a ranking not visited or not accepted has its draw at or below t, where it cannot enter.
// Envelopes: for a < 1 <= b, θ^(a−1) <= t^(a−1) leaves g ∝ (1 − θ)^(b−1), sampled by inversion; for
// a, b >= 1 and t at or beyond the mode, the log-density is concave and its tangent at t bounds it
// (an exponential). Returns 0 (having drawn nothing) when neither applies or G > TAIL_ENVELOPE_LIMIT, where
// the direct path is cheaper.
static int drawTail(Rng *r, Arm *arm, int i, Rankings *q) {
  const double a = arm->a, b = arm->b, t = q->lowest;
  if (b < 1 || t >= 1) return 0;
  const int concave = a >= 1;
  if (concave && a + b > 2 && t < (a - 1) / (a + b - 2)) return 0;
  const double w = 1 - t, logT = q->logLowest, logW = q->log1mLowest;
  const double logLimit = -1.3862943611198906; // log(TAIL_ENVELOPE_LIMIT)
  double logMass, logVisit, lambda = 0;
  if (!concave) {
    // ∫_t^1 t^(a−1) (1 − θ)^(b−1) / B(a, b) dθ = t^(a−1) w^b / (b B(a, b)). Visits happen at the rate of a
    // bound on it that needs no log-gamma, 1/B(a, b) <= b^a a / min Γ (Wendel: Γ(b + a) / Γ(b) <= b^a for
    // a < 1, and Γ(1 + a) >= 0.8856), and are thinned by the exact ratio (>= 0.88), computed only once an
    // arm is visited: most arms are never visited.
    if (arm->logA != arm->logA) {
      arm->logA = log(a);
      arm->logB = log(b);
    }
    logVisit = (a - 1) * (logT + arm->logB) + b * logW + arm->logA + 0.12148629053584961;
    logMass = NAN;
    if (logVisit > logLimit) {
      if (arm->logBeta != arm->logBeta) arm->logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
      logMass = (a - 1) * logT + b * logW - arm->logB - arm->logBeta;
      if (!(logMass <= logLimit)) return 0;
      logVisit = logMass;
    }
  } else {
    // f(t) ∫_t^1 e^(−λ(θ − t)) dθ with λ = −(log f)'(t) >= 0 beyond the mode.
    lambda = (b - 1) / w - (a - 1) / t;
    if (lambda < 0) lambda = 0;
    if (arm->logBeta != arm->logBeta) arm->logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
    const double logF = (a - 1) * logT + (b - 1) * logW - arm->logBeta;
    logMass = logF + (lambda * w > 1e-9 ? log(-expm1(-lambda * w)) - log(lambda) : logW);
    if (!(logMass <= logLimit)) return 0;
    logVisit = logMass;
  }
  // log(1 − G) for the geometric skips over the rankings (G <= 0.25).
  const double visit = exp(logVisit);
  const double logSkip = visit < 1e-4 ? -visit * (1 + visit * (0.5 + visit / 3)) : log(1 - visit);
  const double expWidth = concave && lambda * w > 1e-9 ? -expm1(-lambda * w) : 0;
  for (int index = -1;;) {
    index += 1 + (int)fmin(floor(log(1 - nextUnit(r)) / logSkip), (double)q->R);
    if (index >= q->R) break;
    double theta, logAccept;
    const double v = nextUnit(r);
    if (!concave) {
      theta = 1 - w * exp(log(1 - v) / b); // 1 − θ = w V^(1/b), V uniform on (0, 1]
      if (logMass != logMass) {
        if (arm->logBeta != arm->logBeta) arm->logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
        logMass = (a - 1) * logT + b * logW - arm->logB - arm->logBeta;
      }
      // Density ratio f / g, times the thinning G / G_visit (1 when the visits already run at G).
      logAccept = (a - 1) * (log(theta) - logT) + (logMass - logVisit);
    } else {
      theta = expWidth > 0 ? t - log1p(-v * expWidth) / lambda : t + v * w;
      if (theta >= 1) continue; // measure zero, rounding only
      logAccept = (a - 1) * (log(theta) - logT) + (b - 1) * (log1p(-theta) - logW) + lambda * (theta - t);
    }
    if (theta > t && theta > q->threshold[index] && log(1 - nextUnit(r)) < logAccept) insertDraw(q, index, i, theta);
  }
  return 1;
}

// Fills the R rankings: each arm in input order, for every ranking at once. Once every ranking holds k arms,
// an arm can only matter through draws above the lowest threshold t, which drawTail samples without drawing
// the rest; otherwise (and for the arms likely to enter) drawDirect draws all R. Either way ranking r ends as
// the top-k of one independent Beta draw per arm.
static void fillRankings(Generators *g, Arm *arms, int n, Rankings *q) {
  for (int i = 0; i < n; i++) {
    if (q->stale) {
      double t = q->threshold[0];
      for (int r = 1; r < q->R; r++) t = t < q->threshold[r] ? t : q->threshold[r];
      q->lowest = t;
      q->stale = 0;
      if (t > 0 && t < 1) {
        q->logLowest = log(t);
        q->log1mLowest = log1p(-t);
      }
    }
    if (q->lowest > 0 && drawTail(&g->x, &arms[i], i, q)) continue;
#ifdef VECTOR_KERNEL
    drawDirectVector(&g->vx, &g->vy, &g->x, &arms[i], i, q);
#else
    drawDirect(&g->x, &g->y, &arms[i], i, q);
#endif
  }
}

// ---------------------------------------------------------------- Node-API glue

static void *typedArg(napi_env env, napi_value v, napi_typedarray_type want, size_t *length, const char *what) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, &buffer, &offset) != napi_ok || type != want) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  *length = len;
  return data;
}

// fillSlots(alpha, beta, k, draws, seed, served, hits): alpha/beta Float64Array(n) posterior pseudo-counts,
// seed Int32Array(4) seeds the generators (128 bits from the caller's stream), served Int32Array(k) receives
// the served positions (top-k of one draw per arm), hits Float64Array(k) how many of the `draws` further
// independent rankings put served[j] in slot j.
static napi_value FillSlots(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 7) {
    napi_throw_error(env, NULL, "fillSlots expects 7 arguments");
    return NULL;
  }
  size_t na, nb, ns, nserved, nhits;
  const double *alpha = typedArg(env, argv[0], napi_float64_array, &na, "alpha must be a Float64Array");
  if (!alpha) return NULL;
  const double *beta = typedArg(env, argv[1], napi_float64_array, &nb, "beta must be a Float64Array");
  if (!beta) return NULL;
  int32_t k = 0, draws = 0;
  napi_get_value_int32(env, argv[2], &k);
  napi_get_value_int32(env, argv[3], &draws);
  const int32_t *seed = typedArg(env, argv[4], napi_int32_array, &ns, "seed must be an Int32Array");
  if (!seed) return NULL;
  int32_t *served = typedArg(env, argv[5], napi_int32_array, &nserved, "served must be an Int32Array");
  if (!served) return NULL;
  double *hits = typedArg(env, argv[6], napi_float64_array, &nhits, "hits must be a Float64Array");
  if (!hits) return NULL;
  const int n = (int)na;
  if (nb != na || n <= 0 || k <= 0 || k > n || draws < 0 || ns != 4 || nserved < (size_t)k || nhits < (size_t)k) {
    napi_throw_range_error(env, NULL, "fillSlots: inconsistent sizes");
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    if (!(alpha[i] > 0) || !(beta[i] > 0) || !isfinite(alpha[i]) || !isfinite(beta[i])) {
      napi_throw_range_error(env, NULL, "fillSlots: alpha and beta must be finite and > 0");
      return NULL;
    }
  }
  const int R = draws + 1;
  Arm *arms = malloc(sizeof(Arm) * (size_t)n);
  double *values = malloc(sizeof(double) * (size_t)R * k);
  int32_t *top = malloc(sizeof(int32_t) * (size_t)R * k);
  int32_t *size = calloc((size_t)R, sizeof(int32_t));
  const int paddedR = (R + 7) & ~7;
  double *threshold = malloc(sizeof(double) * (size_t)paddedR);
  if (!arms || !values || !top || !size || !threshold) {
    free(arms);
    free(values);
    free(top);
    free(size);
    free(threshold);
    napi_throw_error(env, NULL, "fillSlots: out of memory");
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    arms[i].a = alpha[i];
    arms[i].b = beta[i];
    arms[i].logBeta = arms[i].logA = arms[i].logB = NAN;
    arms[i].ga = gammaShape(alpha[i]);
    arms[i].gb = gammaShape(beta[i]);
  }
  for (int r = 0; r < paddedR; r++) threshold[r] = r < R ? -1 : INFINITY; // padding lanes never enter
  Rankings q = {k, R, values, top, size, threshold, -1, 0, 0, 0};
  Generators g;
  seedGenerators(&g, ((uint64_t)(uint32_t)seed[0] << 32) | (uint32_t)seed[1], ((uint64_t)(uint32_t)seed[2] << 32) | (uint32_t)seed[3]);
  fillRankings(&g, arms, n, &q);
  // Ranking 0 is served; rankings 1..R−1 are the further draws that estimate the slot propensities.
  for (int j = 0; j < k; j++) {
    served[j] = top[j];
    hits[j] = 0;
  }
  for (int r = 1; r < R; r++)
    for (int j = 0; j < k; j++) hits[j] += top[(size_t)r * k + j] == served[j];
  free(arms);
  free(values);
  free(top);
  free(size);
  free(threshold);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  zigguratTables();
  napi_property_descriptor props[] = {
      {"fillSlots", NULL, FillSlots, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
