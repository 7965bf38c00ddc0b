// The store's settings (README, "Run several instances"): STORE and the Redis store's.
#include "config/converter.hpp"

namespace config {

std::map<std::string, converter> store_converters() {
  return {
    {"STORE",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text != "memory" && text != "redis")
         return std::string("expected memory or redis");
       s.store = text;
       return std::nullopt;
     }},
    // Its error never repeats the URL (it may hold a password): see the secret names below.
    {"REDIS_URL",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       auto parsed = redis::parse_url(text);
       if (!parsed.ok)
         return parsed.error;
       s.redis = *parsed.ok;
       return std::nullopt;
     }},
    {"REDIS_KEY_PREFIX", any_text(&settings::redis_key_prefix)},
    {"REDIS_SENTINELS",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       s.redis_sentinels.clear();
       if (text.empty())
         return std::nullopt;
       auto parsed = redis::parse_sentinels(text);
       if (!parsed.error.empty())
         return parsed.error;
       s.redis_sentinels = parsed.ok;
       return std::nullopt;
     }},
    {"REDIS_MASTER_NAME",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text.empty() || text.find_first_of(" \t\r\n") != std::string::npos)
         return std::string("expected a master name without spaces");
       s.redis_master_name = text;
       return std::nullopt;
     }},
    {"REDIS_WAIT_REPLICAS",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text == "auto")
         return s.redis_wait_replicas = -1, std::nullopt;
       auto n = parse_uint(text, 0, 16);
       if (!n)
         return std::string("expected auto or a whole number from 0 to 16");
       s.redis_wait_replicas = static_cast<int>(*n);
       return std::nullopt;
     }},
    {"REDIS_TIMEOUT_MS", whole_number(10, 60000, [](settings& s, uint64_t v) {
       s.redis_timeout = std::chrono::milliseconds(v);
     })},
  };
}

}  // namespace config
