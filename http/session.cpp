// Every request gets a slot, in arrival order, before anyone answers it; an answer fills its
// slot, and answers leave only from the front. So a long-poll followed by a GET is answered
// long-poll first, and an answer the reactor writes itself (a 404 route, a 400) waits behind an
// earlier one the cache actor has not given yet.
//
// Timeouts: a request's head must arrive within 30 s of its first byte and its body within 60 s
// of its head (else 408 and close); a connection with nothing asked and nothing unanswered is
// closed after 75 s. A request being answered (a long-poll held for a minute) is neither.
#include "http/session.hpp"

#include <atomic>

#include "http/exchange.hpp"
#include "http/replies.hpp"
#include "http/request_id.hpp"
#include "http/request_parse.hpp"
#include "http/response_bytes.hpp"
#include "logging/log.hpp"

namespace http {
namespace {

using namespace Pistache;

// Pistache's router hands each route a ResponseWriter of its own, which needs a handler; ours
// are never used to send (routes answer through responders), so one idle handler serves all.
class unused_handler final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(unused_handler)
  void onRequest(const Http::Request&, Http::ResponseWriter) override {}
};

constexpr int64_t header_timeout_ms = 30'000;
constexpr int64_t body_timeout_ms = 60'000;
constexpr int64_t idle_timeout_ms = 75'000;

// Unique in the process without a shared counter: <thread number> << 40 | <count there>.
uint64_t new_ticket() {
  static std::atomic<uint64_t> next_thread{1};
  thread_local uint64_t thread_bits = next_thread.fetch_add(1) << 40;
  thread_local uint64_t count = 0;
  return thread_bits | (++count & ((uint64_t{1} << 40) - 1));
}

}  // namespace

session::session(net::connection& conn, const session_context& ctx)
  : conn_(conn), ctx_(ctx), framer_(ctx.limits) {
  set_deadline();
}

bool session::accepting() const {
  return !stopped_ && taken_this_turn_ < requests_per_turn && wants_input();
}

bool session::wants_input() const { return !stopped_ && slots_.size() < max_unanswered; }

size_t session::on_input(std::string_view bytes) {
  taken_this_turn_ = 0;
  size_t used = framer_.consume(bytes, *this);
  set_deadline();
  return used;
}

session::slot& session::current() {
  if (!reading_request_) {
    reading_request_ = true;
    slots_.emplace_back();
    slots_.back().seq = next_seq_++;
  }
  return slots_.back();
}

void session::request_bytes(std::string_view bytes) {
  if (head_.empty() && body_.empty() && !own_body_) {  // the framer forwards a head whole
    current();
    request_started_ = conn_.loop_ms();
    if (auto stripped = without_content_length(bytes)) {
      own_body_ = true;
      head_ = std::move(*stripped);
      return;
    }
    head_.assign(bytes);
    return;
  }
  (own_body_ ? body_ : head_).append(bytes);  // a chunked body goes to the parser with its head
}

void session::expect_continue() {
  current().interim_due = true;
  write_ready();
}

void session::request_end() {
  ++taken_this_turn_;
  slot& s = current();
  reading_request_ = false;
  std::string head = std::move(head_);
  std::string body = std::move(body_);
  bool own_body = std::exchange(own_body_, false);
  head_.clear();
  body_.clear();
  auto parsed = parse_request(ctx_.limits, head, std::move(body), own_body);
  if (parsed.status != 0)
    return answer_here(s, parsed.status, parsed.reason, parsed.status == 413);
  const auto& request = parsed_request(ctx_.limits);
  s.keep_alive = wants_keep_alive(request) && !ctx_.life.draining();
  s.head_only = request.method() == Http::Method::Head;
  if (!s.keep_alive)
    stop_reading();
  if (ctx_.life.draining()) {
    auto ex = std::make_shared<exchange>(ctx_.life, ctx_.metrics, route_label::other,
                                         request_id_for(client_request_id(request)));
    responder r(&conn_.owner(), conn_.key(), s.seq);
    return replies::send_error(r, Http::Code::Service_Unavailable,
                               "The service is shutting down; retry shortly", ex);
  }
  dispatch(s);
}

void session::dispatch(slot& s) {
  static unused_handler handler;
  const auto& request = parsed_request(ctx_.limits);
  responder r(&conn_.owner(), conn_.key(), s.seq);
  Http::ResponseWriter unused(request.version(), nullptr, &handler, {});
  auto token = ctx_.life.hold();  // covers the gap until the route's exchange holds its own
  route_handoff handoff(*this, r);
  try {
    ctx_.router.route(request, std::move(unused));
  } catch (const std::exception& e) {
    logging::error("route_failed", {{"reason", e.what()}});
  }
  // A route that did not take the responder leaves `r` to answer 503 as it goes.
}

void session::reject(int status, std::string message, bool close) {
  slot& s = current();
  reading_request_ = false;
  head_.clear();
  body_.clear();
  own_body_ = false;
  // Only the webhook takes a body, so a body too large is counted as a webhook refused.
  if (status == 413)
    ctx_.metrics.count_webhook("", webhook_outcome::too_large);
  answer_here(s, status, message, close);
}

