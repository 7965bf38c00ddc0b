#include "actors/redis_subscriber.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "logging/log.hpp"
#include "redis/connection.hpp"

namespace vapi_cache {

redis_subscriber::redis_subscriber(redis_subscriber_options options, caf::actor owner)
  : opts_(std::move(options)), owner_(std::move(owner)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "redis-sub");
}

redis_subscriber::~redis_subscriber() {
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(wake_fd_);
}

void redis_subscriber::run() {
  std::chrono::milliseconds backoff{0};
  bool up = false, ever = false;
  auto pause = [&](std::chrono::milliseconds d) {  // a wait the destructor can cut short
    pollfd p{wake_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
  };
  while (!stopping_.load()) {
    std::optional<redis::connection> conn;
    try {
      conn = redis::connection::open(opts_.where, opts_.timeout);
      auto ok = conn->run({"SUBSCRIBE", opts_.channel});
      if (ok.is_error())
        throw redis::connection_error("SUBSCRIBE refused: " + ok.text);
      if (!up)
        logging::info("redis_subscribed", {{"redis", opts_.where.redacted()},
                                           {"channel", opts_.channel}});
      up = ever = true;
      backoff = std::chrono::milliseconds(0);
      caf::anon_send(owner_, redis_subscribed_atom_v);
      while (!stopping_.load()) {
        auto m = conn->receive_for(std::chrono::seconds(1), wake_fd_);
        if (!m)
          continue;
        // ["message", channel, payload]; anything else (a subscribe count) is not news.
        if (m->type == redis::reply::kind::array && m->items.size() == 3 &&
            m->items[0].text == "message")
          caf::anon_send(owner_, redis_message_atom_v, std::move(m->items[2].text));
      }
    } catch (const redis::connection_error& e) {
      if (up || !ever)
        logging::warn("redis_subscription_lost",
                      {{"redis", opts_.where.redacted()}, {"reason", e.what()}});
      up = false;
      ever = true;
      backoff = backoff.count() == 0 ? opts_.min_backoff : std::min(backoff * 2, opts_.max_backoff);
      pause(backoff);
    }
  }
}

}  // namespace vapi_cache
