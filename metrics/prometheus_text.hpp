// Writes the Prometheus text exposition format, version 0.0.4: # HELP and # TYPE once per
// family, escaped label values, cumulative histogram buckets ending in le="+Inf".
// Pure: no I/O and no shared state; one writer builds one page, on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metrics {

enum class metric_type { counter, gauge, histogram };

// Label name and value, in the order they are written. Values are escaped by the writer.
using labels = std::vector<std::pair<std::string, std::string>>;

class prometheus_text {
 public:
  // Starts a family: writes its # HELP and # TYPE lines. `name` is the family name as sampled
  // (counters end in _total; a histogram's samples add _bucket, _sum, _count). Each family is
  // started once, and all of its samples follow it before the next family starts.
  void family(std::string_view name, metric_type type, std::string_view help);

  // One counter or gauge sample of the current family.
  void sample(const labels& l, double value);

  // One histogram of the current family. `upper_bounds` ascend; `counts` holds one count per
  // bound plus the last for values above every bound (per bucket, not cumulative); `sum` is the
  // sum of the observed values. Writes cumulative _bucket lines (with le="+Inf"), _sum, _count.
  void histogram(const labels& l, const std::vector<double>& upper_bounds,
                 const std::vector<uint64_t>& counts, double sum);

  const std::string& text() const { return out_; }

  // The text format's own content type.
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  // Writes "<family><suffix>{labels[,extra]} ", ready for the value and the newline.
  void start_line(std::string_view suffix, const labels& l, std::string_view extra = {});

  std::string out_;
  std::string name_;  // of the current family
  metric_type type_ = metric_type::gauge;
};

}  // namespace metrics
