// Loading settings: parse the KEY=VALUE layers, let each later layer override, then convert and
// check every value, naming the setting and where its bad value came from.
#include "config/settings.hpp"

#include "config/converter.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace config {
namespace {

struct entry {
  std::string name;
  std::string value;
  std::string help;  // the comment lines right above it (defaults file only)
};

struct raw_value {
  std::string value;
  std::string source;  // "defaults", "file /etc/x.conf", "environment", "--port"
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// KEY=VALUE lines, '#' comments, blank lines. On a malformed line, `error` says where.
std::vector<entry> parse_conf(const std::string& text, const std::string& origin,
                              std::string& error) {
  std::vector<entry> out;
  std::istringstream in(text);
  std::string line, help;
  for (int n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty()) {
      help.clear();  // a blank line ends a comment block that belongs to no setting
    } else if (line[0] == '#') {
      help += (help.empty() ? "" : " ") + trim(line.substr(1));
    } else if (auto eq = line.find('='); eq != std::string::npos && eq > 0) {
      out.push_back({trim(line.substr(0, eq)), trim(line.substr(eq + 1)), help});
      help.clear();
    } else {
      error = origin + " line " + std::to_string(n) + ": expected KEY=VALUE, got \"" + line + "\"";
      return {};
    }
  }
  return out;
}

// CACHE_TTL_SECONDS -> --cache-ttl-seconds
std::string flag_of(const std::string& name) {
  std::string flag = "--";
  for (char c : name)
    flag += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return flag;
}

// 0: one per CPU the process may use (its affinity mask and cgroup quota), not per CPU of the host.
unsigned resolve_threads(uint64_t n, const settings& s) {
  return n != 0 ? static_cast<unsigned>(n) : std::max(1u, s.cpus.count);
}

// An HTTP header name (RFC 9110 token); `allow_empty` for settings where empty means "none".
converter header_name(bool allow_empty, std::string settings::*field) {
  return [=](const std::string& text, settings& s) -> std::optional<std::string> {
    static const std::string extra = "!#$%&'*+-.^_`|~";
    bool ok = allow_empty || !text.empty();
    for (char c : text)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string::npos);
    if (!ok)
      return std::string(allow_empty ? "expected a header name or nothing"
                                     : "expected a header name");
    s.*field = text;
    return std::nullopt;
  };
}

