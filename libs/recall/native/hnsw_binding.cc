// A thin Node-API binding over the hnswlib headers shipped inside the hnswlib-node package (same algorithm and
// index file format), compiled for this CPU so the distance functions use AVX2/AVX-512. Vectors and results
// travel as typed arrays (no per-element N-API calls, no result JS arrays), and searchBatch answers many
// queries in one call. Loaded by src/native-hnsw-binding.ts; every function takes the handle from create/load.
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

#include "hnswlib.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace {

void writeResults(std::priority_queue<std::pair<float, hnswlib::labeltype>>& knn, size_t k, int32_t* labels, float* distances);

using Hnsw = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;
using DistId = std::pair<float, tableint>;

inline void prefetchRange(const char* p, size_t bytes) {
  for (size_t o = 0; o < bytes; o += 64) _mm_prefetch(p + o, _MM_HINT_T0);
  _mm_prefetch(p + bytes - 1, _MM_HINT_T0);
}

inline void fillMissing(size_t from, size_t k, int32_t* labels, float* distances) {
  for (size_t i = from; i < k; i++) {
    labels[i] = -1;
    distances[i] = std::numeric_limits<float>::infinity();
  }
}

// hnswlib's searchKnn for a graph without deleted points and without a filter, step for step: the same greedy
// descent through the upper layers, the same base-layer beam search with the same heap operations (std heaps
// with hnswlib's comparator, as its std::priority_queue), hnswlib's own distance function, so the answers are
// identical. What differs is the scheduling: each expansion first gathers the node's unvisited neighbours and
// prefetches their vectors (every cache line, not only the first: the memory latency is the cost here), then
// scores them; the distance kernel is inlined; heaps live in buffers reused across a batch.
template <typename Dist>
class BareBoneSearch {
 public:
  BareBoneSearch(const Hnsw& h, Dist dist) : h_(h), dist_(dist), param_(h.dist_func_param_), dataBytes_(h.data_size_) {
    const size_t maxDegree = std::max(h.maxM0_, h.maxM_);
    batch_.resize(maxDegree);
    batchDistances_.resize(maxDegree);
  }

  /** Descends to the base layer and seeds the beam search. */
  void begin(const float* query, size_t k, int32_t* labels, float* distances) {
    query_ = query;
    k_ = k;
    labels_ = labels;
    distances_ = distances;
    tableint current = h_.enterpoint_node_;
    float currentDist = dist_(query, dataOf(current), param_);
    for (int level = h_.maxlevel_; level > 0; level--) {
      bool changed = true;
      while (changed) {
        changed = false;
        unsigned int* list = h_.get_linklist(current, level);
        const size_t size = h_.getListCount(list);
        const tableint* neighbours = reinterpret_cast<const tableint*>(list + 1);
        for (size_t i = 0; i < size; i++) {
          batch_[i] = neighbours[i];
          prefetchRange(dataOf(neighbours[i]), dataBytes_);
        }
        count_ = size;
        computeDistances();
        for (size_t i = 0; i < size; i++) {
          if (batchDistances_[i] < currentDist) {
            currentDist = batchDistances_[i];
            current = batch_[i];
            changed = true;
          }
        }
      }
    }
    ef_ = std::max(h_.ef_, k);
    top_.clear();
    candidates_.clear();
    visitedList_ = h_.visited_list_pool_->getFreeVisitedList();
    lowerBound_ = dist_(query, dataOf(current), param_);
    top_.emplace_back(lowerBound_, current);
    candidates_.emplace_back(-lowerBound_, current);
    visitedList_->mass[current] = visitedList_->curV;
  }

  /** Takes the next frontier node and prefetches its unvisited neighbours; false when the search is over. */
  bool gather() {
    if (candidates_.empty()) return false;
    const DistId next = candidates_.front();
    if (-next.first > lowerBound_) return false;
    std::pop_heap(candidates_.begin(), candidates_.end(), byFirst_);
    candidates_.pop_back();
    int* list = reinterpret_cast<int*>(h_.get_linklist0(next.second));
    const size_t size = h_.getListCount(reinterpret_cast<hnswlib::linklistsizeint*>(list));
    hnswlib::vl_type* visited = visitedList_->mass;
    const hnswlib::vl_type tag = visitedList_->curV;
    size_t count = 0;
    for (size_t j = 1; j <= size; j++) {
      const tableint id = static_cast<tableint>(list[j]);
      if (visited[id] == tag) continue;
      visited[id] = tag;
      batch_[count++] = id;
      prefetchRange(dataOf(id), dataBytes_);
    }
    count_ = count;
    return true;
  }

