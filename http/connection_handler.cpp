// Runs on a reactor thread, once per read from a connection. Nothing here waits: a request is
// parsed and routed, and the route answers later from the cache actor's thread.
#include "http/connection_handler.hpp"

#include <pistache/peer.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "http/exchange.hpp"
#include "http/extra_headers.hpp"
#include "http/replies.hpp"
#include "http/request_id.hpp"
#include "http/wait_tickets.hpp"
#include "logging/log.hpp"

namespace http {
namespace {

using namespace Pistache;
using Http::Code;

const std::string state_key = "vapi.connection";  // the peer-data slot of a connection's state

// Gives access to Message::body_, which Pistache only lets its own parser fill: a member
// pointer named through a derived class is the standard-conforming way in.
struct body_access : Http::Request {
  static constexpr std::string Http::Message::*body = &body_access::body_;
};

// Whether `line` (with its CRLF) is a Content-Length header line.
bool is_content_length(std::string_view line) {
  static constexpr std::string_view name = "content-length";
  auto colon = line.find(':');
  auto same = [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); };
  return colon != std::string_view::npos && colon >= name.size() &&
         std::equal(name.begin(), name.end(), line.begin(), same) &&
         line.substr(name.size(), colon - name.size()).find_first_not_of(" \t") ==
           std::string_view::npos;
}

// The request head without its Content-Length lines, or nullopt when it has none (then nothing
// is copied: most requests are GETs). Without them Pistache's parser takes the head as the whole
// request.
std::optional<std::string> without_content_length(std::string_view head) {
  std::optional<std::string> out;
  size_t start = head.find("\r\n");  // the request line is never a header
  size_t kept = 0;                    // head[kept, start) is still to be copied to out
  while (start != std::string_view::npos && start + 2 < head.size()) {
    start += 2;
    auto end = head.find("\r\n", start);
    end = end == std::string_view::npos ? head.size() : end + 2;
    if (is_content_length(head.substr(start, end - start))) {
      if (!out)
        out.emplace();
      out->append(head.substr(kept, start - kept));
      kept = end;
    }
    start = end - 2;
  }
  if (out)
    out->append(head.substr(kept));
  return out;
}

// The client's X-Request-Id header, if it sent one.
std::optional<std::string> client_request_id(const Http::Request& request) {
  auto raw = request.headers().tryGetRaw("X-Request-Id");
  if (!raw)
    return std::nullopt;
  return raw->value();
}

// HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 closes unless it asks
// for keep-alive. Pistache 0.0.5 would answer Connection: Close to every request that did not
// say keep-alive explicitly, making HTTP/1.1 clients reconnect per request.
bool wants_keep_alive(const Http::Request& request) {
  auto connection = request.headers().tryGet<Http::Header::Connection>();
  if (connection)
    return connection->control() != Http::ConnectionControl::Close;
  return request.version() == Http::Version::Http11;
}

}  // namespace

// A connection's own state, kept on its Tcp::Peer and touched only by its reactor thread.
//
// A body with a Content-Length is collected here and handed to the request as one string,
// rather than fed to Pistache's parser, which copies it into its buffer a byte at a time and
// then into the request a character at a time: a quarter of the CPU of a 48 KB webhook. Its
// parser gets the head without Content-Length, which it then parses as a complete request.
// Chunked bodies still go through the parser, which decodes them.
struct connection_handler::connection_state {
  explicit connection_state(framing_limits limits) : framer(limits) {}
  request_framer framer;
  bool at_head = true;      // the next request bytes are a head
  bool own_body = false;    // this request's body is collected in `body`
  std::string body;
};

// Acts on what the framer found in one read, for one connection.
class connection_handler::sink final : public framing_sink {
 public:
  sink(connection_handler& handler, Tcp::Transport* transport,
       const std::shared_ptr<Tcp::Peer>& peer, connection_state& state)
    : handler_(handler),
      transport_(transport),
      peer_(peer),
      state_(state),
      framer_(state.framer),
      parser_(*Http::Handler::getParser(peer)) {}

  void request_bytes(std::string_view bytes) override {
    if (state_.at_head) {  // the framer forwards a head in one piece, before its body
      state_.at_head = false;
      if (auto head = without_content_length(bytes)) {
        state_.own_body = true;
        state_.body.clear();
        return feed(*head);
      }
    } else if (state_.own_body) {
      state_.body.append(bytes);
      return;
    }
    feed(bytes);
  }

  void feed(std::string_view bytes) {
    // The framer keeps a request within Pistache's buffer size, so this cannot fail; if it
    // ever did, the stream is no longer framed and must end.
    if (!parser_.feed(bytes.data(), bytes.size())) {
      framer_.close();
      reject(413, "Request too large", true);
    }
  }

