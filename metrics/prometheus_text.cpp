// See prometheus_text.hpp.
#include "metrics/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace metrics {
namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name[0]) || name[0] == ':'))
    return false;
  for (char c : name)
    if (!(is_name_start(c) || is_digit(c) || c == ':'))
      return false;
  return true;
}

// [a-zA-Z_][a-zA-Z0-9_]*, and "__" is reserved for Prometheus' own labels.
bool valid_label_name(std::string_view name) {
  if (name.empty() || !is_name_start(name[0]) || name.substr(0, 2) == "__")
    return false;
  for (char c : name)
    if (!(is_name_start(c) || is_digit(c)))
      return false;
  return true;
}

// HELP escapes only \ and newline; label values escape " as well.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
}

// Integral values below 2^53 (exact in a double) are written as integers, everything else in
// the shortest form that parses back to the same double. to_chars ignores the C locale, which
// could otherwise turn the decimal point into a comma.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0)
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));  // -0.0 gives "0"
  else if (std::fabs(v) >= 1e-4 && std::fabs(v) < 1e15)
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);  // 0.0005, not 5e-04
  else
    r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_count(std::string& out, uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void check_labels(const labels& l, bool histogram) {
  for (size_t i = 0; i < l.size(); ++i) {
    const std::string& name = l[i].first;
    if (!valid_label_name(name))
      throw std::invalid_argument("invalid label name: " + name);
    if (histogram && name == "le")
      throw std::invalid_argument("label \"le\" is reserved in a histogram");
    for (size_t j = 0; j < i; ++j)
      if (l[j].first == name)
        throw std::invalid_argument("duplicate label name: " + name);
  }
}

// Writes {l1="v1",...,<extra>} or nothing when there are no labels at all; `extra` is an
// already formatted pair such as le="0.5".
void append_labels(std::string& out, const labels& l, std::string_view extra = {}) {
  if (l.empty() && extra.empty())
    return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : l) {
    if (!first)
      out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  }
  if (!extra.empty()) {
    if (!first)
      out += ',';
    out += extra;
  }
  out += '}';
}

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  throw std::invalid_argument("unknown metric type");
}

}  // namespace

void prometheus_text::family(std::string_view name, metric_type type, std::string_view help) {
  if (!valid_metric_name(name))
    throw std::invalid_argument("invalid metric name: " + std::string(name));
  // Scrapers and the Python parser expect a counter's samples to be named <family>_total.
  constexpr std::string_view total = "_total";
  if (type == metric_type::counter &&
      (name.size() < total.size() || name.substr(name.size() - total.size()) != total))
    throw std::invalid_argument("counter name must end in _total: " + std::string(name));
  // A # TYPE line always follows its # HELP line and newlines elsewhere are escaped, so this
  // finds exactly an earlier family of the same name; a page has a few dozen, the scan is cheap.
  std::string type_line = "\n# TYPE " + std::string(name) + ' ';
  if (out_.find(type_line) != std::string::npos)
    throw std::logic_error("family started twice: " + std::string(name));
  name_ = name;
  type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help, false);
  out_ += type_line;  // its newline ends the # HELP line
  out_ += type_name(type);
  out_ += '\n';
}

void prometheus_text::sample(const labels& l, double value) {
  if (name_.empty())
    throw std::logic_error("sample() before family()");
  if (type_ == metric_type::histogram)
    throw std::logic_error("sample() in histogram family " + name_);
  check_labels(l, false);
  start_line("", l);
  append_number(out_, value);
  out_ += '\n';
}

void prometheus_text::histogram(const labels& l, const std::vector<double>& upper_bounds,
                                const std::vector<uint64_t>& counts, double sum) {
  if (name_.empty())
    throw std::logic_error("histogram() before family()");
  if (type_ != metric_type::histogram)
    throw std::logic_error("histogram() in non-histogram family " + name_);
  check_labels(l, true);
  if (counts.size() != upper_bounds.size() + 1)
    throw std::invalid_argument("histogram needs one count per bound plus one: " + name_);
  // +Inf is always written last by us, so a caller's bound must be finite.
  for (size_t i = 0; i < upper_bounds.size(); ++i)
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i])))
      throw std::invalid_argument("histogram bounds must be finite and ascend: " + name_);

  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i <= upper_bounds.size(); ++i) {
    cumulative += counts[i];
    le = "le=\"";
    if (i < upper_bounds.size())
      append_number(le, upper_bounds[i]);
    else
      le += "+Inf";
    le += '"';
    start_line("_bucket", l, le);
    append_count(out_, cumulative);
    out_ += '\n';
  }
  start_line("_sum", l);
  append_number(out_, sum);
  out_ += '\n';
  start_line("_count", l);
  append_count(out_, cumulative);
  out_ += '\n';
}

void prometheus_text::start_line(std::string_view suffix, const labels& l,
                                 std::string_view extra) {
  out_ += name_;
  out_ += suffix;
  append_labels(out_, l, extra);
  out_ += ' ';
}

}  // namespace metrics