  /** Scores the gathered neighbours and updates the heaps as hnswlib does, in neighbour order. */
  void score() {
    computeDistances();
    for (size_t i = 0; i < count_; i++) {
      const float d = batchDistances_[i];
      if (top_.size() < ef_ || lowerBound_ > d) {
        candidates_.emplace_back(-d, batch_[i]);
        std::push_heap(candidates_.begin(), candidates_.end(), byFirst_);
        top_.emplace_back(d, batch_[i]);
        std::push_heap(top_.begin(), top_.end(), byFirst_);
        while (top_.size() > ef_) {
          std::pop_heap(top_.begin(), top_.end(), byFirst_);
          top_.pop_back();
        }
        if (!top_.empty()) lowerBound_ = top_.front().first;
      }
    }
    if (!candidates_.empty()) _mm_prefetch(h_.get_linklist0(candidates_.front().second), _MM_HINT_T0);
  }

  /** Writes the k best, best first, and returns their number. */
  size_t finish() {
    h_.visited_list_pool_->releaseVisitedList(visitedList_);
    visitedList_ = nullptr;
    while (top_.size() > k_) {
      std::pop_heap(top_.begin(), top_.end(), byFirst_);
      top_.pop_back();
    }
    // hnswlib hands the survivors over in a max-heap of (distance, label) pairs: ascending pair order
    results_.clear();
    for (const DistId& r : top_) results_.emplace_back(r.first, h_.getExternalLabel(r.second));
    std::sort(results_.begin(), results_.end());
    const size_t n = results_.size();
    for (size_t i = 0; i < n; i++) {
      labels_[i] = static_cast<int32_t>(results_[i].second);
      distances_[i] = results_[i].first;
    }
    fillMissing(n, k_, labels_, distances_);
    return n;
  }

  ~BareBoneSearch() {
    if (visitedList_) h_.visited_list_pool_->releaseVisitedList(visitedList_);
  }

 private:
  const char* dataOf(tableint id) const { return h_.getDataByInternalId(id); }
  void computeDistances() {
    for (size_t i = 0; i < count_; i++) batchDistances_[i] = dist_(query_, dataOf(batch_[i]), param_);
  }

  const Hnsw& h_;
  Dist dist_;
  const void* param_;
  size_t dataBytes_;
  Hnsw::CompareByFirst byFirst_;
  const float* query_ = nullptr;
  size_t k_ = 0;
  size_t ef_ = 0;
  int32_t* labels_ = nullptr;
  float* distances_ = nullptr;
  hnswlib::VisitedList* visitedList_ = nullptr;
  float lowerBound_ = 0;
  std::vector<DistId> top_;         // max-heap by distance: the ef best so far
  std::vector<DistId> candidates_;  // max-heap by −distance: the frontier
  std::vector<tableint> batch_;
  std::vector<float> batchDistances_;
  size_t count_ = 0;
  std::vector<std::pair<float, hnswlib::labeltype>> results_;
};

template <typename Dist>
void searchBareBoneBatch(const Hnsw& h, Dist dist, const float* queries, size_t dim, size_t q, size_t k, int32_t* labels, float* distances) {
  BareBoneSearch<Dist> search(h, dist);
  for (size_t j = 0; j < q; j++) {
    search.begin(queries + j * dim, k, labels + j * k, distances + j * k);
    while (search.gather()) search.score();
    search.finish();
  }
}

template <typename Dist>
size_t searchBareBoneOne(const Hnsw& h, Dist dist, const float* query, size_t k, int32_t* labels, float* distances) {
  BareBoneSearch<Dist> search(h, dist);
  search.begin(query, k, labels, distances);
  while (search.gather()) search.score();
  return search.finish();
}

