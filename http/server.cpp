// The reactors share one listening socket; see README "How it works" for what each connection
// is promised and how.
#include "http/server.hpp"

#include <unistd.h>

#include "http/replies.hpp"
#include "http/response_bytes.hpp"
#include "net/listener.hpp"

namespace http {
namespace {

constexpr std::size_t max_header_bytes = 32 * 1024;
constexpr int backlog = 1024;

// The whole answer a client refused at accept gets: 503 JSON, Retry-After, Connection: Close.
std::string refusal(const std::string& message) {
  response r;
  r.status = 503;
  r.headers.emplace_back("Retry-After", "1");
  r.text(replies::error(Pistache::Http::Code::Service_Unavailable, message));
  return encode_head(r, false) + r.body[0].text;
}

access_rules access_of(const config::settings& s) {
  access_rules a;
  a.webhook.secret = s.webhook_secret;
  a.webhook.secret_header = s.webhook_secret_header;
  a.webhook.hmac_secret = s.webhook_hmac_secret;
  a.webhook.hmac_algorithm = s.webhook_hmac_algorithm;
  a.webhook.signature_header = s.webhook_signature_header;
  a.webhook.signature_prefix = s.webhook_signature_prefix;
  a.webhook.timestamp_header = s.webhook_timestamp_header;
  a.webhook.tolerance = s.webhook_timestamp_tolerance;
  a.api_token = s.api_token;
  return a;
}

}  // namespace

server::server(const config::settings& s, route_targets actors, size_t max_connections)
  : settings_(s),
    life_(std::make_shared<lifecycle>()),
    metrics_(std::make_unique<http_metrics>()),
    output_budget_(s.max_output_buffer_bytes),
    router_(std::make_shared<Pistache::Rest::Router>()),
    routes_(actors, life_, *metrics_, access_of(s), wait_rules{s.max_wait},
            connection_view{&connections_, &output_budget_, max_connections}),
    context_{*router_, *life_, *metrics_, actors.cache,
             framing_limits{max_header_bytes, s.max_body_bytes}} {
  routes_.bind(*router_);
  shared_ = std::make_unique<net::shared_state>(net::shared_state{
    -1, max_connections,
    std::chrono::duration_cast<std::chrono::milliseconds>(s.send_timeout), output_budget_,
    connections_, refusal("Too many connections; retry shortly"),
    refusal("Out of file descriptors; retry shortly")});
}

server::~server() {
  stop();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
}

void server::start() {
  listen_fd_ = net::listen_tcp(settings_.host, settings_.port, backlog);
  port_ = net::local_port(listen_fd_);
  shared_->listen_fd = listen_fd_;
  auto make_session = [this](net::connection& c) -> std::unique_ptr<net::session> {
    return std::make_unique<session>(c, context_);
  };
  for (unsigned i = 0; i < settings_.http_threads; ++i) {
    reactors_.push_back(std::make_unique<net::reactor>(i, *shared_, make_session));
    reactors_.back()->start("vapi-http");
  }
}

void server::stop_being_ready() { life_->stop_being_ready(); }

bool server::drain(std::chrono::milliseconds grace, const std::function<void()>& refusing_new) {
  life_->start_draining();
  if (refusing_new)
    refusing_new();
  return life_->wait_idle(grace);
}

void server::stop() {
  for (auto& r : reactors_)
    r->stop();
  reactors_.clear();
}

}  // namespace http
