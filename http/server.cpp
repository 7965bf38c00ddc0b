// Pistache's endpoint with the options this service needs; see README "Configure".
#include "http/server.hpp"

#include "http/connection_handler.hpp"

namespace http {
namespace {

constexpr std::size_t max_header_bytes = 32 * 1024;

Pistache::Address address_of(const config::settings& s) {
  return Pistache::Address(s.host, Pistache::Port(s.port));
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

server::server(const config::settings& s, route_targets actors)
  : life_(std::make_shared<lifecycle>()),
    metrics_(std::make_unique<http_metrics>()),
    router_(std::make_shared<Pistache::Rest::Router>()),
    routes_(actors, life_, *metrics_, access_of(s), wait_rules{s.max_wait}),  // (a copy: used below)
    endpoint_(address_of(s)) {
  framing_limits limits{max_header_bytes, s.max_body_bytes};
  // Pistache times a connection from the end of its last request, even while that request is
  // held by a long-poll: its header timeout would answer a 55 s wait with a 408 after 30 s. So
  // every timeout is lengthened by the longest wait (plus slack for the answer to be written).
  auto wait_margin = s.max_wait + std::chrono::seconds(s.max_wait.count() > 0 ? 5 : 0);
  auto options = Pistache::Http::Endpoint::options()
                   .threads(static_cast<int>(s.http_threads))
                   .threadsName("vapi-http")
                   // ReuseAddr: a restart rebinds the port at once, without waiting out
                   // TIME_WAIT. NoDelay (inherited by accepted sockets): a response is sent
                   // when written, not held by Nagle until the client's delayed ACK (40 ms).
                   .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::NoDelay)
                   .backlog(1024)
                   // Pistache's buffer holds one framed request: headers plus body
                   .maxRequestSize(limits.max_header_bytes + limits.max_body_bytes)
                   .headerTimeout(std::chrono::seconds(30) + wait_margin)
                   .bodyTimeout(std::chrono::seconds(60) + wait_margin)
                   .keepaliveTimeout(std::chrono::seconds(75) + wait_margin);
  endpoint_.init(options);
  routes_.bind(*router_);
  endpoint_.setHandler(
    Pistache::Http::make_handler<connection_handler>(router_, life_, *metrics_, actors.cache,
                                                     limits));
}

server::~server() { stop(); }

void server::start() {
  endpoint_.serveThreaded();
  running_ = true;
}

uint16_t server::port() const {
  return static_cast<uint16_t>(endpoint_.getPort());
}

void server::stop_being_ready() { life_->stop_being_ready(); }

bool server::drain(std::chrono::milliseconds grace, const std::function<void()>& refusing_new) {
  life_->start_draining();
  if (refusing_new)
    refusing_new();
  return life_->wait_idle(grace);
}

void server::stop() {
  if (running_)
    endpoint_.shutdown();
  running_ = false;
}

}  // namespace http