#if defined(USE_AVX512)
struct InnerProductAvx512 {
  float operator()(const void* a, const void* b, const void* param) const {
    return hnswlib::InnerProductDistanceSIMD16ExtAVX512(a, b, param);
  }
};
#endif
#if defined(USE_AVX)
struct InnerProductAvx {
  float operator()(const void* a, const void* b, const void* param) const {
    return hnswlib::InnerProductDistanceSIMD16ExtAVX(a, b, param);
  }
};
#endif

// Calls `run` with the distance function hnswlib picked for this space: directly when it is one of the SIMD
// kernels so that it inlines (same code, same sums), else through hnswlib's function pointer.
template <typename Run>
auto withDistance(const Hnsw& h, Run run) {
#if defined(USE_AVX512)
  if (h.fstdistfunc_ == hnswlib::InnerProductDistanceSIMD16ExtAVX512) return run(InnerProductAvx512());
#endif
#if defined(USE_AVX)
  if (h.fstdistfunc_ == hnswlib::InnerProductDistanceSIMD16ExtAVX) return run(InnerProductAvx());
#endif
  return run(h.fstdistfunc_);
}

// Moves the base layer (vectors and neighbour lists, read at random by every search) to memory backed by 2 MiB
// pages where the kernel allows it (transparent huge pages in `madvise` mode): a 100k × 64-d index spans ~40 MB,
// far more than the 4 KiB-page TLB covers (about 5 % more queries/s here). The stored elements are copied byte
// for byte and the block stays malloc-compatible (hnswlib reallocs and frees it). After create, load and resize.
void adviseHugePages(Hnsw& h) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr size_t huge = size_t(2) << 20;
  const size_t bytes = h.max_elements_ * h.size_data_per_element_;
  if (bytes < 2 * huge) return;
  void* block = nullptr;
  if (posix_memalign(&block, huge, bytes) != 0) return;
  madvise(block, bytes / huge * huge, MADV_HUGEPAGE);
  std::memcpy(block, h.data_level0_memory_, h.cur_element_count * h.size_data_per_element_);
  free(h.data_level0_memory_);
  h.data_level0_memory_ = static_cast<char*>(block);
#else
  (void)h;
#endif
}

struct Index {
  hnswlib::SpaceInterface<float>* space = nullptr;
  Hnsw* hnsw = nullptr;
  size_t dim = 0;
  ~Index() {
    delete hnsw;
    delete space;
  }
};

// One query into k result slots: the bare-bone path when nothing is deleted, else hnswlib's searchKnn.
size_t searchOne(Index& index, const float* query, size_t k, int32_t* labels, float* distances) {
  const Hnsw& h = *index.hnsw;
  if (h.cur_element_count == 0) {
    fillMissing(0, k, labels, distances);
    return 0;
  }
  if (h.num_deleted_ == 0) {
    return withDistance(h, [&](auto dist) { return searchBareBoneOne(h, dist, query, k, labels, distances); });
  }
  auto knn = h.searchKnn(query, k);
  const size_t n = knn.size();
  writeResults(knn, k, labels, distances);
  return n;
}

// q queries (q × dim) into q × k result slots.
void searchMany(Index& index, const float* queries, size_t q, size_t k, int32_t* labels, float* distances) {
  const Hnsw& h = *index.hnsw;
  if (h.cur_element_count == 0 || h.num_deleted_ > 0) {
    for (size_t j = 0; j < q; j++) searchOne(index, queries + j * index.dim, k, labels + j * k, distances + j * k);
    return;
  }
  withDistance(h, [&](auto dist) { searchBareBoneBatch(h, dist, queries, index.dim, q, k, labels, distances); });
}

// Leaves out the labels of a sorted list (the graph-level filter for a large exclusion set).
class ExcludeSorted : public hnswlib::BaseFilterFunctor {
 public:
  explicit ExcludeSorted(std::vector<int32_t> labels) : labels_(std::move(labels)) { std::sort(labels_.begin(), labels_.end()); }
  bool operator()(hnswlib::labeltype id) override {
    return !std::binary_search(labels_.begin(), labels_.end(), static_cast<int32_t>(id));
  }

