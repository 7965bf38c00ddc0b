// Structured logs: one JSON object per line on stdout. The caller's thread formats its line
// (no JSON tree on the hot paths: `fields` writes the text directly) and hands it over with one
// compare-and-swap; a writer thread of its own writes everything queued in one write(2) at
// most every 50 ms while lines keep coming, at once for a line after a quiet spell and for warn
// and above, and at shutdown. Nothing a request thread does waits
// on the output: past a bound (4 MiB queued) a line is dropped and counted.
// Callers pass identifiers and numbers only; a transcript or a secret is never a field.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace logging {

enum class level { trace, debug, info, warn, error, critical, off };

struct options {
  int fd = 1;                                      // where lines go
  size_t max_queued_bytes = size_t(4) << 20;       // past this, lines are dropped (and counted)
  std::chrono::milliseconds period{50};            // how often queued lines are written
};

// Starts the writer; `level_name` is a LOG_LEVEL value. Call once, before any other function;
// until then (and after shutdown) nothing is logged.
void init(const std::string& level_name, const options& o = {});
// Writes what is queued and stops the writer.
void shutdown();

bool enabled(level l);
// Lines dropped because the queue was full (the output could not keep up), since init.
uint64_t dropped_lines();

// A line's fields as JSON members, written as they are added: the same text nlohmann::json's
// dump gives (strings escaped alike, invalid UTF-8 replaced by U+FFFD), without a tree.
class fields {
 public:
  fields& add(std::string_view key, std::string_view value);
  fields& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  fields& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  fields& add(std::string_view key, bool value);
  fields& add(std::string_view key, int64_t value);
  fields& add(std::string_view key, uint64_t value);
  fields& add(std::string_view key, int value) { return add(key, int64_t(value)); }
  fields& add(std::string_view key, double value);
  fields& add(std::string_view key, const nlohmann::ordered_json& value);
  const std::string& text() const { return text_; }  // `"a":1,"b":"x"`, no braces

 private:
  void key(std::string_view k);
  std::string text_;
};

// Writes {"ts":..., "level":..., "event": event, ...fields} when `l` is enabled.
void write(level l, std::string_view event, const fields& f);
void write(level l, std::string_view event, const nlohmann::ordered_json& fields = {});

// The shape of one line, without the timestamp's clock: for tests.
std::string format_line(level l, std::string_view event, std::string_view members,
                        std::chrono::system_clock::time_point at);

inline void debug(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::debug, e, f); }
inline void info(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::error, e, f); }
inline void debug(std::string_view e, const fields& f) { write(level::debug, e, f); }
inline void info(std::string_view e, const fields& f) { write(level::info, e, f); }

}  // namespace logging
