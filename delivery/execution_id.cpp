// Base62 read digit by digit into 128 bits, refusing the first digit that would overflow.
#include "delivery/execution_id.hpp"

#include <cstdint>

namespace delivery {

namespace {

constexpr size_t max_digits = 22;  // 62^21 < 2^128 < 62^22

int digit_of(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 36;
  return -1;
}

}  // namespace

bool valid_execution_id(std::string_view id) {
  if (id.empty() || id.size() > max_digits) return false;
  __extension__ using u128 = unsigned __int128;  // GCC and clang; the value needs 128 bits
  const u128 max = ~u128(0);
  u128 value = 0;
  for (char c : id) {
    int d = digit_of(c);
    if (d < 0) return false;
    if (value > (max - u128(d)) / 62) return false;  // value * 62 + d would pass 2^128 - 1
    value = value * 62 + u128(d);
  }
  return true;
}

}  // namespace delivery