 private:
  std::vector<int32_t> labels_;
};

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define NAPI_OK(call)                                   \
  do {                                                  \
    if ((call) != napi_ok) throw JsError("Node-API call failed: " #call); \
  } while (0)

template <size_t N>
void getArgs(napi_env env, napi_callback_info info, napi_value (&args)[N], size_t required) {
  size_t argc = N;
  NAPI_OK(napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  if (argc < required) throw JsError("expected at least " + std::to_string(required) + " arguments, got " + std::to_string(argc));
  for (size_t i = argc; i < N; i++) NAPI_OK(napi_get_undefined(env, &args[i]));
}

Index* getIndex(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) throw JsError("handle: not an hnsw index");
  return static_cast<Index*>(data);
}

double getNumber(napi_env env, napi_value value, const char* name) {
  double out = 0;
  if (napi_get_value_double(env, value, &out) != napi_ok) throw JsError(std::string(name) + ": must be a number");
  return out;
}

size_t getCount(napi_env env, napi_value value, const char* name) {
  const double v = getNumber(env, value, name);
  if (!(v >= 0) || v > 4294967295.0 || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throw JsError(std::string(name) + ": must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

bool getBool(napi_env env, napi_value value) {
  napi_valuetype type;
  NAPI_OK(napi_typeof(env, value, &type));
  if (type != napi_boolean) return false;
  bool out = false;
  NAPI_OK(napi_get_value_bool(env, value, &out));
  return out;
}

std::string getString(napi_env env, napi_value value, const char* name) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) throw JsError(std::string(name) + ": must be a string");
  std::string out(length, '\0');
  NAPI_OK(napi_get_value_string_utf8(env, value, out.data(), length + 1, &length));
  return out;
}

template <typename T>
T* getTyped(napi_env env, napi_value value, napi_typedarray_type want, size_t minLength, const char* name) {
  bool is = false;
  NAPI_OK(napi_is_typedarray(env, value, &is));
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is) NAPI_OK(napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr));
  if (!is || type != want) {
    throw JsError(std::string(name) + (want == napi_float32_array ? ": must be a Float32Array" : ": must be an Int32Array"));
  }
  if (length < minLength) {
    throw JsError(std::string(name) + ": length " + std::to_string(length) + " is less than " + std::to_string(minLength));
  }
  return static_cast<T*>(data);
}

napi_value undefinedValue(napi_env env) {
  napi_value out;
  NAPI_OK(napi_get_undefined(env, &out));
  return out;
}

napi_value numberValue(napi_env env, double v) {
  napi_value out;
  NAPI_OK(napi_create_double(env, v, &out));
  return out;
}

hnswlib::SpaceInterface<float>* makeSpace(const std::string& space, size_t dim) {
  if (space == "ip") return new hnswlib::InnerProductSpace(dim);
  if (space == "l2") return new hnswlib::L2Space(dim);
  throw JsError("space: must be 'ip' or 'l2', got '" + space + "'");
}

napi_value wrapIndex(napi_env env, Index* index) {
  napi_value out;
  const napi_status status = napi_create_external(
      env, index, [](napi_env, void* data, void*) { delete static_cast<Index*>(data); }, nullptr, &out);
  if (status != napi_ok) {
    delete index;
    throw JsError("Node-API call failed: napi_create_external");
  }
  return out;
}

// Runs a binding body, turning C++ exceptions into JS errors.
template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const JsError& e) {
    napi_throw_error(env, nullptr, e.what());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "hnswlib: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("hnswlib: ") + e.what()).c_str());
  }
  return nullptr;
}

// Pops hnswlib's max-heap (worst first) into best-first order; -1 and +inf past the results.
void writeResults(std::priority_queue<std::pair<float, hnswlib::labeltype>>& knn, size_t k, int32_t* labels, float* distances) {
  const size_t n = knn.size();
  for (size_t i = n; i < k; i++) {
    labels[i] = -1;
    distances[i] = std::numeric_limits<float>::infinity();
  }
  for (size_t i = n; i-- > 0;) {
    labels[i] = static_cast<int32_t>(knn.top().second);
    distances[i] = knn.top().first;
    knn.pop();
  }
}

