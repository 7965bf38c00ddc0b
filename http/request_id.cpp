// Ids are random, not sequential, so that ids from several replicas never collide; each thread
// draws from its own generator, so making one takes no lock.
#include "http/request_id.hpp"

#include <algorithm>
#include <random>

namespace http {

bool is_acceptable_request_id(std::string_view id) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._:/+=@-").find(c) != std::string_view::npos;
  };
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), ok);
}

std::string request_id_for(std::optional<std::string_view> from_client) {
  if (from_client && is_acceptable_request_id(*from_client))
    return std::string(*from_client);
  // Seeded from 128 bits, not one 32-bit draw: 2^32 seeds would make collisions across
  // threads and replicas plausible.
  thread_local std::mt19937_64 random = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t half = 0; half < 2; ++half) {
    uint64_t bits = random();
    for (size_t i = 0; i < 16; ++i, bits >>= 4)
      id[half * 16 + i] = hex[bits & 0xf];
  }
  return id;
}

}  // namespace http