std::map<std::string, converter> general_converters() {
  static const std::map<std::string, converter> table = {
    {"HOST",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text.empty() || text.find_first_of(" \t/") != std::string::npos)
         return std::string("expected an IP address or host name");
       s.host = text;
       return std::nullopt;
     }},
    {"PORT", whole_number(0, 65535, [](settings& s, uint64_t v) { s.port = uint16_t(v); })},
    {"CACHE_TTL_SECONDS", whole_number(1, 31536000, [](settings& s, uint64_t v) {
       s.cache_ttl = std::chrono::seconds(v);
     })},
    {"MAX_BODY_BYTES", whole_number(1024, 1ull << 30, [](settings& s, uint64_t v) {
       s.max_body_bytes = v;
     })},
    {"HTTP_THREADS",
     whole_number(0, 256,
                  [](settings& s, uint64_t v) { s.http_threads = resolve_threads(v, s); })},
    {"ACTOR_THREADS",
     whole_number(0, 256,
                  [](settings& s, uint64_t v) { s.actor_threads = resolve_threads(v, s); })},
    {"LOG_LEVEL",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
       if (std::find(std::begin(levels), std::end(levels), text) == std::end(levels))
         return std::string("expected one of trace, debug, info, warn, error, critical, off");
       s.log_level = text;
       return std::nullopt;
     }},
    {"THREAD_SCHEDULING",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text != "batch" && text != "normal")
         return std::string("expected batch or normal");
       s.batch_scheduling = text == "batch";
       return std::nullopt;
     }},
    {"SHUTDOWN_DELAY_SECONDS", whole_number(0, 3600, [](settings& s, uint64_t v) {
       s.shutdown_delay = std::chrono::seconds(v);
     })},
    {"SHUTDOWN_GRACE_SECONDS", whole_number(0, 3600, [](settings& s, uint64_t v) {
       s.shutdown_grace = std::chrono::seconds(v);
     })},
    {"MAX_WAIT_SECONDS", whole_number(0, 3600, [](settings& s, uint64_t v) {
       s.max_wait = std::chrono::seconds(v);
     })},
    {"MAX_WAITERS", whole_number(0, 10000000, [](settings& s, uint64_t v) {
       s.max_waiters = v;
     })},
    {"MAX_CONNECTIONS", whole_number(0, 16000000, [](settings& s, uint64_t v) {
       s.max_connections = v;
     })},
    {"SEND_TIMEOUT_SECONDS", whole_number(1, 3600, [](settings& s, uint64_t v) {
       s.send_timeout = std::chrono::seconds(v);
     })},
    {"MAX_OUTPUT_BUFFER_BYTES", whole_number(1u << 20, 1ull << 40, [](settings& s, uint64_t v) {
       s.max_output_buffer_bytes = v;
     })},
    {"WEBHOOK_SECRET", any_text(&settings::webhook_secret)},
    {"WEBHOOK_SECRET_HEADER", header_name(true, &settings::webhook_secret_header)},
    {"WEBHOOK_HMAC_SECRET", any_text(&settings::webhook_hmac_secret)},
    {"WEBHOOK_HMAC_ALGORITHM",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text != "sha256" && text != "sha512" && text != "sha1")
         return std::string("expected sha256, sha512 or sha1");
       s.webhook_hmac_algorithm = text;
       return std::nullopt;
     }},
    {"WEBHOOK_SIGNATURE_HEADER", header_name(false, &settings::webhook_signature_header)},
    {"WEBHOOK_SIGNATURE_PREFIX", any_text(&settings::webhook_signature_prefix)},
    {"WEBHOOK_TIMESTAMP_HEADER", header_name(true, &settings::webhook_timestamp_header)},
    {"WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", whole_number(1, 86400, [](settings& s, uint64_t v) {
       s.webhook_timestamp_tolerance = std::chrono::seconds(v);
     })},
    {"API_TOKEN", any_text(&settings::api_token)},
    {"DATA_DIR", any_text(&settings::data_dir)},
    {"JOURNAL_FSYNC",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (text != "always" && text != "everysec" && text != "no")
         return std::string("expected always, everysec or no");
       s.journal_fsync = text;
       return std::nullopt;
     }},
    {"JOURNAL_SEGMENT_MB", whole_number(1, 4096, [](settings& s, uint64_t v) {
       s.journal_segment_bytes = v << 20;
     })},
    {"MAX_MEMORY_MB", whole_number(1, 1u << 24, [](settings& s, uint64_t v) {
       s.max_memory_bytes = v << 20;
     })},
    {"MAX_ENTRIES", whole_number(1, 1ull << 32, [](settings& s, uint64_t v) {
       s.max_entries = v;
     })},
  };
  return table;
}

// Every setting's converter: those above, the store's (config/store_settings.cpp) and
// delivery's (config/delivery_settings.cpp).
const std::map<std::string, converter>& converters() {
  static const std::map<std::string, converter> table = [] {
    auto all = general_converters();
    for (auto& [name, conv] : store_converters())
      all.emplace(name, conv);
    for (auto& [name, conv] : delivery_converters())
      all.emplace(name, conv);
    return all;
  }();
  return table;
}

std::string help_text(const std::vector<entry>& defaults) {
  std::ostringstream out;
  out << "vapi-cache: receives VAPI end-of-call-report webhooks and keeps each call's result\n"
         "in memory until its TTL ends, for the workflow polling for it.\n\n"
         "Usage: vapi-cache [--config FILE] [--SETTING VALUE]...\n\n"
         "Each setting is read from, lowest first: the built-in defaults < --config FILE\n"
         "(or CONFIG_FILE) < the environment variable < the flag.\n\n"
         "  --config FILE, CONFIG_FILE\n      A file of KEY=VALUE lines, as config/defaults.conf.\n";
  for (const auto& e : defaults) {
    out << "  " << flag_of(e.name) << ", " << e.name << "  (default "
        << (e.value.empty() ? "empty" : e.value) << ")\n";
    if (!e.help.empty())
      out << "      " << e.help << "\n";
  }
  out << "  --help, -h\n      Print this and exit.\n";
  return out.str();
}

