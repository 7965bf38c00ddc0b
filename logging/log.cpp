// The queue is a lock-free stack of lines (each thread pushes with one compare-and-swap; the
// writer takes them all with one exchange and reverses them into arrival order), so a request
// thread never takes a lock, and makes a system call only to wake a sleeping writer. The writer
// writes every period while lines keep coming (warn and above wake it early); when quiet it
// sleeps until the next line, which it then writes at once.
//
// Why not spdlog's async logger (Debian's 1.10): its queue wakes its worker for every line (a
// context switch per line on a busy core), its flush_every takes whole seconds, and the pattern
// is formatted again on the worker. Measured in benchmarks/RESULTS.md (issue 14).
#include "logging/log.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cerrno>
#include <ctime>
#include <thread>

namespace logging {
namespace {

struct node {
  node* next;
  std::string text;
};

struct state {
  std::atomic<node*> head{nullptr};
  std::atomic<size_t> queued_bytes{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<int> min_level{static_cast<int>(level::off)};
  std::atomic<bool> stopping{false};
  std::atomic<bool> idle{false};  // the writer sleeps until a line comes
  options opts;
  int wake_fd = -1;
  std::thread writer;
};

state& the() {
  static state* s = new state;  // never destroyed: a line logged during exit finds it
  return *s;
}

const char* name_of(level l) {
  static const char* names[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};
  return names[static_cast<int>(l)];
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // the output is gone: nothing to be done about it here
    done += static_cast<size_t>(n);
  }
}

void drain(state& s) {
  node* list = s.head.exchange(nullptr, std::memory_order_acquire);
  node* ordered = nullptr;
  while (list) {  // newest first -> oldest first
    node* next = list->next;
    list->next = ordered;
    ordered = list;
    list = next;
  }
  std::string out;
  size_t bytes = 0;
  for (node* n = ordered; n; n = n->next)
    bytes += n->text.size();
  out.reserve(bytes);
  while (ordered) {
    node* next = ordered->next;
    out += ordered->text;
    delete ordered;
    ordered = next;
  }
  s.queued_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  write_all(s.opts.fd, out);
}

void wait(state& s, int timeout_ms) {
  pollfd p{s.wake_fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) > 0) {
    uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(s.wake_fd, &count, sizeof count);
  }
}

void wake(state& s) {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(s.wake_fd, &one, sizeof one);
}

// Busy: a write every period (warn and above wake it early). Quiet: it sleeps until a line
// comes and writes that one at once, so a lone line is not held back.
void run(state& s) {
  auto period = static_cast<int>(s.opts.period.count());
  while (!s.stopping.load()) {
    s.idle.store(true);  // seq_cst with the check below: a line pushed meanwhile is seen, or
    if (s.head.load() == nullptr && !s.stopping.load())  // its pusher sees idle and wakes us
      wait(s, 1000);
    s.idle.store(false);
    drain(s);
    while (!s.stopping.load()) {  // lines keep coming: one write per period
      wait(s, period);
      if (s.head.load() == nullptr)
        break;
      drain(s);
    }
  }
  drain(s);
}

void push(level l, std::string&& text) {
  auto& s = the();
  size_t n = text.size();
  if (s.queued_bytes.fetch_add(n, std::memory_order_relaxed) + n > s.opts.max_queued_bytes) {
    s.queued_bytes.fetch_sub(n, std::memory_order_relaxed);
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto* item = new node{s.head.load(std::memory_order_relaxed), std::move(text)};
  while (!s.head.compare_exchange_weak(item->next, item)) {
  }
  if (l >= level::warn || (s.idle.load() && s.idle.exchange(false)))
    wake(s);
}

// "2026-12-02T18:04:38" for the current second, formatted once a second per thread.
void append_time(std::string& out, std::chrono::system_clock::time_point at) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(at.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  thread_local std::time_t cached_second = -1;
  thread_local char cached[24];
  if (secs != cached_second) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = secs;
  }
  int milli = static_cast<int>(ms % 1000);
  char frac[] = {'.', char('0' + milli / 100), char('0' + milli / 10 % 10), char('0' + milli % 10),
                 'Z'};
  out += cached;
  out.append(frac, sizeof frac);
}

bool plain(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
      return false;
  return true;
}

void append_string(std::string& out, std::string_view s) {
  if (plain(s)) {  // the common case: ids, names, numbers as text
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

}  // namespace

void init(const std::string& level_name, const options& o) {
  auto& s = the();
  s.opts = o;
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  level l = level::info;
  static const std::pair<const char*, level> names[] = {
    {"trace", level::trace}, {"debug", level::debug}, {"info", level::info},
    {"warn", level::warn},   {"error", level::error}, {"critical", level::critical},
    {"off", level::off}};
  for (const auto& [name, value] : names)
    if (level_name == name)
      l = value;
  s.stopping = false;
  s.writer = std::thread([&s] { run(s); });
  s.min_level.store(static_cast<int>(l), std::memory_order_release);
}

void shutdown() {
  auto& s = the();
  s.min_level.store(static_cast<int>(level::off), std::memory_order_release);
  if (!s.writer.joinable())
    return;
  s.stopping.store(true, std::memory_order_release);
  wake(s);
  s.writer.join();
  ::close(s.wake_fd);
  s.wake_fd = -1;
}

bool enabled(level l) {
  return static_cast<int>(l) >= the().min_level.load(std::memory_order_relaxed) &&
         l != level::off;
}

uint64_t dropped_lines() { return the().dropped.load(std::memory_order_relaxed); }

void fields::key(std::string_view k) {
  if (text_.empty())
    text_.reserve(160);  // a hot-path line's fields fit: one allocation, not four growths
  else
    text_ += ',';
  append_string(text_, k);
  text_ += ':';
}

fields& fields::add(std::string_view k, std::string_view value) {
  key(k);
  append_string(text_, value);
  return *this;
}

fields& fields::add(std::string_view k, bool value) {
  key(k);
  text_ += value ? "true" : "false";
  return *this;
}

template <class Int>
void append_integer(std::string& out, Int n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

fields& fields::add(std::string_view k, int64_t value) {
  key(k);
  append_integer(text_, value);
  return *this;
}

fields& fields::add(std::string_view k, uint64_t value) {
  key(k);
  append_integer(text_, value);
  return *this;
}

fields& fields::add(std::string_view k, double value) {
  return add(k, nlohmann::ordered_json(value));
}

fields& fields::add(std::string_view k, const nlohmann::ordered_json& value) {
  key(k);
  text_ += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return *this;
}

std::string format_line(level l, std::string_view event, std::string_view members,
                        std::chrono::system_clock::time_point at) {
  std::string line;
  line.reserve(64 + event.size() + members.size());
  line += R"({"ts":")";
  append_time(line, at);
  line += R"(","level":")";
  line += name_of(l);
  line += R"(","event":)";
  append_string(line, event);
  if (!members.empty()) {
    line += ',';
    line += members;
  }
  line += "}\n";
  return line;
}

void write(level l, std::string_view event, const fields& f) {
  if (!enabled(l))
    return;
  push(l, format_line(l, event, f.text(), std::chrono::system_clock::now()));
}

void write(level l, std::string_view event, const nlohmann::ordered_json& f) {
  if (!enabled(l))
    return;
  std::string members;
  if (f.is_object() && !f.empty()) {
    members = f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    members = members.substr(1, members.size() - 2);  // without the braces
  }
  push(l, format_line(l, event, members, std::chrono::system_clock::now()));
}

}  // namespace logging