// create(space, dim, maxElements, M, efConstruction, seed, allowReplaceDeleted?) → handle
napi_value Create(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[7];
    getArgs(env, info, args, 6);
    const std::string space = getString(env, args[0], "space");
    const size_t dim = getCount(env, args[1], "dim");
    const size_t maxElements = getCount(env, args[2], "maxElements");
    const size_t M = getCount(env, args[3], "M");
    const size_t efConstruction = getCount(env, args[4], "efConstruction");
    const size_t seed = getCount(env, args[5], "seed");
    if (dim < 1) throw JsError("dim: must be >= 1");
    if (M < 2) throw JsError("M: must be >= 2");
    Index* index = new Index();
    try {
      index->dim = dim;
      index->space = makeSpace(space, dim);
      index->hnsw = new hnswlib::HierarchicalNSW<float>(index->space, maxElements, M, efConstruction, seed, getBool(env, args[6]));
      adviseHugePages(*index->hnsw);
    } catch (...) {
      delete index;
      throw;
    }
    return wrapIndex(env, index);
  });
}

// load(space, dim, path, maxElements, allowReplaceDeleted?) → handle (maxElements 0: as saved)
napi_value Load(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[5];
    getArgs(env, info, args, 4);
    const std::string space = getString(env, args[0], "space");
    const size_t dim = getCount(env, args[1], "dim");
    const std::string path = getString(env, args[2], "path");
    const size_t maxElements = getCount(env, args[3], "maxElements");
    if (dim < 1) throw JsError("dim: must be >= 1");
    Index* index = new Index();
    try {
      index->dim = dim;
      index->space = makeSpace(space, dim);
      index->hnsw = new hnswlib::HierarchicalNSW<float>(index->space, path, false, maxElements, getBool(env, args[4]));
      adviseHugePages(*index->hnsw);
    } catch (...) {
      delete index;
      throw;
    }
    return wrapIndex(env, index);
  });
}

// save(handle, path)
napi_value Save(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[2];
    getArgs(env, info, args, 2);
    Index* index = getIndex(env, args[0]);
    index->hnsw->saveIndex(getString(env, args[1], "path"));
    return undefinedValue(env);
  });
}

// addPoint(handle, Float32Array vector, label, replaceDeleted?)
napi_value AddPoint(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[4];
    getArgs(env, info, args, 3);
    Index* index = getIndex(env, args[0]);
    const float* vector = getTyped<float>(env, args[1], napi_float32_array, index->dim, "vector");
    const size_t label = getCount(env, args[2], "label");
    index->hnsw->addPoint(vector, static_cast<hnswlib::labeltype>(label), getBool(env, args[3]));
    return undefinedValue(env);
  });
}

// markDelete(handle, label) → false when the label is unknown or already deleted
napi_value MarkDelete(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[2];
    getArgs(env, info, args, 2);
    Index* index = getIndex(env, args[0]);
    const size_t label = getCount(env, args[1], "label");
    bool done = true;
    try {
      index->hnsw->markDelete(static_cast<hnswlib::labeltype>(label));
    } catch (const std::runtime_error&) {
      done = false;
    }
    napi_value out;
    NAPI_OK(napi_get_boolean(env, done, &out));
    return out;
  });
}

// unmarkDelete(handle, label) → false when the label is unknown or not deleted
napi_value UnmarkDelete(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[2];
    getArgs(env, info, args, 2);
    Index* index = getIndex(env, args[0]);
    const size_t label = getCount(env, args[1], "label");
    bool done = true;
    try {
      index->hnsw->unmarkDelete(static_cast<hnswlib::labeltype>(label));
    } catch (const std::runtime_error&) {
      done = false;
    }
    napi_value out;
    NAPI_OK(napi_get_boolean(env, done, &out));
    return out;
  });
}

// resize(handle, maxElements)
napi_value Resize(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[2];
    getArgs(env, info, args, 2);
    Hnsw& h = *getIndex(env, args[0])->hnsw;
    h.resizeIndex(getCount(env, args[1], "maxElements"));
    adviseHugePages(h);
    return undefinedValue(env);
  });
}

// setEf(handle, ef)
napi_value SetEf(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[2];
    getArgs(env, info, args, 2);
    const size_t ef = getCount(env, args[1], "ef");
    if (ef < 1) throw JsError("ef: must be >= 1");
    getIndex(env, args[0])->hnsw->setEf(ef);
    return undefinedValue(env);
  });
}