// Settings whose values are never written into a message (REDIS_URL may carry a password).
bool secret(const std::string& name) {
  // FORWARD_URL too: a Kestra webhook trigger's key is in its path; KESTRA_URL, which is
  // refused when it holds credentials, and would repeat them.
  return name == "REDIS_URL" || name == "WEBHOOK_SECRET" || name == "WEBHOOK_HMAC_SECRET" ||
         name == "API_TOKEN" || name == "KESTRA_PASSWORD" || name == "KESTRA_API_TOKEN" ||
         name == "KESTRA_URL" || name == "FORWARD_URL" || name == "FORWARD_SECRET";
}

load_result fail(std::string message) {
  return {std::nullopt, 2, "vapi-cache: " + message + " (see --help)\n"};
}

}  // namespace

load_result load(const std::vector<std::string>& args, const env_lookup& env,
                 const std::string& defaults_conf) {
  std::string error;
  auto defaults = parse_conf(defaults_conf, "built-in defaults", error);
  if (!error.empty())
    return fail(error);

  // Layer 1: defaults. Every setting the code knows must have one, and no other may.
  std::map<std::string, raw_value> raw;
  for (const auto& e : defaults) {
    if (!converters().count(e.name))
      return fail("built-in defaults name an unknown setting " + e.name);
    raw[e.name] = {e.value, "defaults"};
  }
  for (const auto& [name, conv] : converters())
    if (!raw.count(name))
      return fail("built-in defaults lack the setting " + name);

  // Flags are read first (but applied last) because --config says which file is layer 2.
  std::vector<std::pair<std::string, std::string>> flags;  // (setting name, value)
  std::string config_file;
  if (const char* f = env("CONFIG_FILE"); f && *f)
    config_file = f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h")
      return {std::nullopt, 0, help_text(defaults)};
    if (arg.rfind("--", 0) != 0)
      return fail("unexpected argument \"" + arg + "\"");
    auto eq = arg.find('=');
    std::string flag = arg.substr(0, eq), value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fail(flag + " needs a value");
    }
    if (flag == "--config") {
      config_file = value;
      continue;
    }
    auto known = std::find_if(defaults.begin(), defaults.end(),
                              [&](const entry& e) { return flag_of(e.name) == flag; });
    if (known == defaults.end())
      return fail("unknown flag " + flag);
    flags.emplace_back(known->name, value);
  }

  // Layer 2: the operator's file.
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in)
      return fail("cannot read config file " + config_file);
    std::stringstream text;
    text << in.rdbuf();
    auto entries = parse_conf(text.str(), config_file, error);
    if (!error.empty())
      return fail(error);
    for (const auto& e : entries) {
      if (!raw.count(e.name))
        return fail(config_file + " names an unknown setting " + e.name);
      raw[e.name] = {e.value, "file " + config_file};
    }
  }

  // Layer 3: environment. An empty variable counts as unset, as templated deployments leave them,
  // except DATA_DIR, whose empty value is a choice (memory only), logged as a warning at start.
  for (auto& [name, value] : raw)
    if (const char* v = env(name.c_str()); v && (*v || name == "DATA_DIR"))
      value = {v, "environment"};

  // Layer 4: flags.
  for (const auto& [name, value] : flags)
    raw[name] = {value, flag_of(name)};

  settings s;
  s.cpus = detect();  // before the converters: HTTP_THREADS=0 and ACTOR_THREADS=0 read it
  for (const auto& [name, value] : raw)
    if (auto problem = converters().at(name)(value.value, s))
      return fail("invalid " + name + " " + (secret(name) ? "" : "\"" + value.value + "\" ") +
                  "(from " + value.source + "): " + *problem);
  if (s.max_memory_bytes < s.max_body_bytes)
    return fail("invalid MAX_MEMORY_MB \"" + raw["MAX_MEMORY_MB"].value + "\" (from " +
                raw["MAX_MEMORY_MB"].source + "): cannot hold even one report of MAX_BODY_BYTES (" +
                std::to_string(s.max_body_bytes) + " bytes)");
  if (auto problem = check_delivery(s))
    return fail(*problem);
  return {std::move(s), 0, {}};
}

}  // namespace config
