// Test support for tests/settings_test.cpp and tests/settings_refusals_test.cpp: config::load
// over a map as the environment, a config file on disk, and the defaults file's names.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "config/cpu_budget.hpp"
#include "config/settings.hpp"

namespace settings_support {

using env_map = std::map<std::string, std::string>;

inline config::load_result load(const std::vector<std::string>& args, const env_map& env = {},
                         const std::string& defaults = config::defaults_text) {
  config::env_lookup lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  return config::load(args, lookup, defaults);
}

// A config file on disk for the test's lifetime.
class temp_file {
 public:
  explicit temp_file(const std::string& text) {
    std::string pattern = testing::TempDir() + "vapi_settings_XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    EXPECT_GE(fd, 0) << "mkstemp " << pattern;
    if (fd >= 0)
      close(fd);
    path_ = name.data();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The setting names defaults.conf declares, in its order.
inline std::vector<std::string> names_in_defaults() {
  std::vector<std::string> names;
  std::istringstream in(config::defaults_text);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (!line.empty() && line[0] != '#' && eq != std::string::npos)
      names.push_back(line.substr(0, eq));
  }
  return names;
}

// config::defaults_text with one line replaced, removed (replacement ""), or added (no match).
inline std::string defaults_with(const std::string& name, const std::string& replacement) {
  std::istringstream in(config::defaults_text);
  std::string out;
  bool replaced = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "=", 0) == 0) {
      replaced = true;
      if (!replacement.empty())
        out += replacement + "\n";
    } else {
      out += line + "\n";
    }
  }
  if (!replaced)
    out += replacement + "\n";
  return out;
}

// What HTTP_THREADS=0 resolves to: the CPUs this process may use, not the host's.
inline unsigned resolved_cores() { return config::detect().count; }

// Asserts a refusal: exit code 2, no values, and an output that mentions every `parts`.
inline void expect_refused(const config::load_result& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.values.has_value());
  EXPECT_EQ(r.output.rfind("vapi-cache: ", 0), 0u) << r.output;
  for (const auto& part : parts)
    EXPECT_NE(r.output.find(part), std::string::npos) << "no \"" << part << "\" in " << r.output;
}

}  // namespace settings_support
