// The test hook (test builds only): VAPI_CACHE_TEST_REPLY_DELAY_MS=N holds each answer made
// off its connection's reactor thread N ms before it is handed over, as a preemption inside the
// write path would, so that tests can close the connection and reuse its descriptor meanwhile.
#include "http/responder.hpp"

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "http/session.hpp"

namespace http {
namespace {

thread_local session* handoff_session = nullptr;
thread_local responder* handoff_responder = nullptr;

#ifdef VAPI_CACHE_TEST_HOOKS
void test_hook_delay(net::reactor* owner) {
  static const long delay_ms = [] {
    const char* v = std::getenv("VAPI_CACHE_TEST_REPLY_DELAY_MS");
    return v ? std::atol(v) : 0L;
  }();
  if (delay_ms > 0 && net::reactor::current() != owner)
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
}
#else
void test_hook_delay(net::reactor*) {}
#endif

}  // namespace

responder::responder(responder&& other) noexcept
  : reactor_(other.reactor_),
    connection_(other.connection_),
    seq_(other.seq_),
    headers_(std::move(other.headers_)),
    sent_(other.sent_) {
  other.sent_ = true;
}

responder::~responder() {
  if (sent_)
    return;
  response r;
  r.status = 503;
  r.headers.emplace_back("Retry-After", "1");
  r.text(R"({"success":false,"error":"Service Unavailable","message":"The request could not )"
         R"(be answered; retry"})");
  send(std::move(r));
}

void responder::send(response r, std::shared_ptr<const void> keep) {
  if (sent_)
    return;
  sent_ = true;
  if (!headers_.empty())
    r.headers.insert(r.headers.begin(), std::make_move_iterator(headers_.begin()),
                     std::make_move_iterator(headers_.end()));
  auto m = std::make_unique<reply_message>();
  m->to = connection_;
  m->seq = seq_;
  m->rsp = std::move(r);
  m->keep = std::move(keep);
  test_hook_delay(reactor_);
  reactor_->post(std::move(m));
}

uint64_t responder::wait_ticket() {
  session* s = route_handoff::current_session();
  return s ? s->hold_wait_ticket(seq_) : 0;
}

route_handoff::route_handoff(session& s, responder& r) {
  handoff_session = &s;
  handoff_responder = &r;
}

route_handoff::~route_handoff() {
  handoff_session = nullptr;
  handoff_responder = nullptr;
}

responder route_handoff::take() {
  if (!handoff_responder)
    throw std::logic_error("route_handoff::take outside a route call");
  responder* r = std::exchange(handoff_responder, nullptr);
  return std::move(*r);
}

session* route_handoff::current_session() { return handoff_session; }

}  // namespace http