napi_value GetCurrentCount(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[1];
    getArgs(env, info, args, 1);
    return numberValue(env, static_cast<double>(getIndex(env, args[0])->hnsw->getCurrentElementCount()));
  });
}

napi_value GetMaxElements(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[1];
    getArgs(env, info, args, 1);
    return numberValue(env, static_cast<double>(getIndex(env, args[0])->hnsw->getMaxElements()));
  });
}

// search(handle, Float32Array query, k, Int32Array outLabels, Float32Array outDistances, Int32Array? exclude)
// → the number of results (the rest of the k slots hold -1); `exclude` is a graph-level filter.
napi_value Search(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[6];
    getArgs(env, info, args, 5);
    Index* index = getIndex(env, args[0]);
    const float* query = getTyped<float>(env, args[1], napi_float32_array, index->dim, "query");
    const size_t k = getCount(env, args[2], "k");
    if (k < 1) throw JsError("k: must be >= 1");
    int32_t* labels = getTyped<int32_t>(env, args[3], napi_int32_array, k, "outLabels");
    float* distances = getTyped<float>(env, args[4], napi_float32_array, k, "outDistances");
    napi_valuetype excludeType;
    NAPI_OK(napi_typeof(env, args[5], &excludeType));
    std::priority_queue<std::pair<float, hnswlib::labeltype>> knn;
    if (excludeType == napi_undefined || excludeType == napi_null) {
      return numberValue(env, static_cast<double>(searchOne(*index, query, k, labels, distances)));
    } else {
      bool is = false;
      NAPI_OK(napi_is_typedarray(env, args[5], &is));
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      if (is) NAPI_OK(napi_get_typedarray_info(env, args[5], &type, &length, &data, nullptr, nullptr));
      if (!is || type != napi_int32_array) throw JsError("exclude: must be an Int32Array");
      const int32_t* excluded = static_cast<const int32_t*>(data);
      ExcludeSorted filter(std::vector<int32_t>(excluded, excluded + length));
      knn = index->hnsw->searchKnn(query, k, &filter);
    }
    const size_t n = knn.size();
    writeResults(knn, k, labels, distances);
    return numberValue(env, static_cast<double>(n));
  });
}

// searchBatch(handle, Float32Array queries (q×dim), q, k, Int32Array outLabels (q×k), Float32Array outDistances (q×k))
// Row j of the outputs holds query j's results best first, -1 labels past the last result.
napi_value SearchBatch(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value args[6];
    getArgs(env, info, args, 6);
    Index* index = getIndex(env, args[0]);
    const size_t q = getCount(env, args[2], "q");
    const size_t k = getCount(env, args[3], "k");
    if (k < 1) throw JsError("k: must be >= 1");
    const float* queries = getTyped<float>(env, args[1], napi_float32_array, q * index->dim, "queries");
    int32_t* labels = getTyped<int32_t>(env, args[4], napi_int32_array, q * k, "outLabels");
    float* distances = getTyped<float>(env, args[5], napi_float32_array, q * k, "outDistances");
    searchMany(*index, queries, q, k, labels, distances);
    return undefinedValue(env);
  });
}

// simd() → the widest vector instruction set hnswlib was compiled with here
napi_value Simd(napi_env env, napi_callback_info) {
#if defined(USE_AVX512)
  const char* simd = "avx512";
#elif defined(USE_AVX)
  const char* simd = "avx";
#elif defined(USE_SSE)
  const char* simd = "sse";
#else
  const char* simd = "scalar";
#endif
  napi_value out;
  napi_create_string_utf8(env, simd, NAPI_AUTO_LENGTH, &out);
  return out;
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"load", nullptr, Load, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"save", nullptr, Save, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"addPoint", nullptr, AddPoint, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"markDelete", nullptr, MarkDelete, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unmarkDelete", nullptr, UnmarkDelete, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"resize", nullptr, Resize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setEf", nullptr, SetEf, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getCurrentCount", nullptr, GetCurrentCount, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getMaxElements", nullptr, GetMaxElements, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"search", nullptr, Search, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"searchBatch", nullptr, SearchBatch, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"simd", nullptr, Simd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