// Answers from this reactor thread, in turn. With `close`, the stream cannot continue.
void session::answer_here(slot& s, int status, const std::string& message, bool close) {
  if (close) {
    s.keep_alive = false;
    stop_reading();
  }
  auto ex = std::make_shared<exchange>(ctx_.life, ctx_.metrics, route_label::other,
                                       request_id_for(std::nullopt));
  nlohmann::ordered_json fields = {
    {"status", status}, {"reason", message}, {"requestId", ex->request_id}};
  if (status >= 500)
    logging::warn("request_refused", fields);
  else
    logging::debug("request_refused", fields);
  responder r(&conn_.owner(), conn_.key(), s.seq);
  replies::send_error(r, static_cast<Http::Code>(status), message, ex);
}

void session::on_message(std::unique_ptr<net::message> m) {
  auto* reply = static_cast<reply_message*>(m.get());
  if (slots_.empty() || reply->seq < slots_.front().seq)
    return;
  size_t at = static_cast<size_t>(reply->seq - slots_.front().seq);
  if (at >= slots_.size() || slots_[at].answered)
    return;
  m.release();
  slots_[at].answered = true;
  slots_[at].reply.reset(reply);
  write_ready();
}

void session::write_ready() {
  bool wrote = false;
  while (!slots_.empty()) {
    slot& s = slots_.front();
    if (s.interim_due) {
      s.interim_due = false;
      conn_.output().push("HTTP/1.1 100 Continue\r\n\r\n");
      wrote = true;
    }
    if (!s.answered)
      break;
    bool keep_alive = s.keep_alive;
    queue_response(conn_.output(), std::move(s.reply->rsp), keep_alive, std::move(s.reply->keep),
                   !s.head_only);
    slots_.pop_front();
    wrote = true;
    if (!keep_alive) {
      slots_.clear();  // nothing after a close is read, let alone answered
      conn_.close_after_output(close_as_);
      break;
    }
  }
  if (!wrote)
    return;
  conn_.flush_soon();
  if (stopped_ && slots_.empty())
    conn_.close_after_output(close_as_);
  else
    conn_.resume_input();
  set_deadline();
}

void session::stop_reading() {
  stopped_ = true;
  framer_.close();
}

void session::on_input_end() {
  // A partial request is dropped; every one received is answered, then the connection closes.
  // Held long-polls are answered now with what is cached: a client that has stopped sending
  // has most likely gone, and one that only half-closed still gets an answer.
  if (reading_request_) {
    reading_request_ = false;
    slots_.pop_back();
  }
  stop_reading();
  close_as_ = net::close_reason::client;
  auto tickets = pending_tickets();
  if (!tickets.empty())
    caf::anon_send<caf::message_priority::high>(ctx_.cache, vapi_cache::wait_release_atom_v,
                                                std::move(tickets));
  if (slots_.empty())
    conn_.close_after_output(close_as_);
  set_deadline();
}

void session::on_closed(net::close_reason) {
  auto tickets = pending_tickets();
  if (!tickets.empty())
    caf::anon_send<caf::message_priority::high>(ctx_.cache, vapi_cache::wait_gone_atom_v,
                                                std::move(tickets));
  slots_.clear();
}

std::vector<uint64_t> session::pending_tickets() const {
  std::vector<uint64_t> out;
  for (const auto& s : slots_)
    if (s.ticket != 0 && !s.answered)
      out.push_back(s.ticket);
  return out;
}

uint64_t session::hold_wait_ticket(uint64_t seq) {
  for (auto& s : slots_) {
    if (s.seq == seq) {
      if (s.ticket == 0)
        s.ticket = new_ticket();
      return s.ticket;
    }
  }
  return 0;
}

void session::set_deadline() {
  waiting_for kind = waiting_for::nothing;
  if (reading_request_ && !head_.empty())
    kind = waiting_for::body;
  else if (framer_.in_head())
    kind = waiting_for::head;
  else if (!stopped_ && slots_.empty() && framer_.between_requests())
    kind = waiting_for::next_request;
  if (kind == deadline_kind_)
    return;
  deadline_kind_ = kind;
  int64_t now = conn_.loop_ms();
  switch (kind) {
    case waiting_for::nothing: return conn_.set_deadline(0);
    case waiting_for::head: request_started_ = now; return conn_.set_deadline(now + header_timeout_ms);
    case waiting_for::body: return conn_.set_deadline(request_started_ + body_timeout_ms);
    case waiting_for::next_request: return conn_.set_deadline(now + idle_timeout_ms);
  }
}

void session::on_deadline() {
  auto kind = std::exchange(deadline_kind_, waiting_for::nothing);
  if (kind == waiting_for::next_request)
    return conn_.close_now(net::close_reason::idle_timeout);
  if (kind == waiting_for::nothing)
    return;
  close_as_ = net::close_reason::request_timeout;
  slot& s = current();
  reading_request_ = false;
  answer_here(s, 408, kind == waiting_for::head ? "Request headers took too long"
                                                : "Request body took too long", true);
}

}  // namespace http
