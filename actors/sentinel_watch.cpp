#include "actors/sentinel_watch.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "logging/log.hpp"
#include "redis/connection.hpp"

namespace vapi_cache {

sentinel_watch::sentinel_watch(sentinel_watch_options options, redis_link_actor link,
                               std::vector<caf::actor> others)
  : opts_(std::move(options)), link_(std::move(link)), others_(std::move(others)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "redis-sentinel");
}

sentinel_watch::~sentinel_watch() {
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(wake_fd_);
}

void sentinel_watch::notify() {
  if (link_)
    caf::anon_send(link_, redis_master_atom_v);
  for (auto& a : others_)
    caf::anon_send(a, redis_master_atom_v);
}

void sentinel_watch::run() {
  std::chrono::milliseconds backoff{0};
  bool up = false, ever_up = false, ever_tried = false;
  size_t next = 0;  // the sentinel tried first
  const size_t count = opts_.sentinels.size();
  auto pause = [&](std::chrono::milliseconds d) {  // a wait the destructor can cut short
    pollfd p{wake_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
  };
  // A subscribed connection to the first sentinel, from `next` on, that takes one.
  auto subscribe = [&](size_t& at) {
    std::string why;
    for (size_t k = 0; k < count; ++k) {
      at = (next + k) % count;
      const auto& s = opts_.sentinels[at];
      try {
        auto c = redis::connection::open(redis::sentinel_endpoint(s), opts_.timeout);
        auto ok = c.run({"SUBSCRIBE", "+switch-master"});
        if (ok.is_error())
          throw redis::connection_error("SUBSCRIBE refused: " + ok.text);
        return c;
      } catch (const redis::connection_error& e) {
        why += (why.empty() ? "" : "; ") + ("sentinel " + redis::to_string(s) + ": " + e.what());
      }
    }
    throw redis::connection_error(count == 0 ? "no sentinels" : why);
  };
  while (!stopping_.load()) {
    size_t at = next;
    try {
      auto conn = subscribe(at);
      if (!up)
        logging::info("sentinel_watching", {{"sentinel", redis::to_string(opts_.sentinels[at])},
                                            {"master", opts_.master_name}});
      if (ever_up)
        notify();  // a switch may have been announced while no sentinel was heard
      up = ever_up = ever_tried = true;
      backoff = std::chrono::milliseconds(0);
      while (!stopping_.load()) {
        auto m = conn.receive_for(std::chrono::seconds(1), wake_fd_);
        // ["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]
        if (!m || m->type != redis::reply::kind::array || m->items.size() != 3 ||
            m->items[0].text != "message")
          continue;
        auto sw = redis::parse_switch_master(m->items[2].text);
        if (!sw || sw->master_name != opts_.master_name)
          continue;
        logging::info("sentinel_switch",
                      {{"master", sw->master_name}, {"from", sw->from}, {"to", sw->to}});
        notify();
      }
    } catch (const redis::connection_error& e) {
      if (up || !ever_tried)
        logging::warn("sentinel_watch_lost", {{"master", opts_.master_name},
                                              {"reason", e.what()}});
      if (up)
        next = (at + 1) % std::max<size_t>(count, 1);  // that sentinel may be gone: another
      else
        backoff = backoff.count() == 0 ? opts_.min_backoff
                                       : std::min(backoff * 2, opts_.max_backoff);
      up = false;
      ever_tried = true;
      if (backoff.count() > 0)
        pause(backoff);
    }
  }
}

}  // namespace vapi_cache
