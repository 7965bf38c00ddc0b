// Structured logs: one JSON object per line on stdout, formatted by the caller's thread and
// written by a background thread, so logging never blocks a reactor or the cache actor.
// Callers pass identifiers and numbers only; a transcript or a secret is never a field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace logging {

enum class level { trace, debug, info, warn, error, critical, off };

// Starts the writer; `level_name` is a LOG_LEVEL value. Call once, before any other function.
void init(const std::string& level_name);
// Writes what is queued and stops the writer.
void shutdown();

bool enabled(level l);

// Writes {"ts":..., "level":..., "event": event, ...fields} when `l` is enabled.
void write(level l, std::string_view event, const nlohmann::ordered_json& fields = {});

inline void debug(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::debug, e, f); }
inline void info(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, const nlohmann::ordered_json& f = {}) { write(level::error, e, f); }

}  // namespace logging