  void request_end() override {
    bool own_body = std::exchange(state_.own_body, false);
    state_.at_head = true;
    Http::Private::State state;
    try {
      state = parser_.parse();
    } catch (const Http::HttpError& e) {  // e.g. a bad request line, an unknown media type
      parser_.reset();
      return answer_now(static_cast<Code>(e.code()), e.reason(), false);
    } catch (const std::exception& e) {
      parser_.reset();
      return answer_now(Code::Bad_Request, e.what(), false);
    }
    if (state != Http::Private::State::Done) {
      parser_.reset();
      return answer_now(Code::Bad_Request, "Malformed request", false);
    }
    auto& request = parser_.request;
    if (own_body)
      request.*body_access::body = std::move(state_.body);
    if (request.resource().empty() || request.resource()[0] != '/') {
      parser_.reset();
      return answer_now(Code::Bad_Request, "Malformed request target", false);
    }
    bool keep_alive = wants_keep_alive(request) && !handler_.life_->draining();
    if (!keep_alive)
      framer_.close();  // read nothing more; the client closes once it has the answer
    Http::ResponseWriter response(request.version(), transport_, &handler_, peer_);
    request.copyAddress(peer_->address());
    response.headers().add<Http::Header::Connection>(
      keep_alive ? Http::ConnectionControl::KeepAlive : Http::ConnectionControl::Close);
    peer_->setIdle(false);
    if (handler_.life_->draining()) {
      auto ex = std::make_shared<exchange>(*handler_.life_, handler_.metrics_, route_label::other,
                                           request_id_for(client_request_id(request)));  // (a view of the temporary, used at once)
      replies::send_error(response, Code::Service_Unavailable,
                          "The service is shutting down; retry shortly", ex);
    } else {
      handler_.onRequest(request, std::move(response));
    }
    parser_.reset();
  }

  void expect_continue() override {
    peer_->send(RawBuffer(std::string("HTTP/1.1 100 Continue\r\n\r\n"), 25));
  }

  void reject(int status, std::string message, bool close) override {
    parser_.reset();  // whatever was fed of the refused request is dropped
    state_.at_head = true;
    state_.own_body = false;
    state_.body.clear();
    // Only the webhook takes a body, so a body too large is counted as a webhook refused.
    if (status == 413)
      handler_.metrics_.count_webhook("", webhook_outcome::too_large);
    answer_now(static_cast<Code>(status), message, close);
  }

 private:
  // Answers from this reactor thread. With `close`, the stream cannot continue: say so, and
  // half-close once the answer is written (on this same thread, so the fd is still ours).
  void answer_now(Code code, const std::string& message, bool close) {
    Http::ResponseWriter response(Http::Version::Http11, transport_, &handler_, peer_);
    response.headers().add<Http::Header::Connection>(close ? Http::ConnectionControl::Close
                                                           : Http::ConnectionControl::KeepAlive);
    // The request was not parsed, so it has no id of its own to echo.
    auto ex = std::make_shared<exchange>(*handler_.life_, handler_.metrics_, route_label::other,
                                         request_id_for(std::nullopt));
    response.headers().add<request_id_header>(ex->request_id);
    nlohmann::ordered_json fields = {
      {"status", static_cast<int>(code)}, {"reason", message}, {"requestId", ex->request_id}};
    if (static_cast<int>(code) >= 500)
      logging::warn("request_refused", fields);
    else
      logging::debug("request_refused", fields);
    handler_.metrics_.observe_request(route_label::other, static_cast<int>(code),
                                      std::chrono::steady_clock::duration::zero());
    auto sent = response.send(code, replies::error(code, message), replies::json_type());
    if (close) {
      std::weak_ptr<Tcp::Peer> weak = peer_;
      sent.then([weak, ex](ssize_t) {
                  if (auto p = weak.lock())
                    ::shutdown(p->fd(), SHUT_WR);
                },
                [ex](std::exception_ptr) {});
    } else {
      sent.then([ex](ssize_t) {}, [ex](std::exception_ptr) {});
    }
  }

  connection_handler& handler_;
  Tcp::Transport* transport_;
  const std::shared_ptr<Tcp::Peer>& peer_;
  connection_state& state_;
  request_framer& framer_;
  Http::RequestParser& parser_;
};

connection_handler::connection_handler(std::shared_ptr<Rest::Router> router,
                                       std::shared_ptr<lifecycle> life, http_metrics& metrics,
                                       vapi_cache::cache_actor cache, framing_limits limits)
  : router_(std::move(router)),
    life_(std::move(life)),
    metrics_(metrics),
    cache_(std::move(cache)),
    limits_(limits) {}

void connection_handler::onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) {
  auto tickets = wait_tickets_of(peer);
  if (!tickets.empty())
    caf::anon_send<caf::message_priority::high>(cache_, vapi_cache::wait_gone_atom_v,
                                                std::move(tickets));
}

void connection_handler::onRequest(const Http::Request& request, Http::ResponseWriter response) {
  auto token = life_->hold();  // covers the gap until the route holds its own
  router_->route(request, std::move(response));
}

void connection_handler::onInput(const char* buffer, size_t len,
                                 const std::shared_ptr<Tcp::Peer>& peer) {
  auto state = std::static_pointer_cast<connection_state>(peer->tryGetData(state_key));
  if (!state) {
    state = std::make_shared<connection_state>(limits_);
    peer->putData(state_key, state);
  }
  sink s(*this, transport(), peer, *state);
  state->framer.consume(std::string_view(buffer, len), s);
}

}  // namespace http
