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

void redis_subscriber::master_changed() {
  if (opts_.sentinels.empty())
    return;
  master_changed_.store(true);  // before the wake-up, so the woken thread sees it
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

// The eventfd is written by the destructor (stopping_ says so) and by master_changed(); each
// wake-up reads it back to zero, so that a wait after it waits again.
void redis_subscriber::run() {
  std::chrono::milliseconds backoff{0};
  bool up = false, ever = false;
  std::optional<redis::endpoint> master;  // with sentinels: the last one subscribed on
  auto drain = [this] {
    uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
  };
  auto pause = [&](std::chrono::milliseconds d) {  // a wait the destructor can cut short
    pollfd p{wake_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
    drain();
  };
  auto where = [&] {  // for log lines: never the password
    if (master || opts_.sentinels.empty())
      return (master ? *master : opts_.where).redacted();
    return "sentinel master " + opts_.master_name;
  };
  auto open = [&] {
    if (opts_.sentinels.empty())
      return redis::connection::open(opts_.where, opts_.timeout);
    master_changed_.store(false);  // this look-up answers every change announced so far
    auto found = redis::resolve_master(opts_.sentinels, opts_.master_name, opts_.where,
                                       opts_.timeout);
    if (!found.ok)
      throw redis::connection_error(found.error);
    bool moved = master && (master->host != found.ok->host || master->port != found.ok->port);
    if (moved)
      up = false;  // a new place: logged as such below
    master = std::move(found.ok);
    return std::move(*found.conn);
  };
  while (!stopping_.load()) {
    std::optional<redis::connection> conn;
    try {
      conn = open();
      auto ok = conn->run({"SUBSCRIBE", opts_.channel});
      if (ok.is_error())
        throw redis::connection_error("SUBSCRIBE refused: " + ok.text);
      if (!up)
        logging::info("redis_subscribed", {{"redis", where()}, {"channel", opts_.channel}});
      up = ever = true;
      backoff = std::chrono::milliseconds(0);
      caf::anon_send(owner_, redis_subscribed_atom_v);
      while (!stopping_.load()) {
        auto m = conn->receive_for(std::chrono::seconds(1), wake_fd_);
        if (!m) {
          drain();
          if (master_changed_.load())
            break;  // subscribe again, where the sentinels say
          continue;
        }
        // ["message", channel, payload]; anything else (a subscribe count) is not news.
        if (m->type == redis::reply::kind::array && m->items.size() == 3 &&
            m->items[0].text == "message")
          caf::anon_send(owner_, redis_message_atom_v, std::move(m->items[2].text));
      }
    } catch (const redis::connection_error& e) {
      if (up || !ever)
        logging::warn("redis_subscription_lost",
                      {{"redis", where()}, {"reason", e.what()}});
      up = false;
      ever = true;
      backoff = backoff.count() == 0 ? opts_.min_backoff : std::min(backoff * 2, opts_.max_backoff);
      pause(backoff);
    }
  }
}

}  // namespace vapi_cache
