// Test support: the flows of examples/kestra as files: their text, their YAML as JSON (through
// python3 with PyYAML), their tasks and durations, and jq run on what they would see. Test
// code only.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <unistd.h>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/service_process.hpp"

namespace kestra_flows {

using nlohmann::json;

// A flow file as JSON, through python3 and PyYAML; nullopt when either is missing. Debian's
// python3 first: python3-yaml (scripts/install-deps.sh --test) is installed for it, and a
// python3 earlier on PATH (pyenv, a venv) may lack it.
inline std::optional<json> flow_json(const std::string& path) {
  std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  std::string cmd = python + " -c 'import json,sys,yaml; json.dump(yaml.safe_load("
                    "open(sys.argv[1])), sys.stdout)' '" + path + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p)
    return std::nullopt;
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
    out.append(buf, n);
  if (pclose(p) != 0)
    return std::nullopt;
  auto j = json::parse(out, nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

#ifdef VAPI_CACHE_EXAMPLES
inline const std::string examples = VAPI_CACHE_EXAMPLES "/kestra/";
#else
inline const std::string examples = VAPI_CACHE_PAYLOADS "/../../examples/kestra/";
#endif

inline std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Why a flow could not be read or an expression run: the README's test command installs both.
constexpr const char* needs_yaml =
  "reading the flows needs python3 with PyYAML (scripts/install-deps.sh --test installs it)";
constexpr const char* needs_jq = "needs jq on PATH (scripts/install-deps.sh --test installs it)";

// The flow as JSON; the test fails (needs_yaml) when python3 or PyYAML is missing.
#define FLOW_OR_FAIL(var, file)                         \
  auto var##_read = flow_json(examples + file);         \
  if (!var##_read)                                      \
    FAIL() << file << ": " << kestra_flows::needs_yaml; \
  const json& var = *var##_read

inline const json& task(const json& tasks, const std::string& id) {
  for (auto& t : tasks)
    if (t.value("id", "") == id)
      return t;
  static const json none = json::object();
  ADD_FAILURE() << "no task " << id;
  return none;
}

// "PT65S", "PT15M", "PT1H" in seconds.
inline double seconds(const std::string& iso) {
  std::smatch m;
  if (!std::regex_match(iso, m, std::regex(R"(PT(\d+)([SMH]))"))) {
    ADD_FAILURE() << "not a simple duration: " << iso;
    return -1;
  }
  return std::stod(m[1]) * (m[2] == "S" ? 1 : m[2] == "M" ? 60 : 3600);
}

// `jq -c expression` over `input`, as Kestra's jq filter runs it (jackson-jq, jq 1.6); nullopt
// without a jq on PATH.
inline std::optional<std::string> run_jq(const std::string& expression, const std::string& input) {
  if (system("command -v jq >/dev/null 2>&1") != 0)
    return std::nullopt;
  std::string file = test_support::make_temp_dir("kestra-jq") + "/in.json";
  std::ofstream(file) << input;
  std::string cmd = "jq -c '" + expression + "' '" + file + "'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;)
    out.append(buf, n);
  if (p)
    pclose(p);
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

// The argument of the first jq('...') in a flow expression.
inline std::string jq_of(const std::string& expression) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(expression, m, std::regex(R"(jq\('([^']*)'\))"))) << expression;
  return m.size() > 1 ? std::string(m[1]) : "";
}

}  // namespace kestra_flows
