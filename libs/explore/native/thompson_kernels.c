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

// Gamma(d + 1/3) (shape >= 1): Marsaglia–Tsang, one 64-bit draw per attempt (32 bits for the ziggurat normal,
// 32 for the acceptance uniform).
static inline double gammaCore(Rng *r, const GammaShape *g) {
  const double d = g->d, c = g->c;
  for (;;) {
    const uint64_t bits = next64(r);
    const double x = normalFrom(r, (uint32_t)bits);
    if (x != x) continue;
    double v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const double u = unit32((uint32_t)(bits >> 32));
    const double x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v;
  }
}

// The U^(1/s) factor of a shape s < 1.
static inline double boost(Rng *r, double inverseShape) { return exp(log(1 - nextUnit(r)) * inverseShape); }

// One arm's posterior Beta(a, b) and what its samplers need.
typedef struct {
  double a, b, logBeta; // logBeta = log B(a, b), computed when first needed (NAN before)
  GammaShape ga, gb;
} Arm;

// The R rankings being built: ranking r keeps its top-k (values best first, arm positions) and its threshold
// T_r, the k-th best value once it holds k arms (−1 before, so that every draw enters).
typedef struct {
  int k, R;
  double *values;   // R × k
  int32_t *top;     // R × k
  int32_t *size;    // R
  double *threshold; // R
  double lowest;     // min_r T_r
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
static int drawTail(Rng *r, Arm *arm, int i, double t, Rankings *q) {
  const double a = arm->a, b = arm->b;
  if (b < 1 || t >= 1) return 0;
  const int concave = a >= 1;
  if (concave && a + b > 2 && t < (a - 1) / (a + b - 2)) return 0;
  if (arm->logBeta != arm->logBeta) arm->logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
  const double w = 1 - t, logT = log(t), logW = log(w);
  double logMass, lambda = 0;
  if (!concave) {
    // ∫_t^1 t^(a−1) (1 − θ)^(b−1) / B(a, b) dθ = t^(a−1) w^b / (b B(a, b)).
    logMass = (a - 1) * logT + b * logW - log(b) - arm->logBeta;
  } else {
    // f(t) ∫_t^1 e^(−λ(θ − t)) dθ with λ = −(log f)'(t) >= 0 beyond the mode.
    lambda = (b - 1) / w - (a - 1) / t;
    if (lambda < 0) lambda = 0;
    const double logF = (a - 1) * logT + (b - 1) * logW - arm->logBeta;
    logMass = logF + (lambda * w > 1e-9 ? log(-expm1(-lambda * w)) - log(lambda) : logW);
  }
  if (!(logMass <= log(TAIL_ENVELOPE_LIMIT))) return 0;
  const double logSkip = log1p(-exp(logMass));
  const double expWidth = concave && lambda * w > 1e-9 ? -expm1(-lambda * w) : 0;
  for (int index = -1;;) {
    index += 1 + (int)fmin(floor(log(1 - nextUnit(r)) / logSkip), (double)q->R);
    if (index >= q->R) break;
    double theta, logAccept;
    const double v = nextUnit(r);
    if (!concave) {
      theta = 1 - w * exp(log(1 - v) / b); // 1 − θ = w V^(1/b), V uniform on (0, 1]
      logAccept = (a - 1) * (log(theta) - logT);
    } else {
      theta = expWidth > 0 ? t - log1p(-v * expWidth) / lambda : t + v * w;
      if (theta >= 1) continue; // measure zero, rounding only
      logAccept = (a - 1) * (log(theta) - logT) + (b - 1) * (log1p(-theta) - logW) + lambda * (theta - t);
    }
    if (theta > t && log(1 - nextUnit(r)) < logAccept) insertDraw(q, index, i, theta);
  }
  return 1;
}

// Fills the R rankings: each arm in input order, for every ranking at once. Once every ranking holds k arms,
// an arm can only matter through draws above the lowest threshold t, which drawTail samples without drawing
// the rest; otherwise (and for the arms likely to enter) drawDirect draws all R. Either way ranking r ends as
// the top-k of one independent Beta draw per arm.
static void fillRankings(Rng *rx, Rng *ry, Arm *arms, int n, Rankings *q) {
  for (int i = 0; i < n; i++) {
    if (q->stale) {
      double t = q->threshold[0];
      for (int r = 1; r < q->R; r++) t = t < q->threshold[r] ? t : q->threshold[r];
      q->lowest = t;
      q->stale = 0;
    }
    if (q->lowest > 0 && drawTail(rx, &arms[i], i, q->lowest, q)) continue;
    drawDirect(rx, ry, &arms[i], i, q);
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
  double *threshold = malloc(sizeof(double) * (size_t)R);
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
    arms[i].logBeta = NAN;
    arms[i].ga = gammaShape(alpha[i]);
    arms[i].gb = gammaShape(beta[i]);
  }
  for (int r = 0; r < R; r++) threshold[r] = -1;
  Rankings q = {k, R, values, top, size, threshold, -1, 0};
  Rng rx, ry;
  seedRng(&rx, ((uint64_t)(uint32_t)seed[0] << 32) | (uint32_t)seed[1]);
  seedRng(&ry, ((uint64_t)(uint32_t)seed[2] << 32) | (uint32_t)seed[3]);
  fillRankings(&rx, &ry, arms, n, &q);
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
