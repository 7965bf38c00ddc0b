// spdlog does the queueing and writing; this file only shapes each line as JSON.
#include "logging/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace logging {
namespace {

std::shared_ptr<spdlog::logger> logger_;

spdlog::level::level_enum to_spdlog(level l) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(l));  // same order
}

}  // namespace

void init(const std::string& level_name) {
  // A full queue drops its oldest line instead of making a request thread wait.
  spdlog::init_thread_pool(16384, 1);
  logger_ = spdlog::create_async_nb<spdlog::sinks::stdout_sink_mt>("vapi-cache");
  logger_->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                       spdlog::pattern_time_type::utc);
  logger_->set_level(spdlog::level::from_str(level_name == "warn" ? "warning" : level_name));
  logger_->flush_on(spdlog::level::trace);  // every line reaches the pipe at once
}

void shutdown() {
  if (logger_)
    logger_->flush();
  logger_.reset();
  spdlog::shutdown();
}

bool enabled(level l) {
  return logger_ && logger_->should_log(to_spdlog(l));
}

void write(level l, std::string_view event, const nlohmann::ordered_json& fields) {
  if (!enabled(l))
    return;
  std::string line = "\"event\":" + nlohmann::json(event).dump();
  if (fields.is_object() && !fields.empty()) {
    auto rest = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += ',';
    line.append(rest, 1, rest.size() - 2);  // members only, without the braces
  }
  logger_->log(to_spdlog(l), "{}", line);
}

}  // namespace logging
