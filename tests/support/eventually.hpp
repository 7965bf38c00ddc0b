// Test support: bounded polling, never a sleep standing for an assertion.
#pragma once

#include <chrono>
#include <thread>

namespace test_support {

// True as soon as `f()` is, false if it is not within `within`; asks every `every`.
template <class F>
bool eventually(F f, std::chrono::milliseconds within = std::chrono::seconds(10),
                std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  for (auto deadline = std::chrono::steady_clock::now() + within;;) {
    if (f())
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace test_support
