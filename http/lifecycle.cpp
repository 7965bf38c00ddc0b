// Polling the counter is fine here: it runs once, on the main thread, during shutdown.
#include "http/lifecycle.hpp"

#include <thread>

namespace http {

bool lifecycle::wait_idle(std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (in_flight_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace http
