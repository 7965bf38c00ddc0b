// Test support: the example VAPI deliveries in tests/payloads (VAPI_CACHE_PAYLOADS), read whole.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

// The bytes of a file; throws (failing the test) when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// tests/payloads/<name>.
inline std::string read_payload(const std::string& name) {
  return read_file(std::filesystem::path(VAPI_CACHE_PAYLOADS) / name);
}

// Every .json file in tests/payloads, in name order.
inline std::vector<std::filesystem::path> payload_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(VAPI_CACHE_PAYLOADS))
    if (f.path().extension() == ".json")
      files.push_back(f.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace test_support
