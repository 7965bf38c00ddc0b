// A fixed-bucket histogram owned by one thread: plain counts, no atomics, for state that an
// actor keeps and copies out in a snapshot.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace metrics {

class histogram {
 public:
  // `upper_bounds` ascend; values above the last fall in one more, unbounded bucket.
  explicit histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

  void observe(double value) {
    // A bucket holds values <= its bound (Prometheus's "le").
    auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    ++counts_[static_cast<size_t>(at)];
    sum_ += value;
  }

  const std::vector<double>& upper_bounds() const { return bounds_; }
  const std::vector<uint64_t>& counts() const { return counts_; }  // per bucket, + the unbounded
  double sum() const { return sum_; }
  uint64_t count() const {
    uint64_t n = 0;
    for (auto c : counts_)
      n += c;
    return n;
  }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
};

}  // namespace metrics
