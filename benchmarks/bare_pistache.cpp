// The ceiling for the cache-hit GET: a Pistache 0.0.5 endpoint and router, as vapi-cache uses
// them, answering GET /api/v1/vapi/calls/:callId with 200 and the same bytes vapi-cache serves
// for a stored 2 KB report (benchmarks/data/get_body_2k.json, written by make_reports.py), with
// no actor, no map and no metrics in between.
//   bare_pistache --port N [--threads N] [--body FILE]
// --threads defaults to $HTTP_THREADS, else 1; --body to $BENCH_DATA/get_body_2k.json, with
// BENCH_DATA defaulting to benchmarks/data (relative to the project root). SIGTERM/SIGINT stop it.
#include <pistache/endpoint.h>
#include <pistache/router.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

using namespace Pistache;

namespace {

[[noreturn]] void usage(const char* why) {
  std::cerr << "bare_pistache: " << why
            << "\nusage: bare_pistache --port N [--threads N] [--body FILE]\n";
  std::exit(2);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    usage(("cannot read " + path).c_str());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  const char* data = std::getenv("BENCH_DATA");
  const char* env_threads = std::getenv("HTTP_THREADS");
  std::string body_path = std::string(data ? data : "benchmarks/data") + "/get_body_2k.json";
  int port = 0;
  int threads = env_threads ? std::atoi(env_threads) : 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      usage(("missing value for " + arg).c_str());
    if (arg == "--port")
      port = std::atoi(argv[++i]);
    else if (arg == "--threads")
      threads = std::atoi(argv[++i]);
    else if (arg == "--body")
      body_path = argv[++i];
    else
      usage(("unknown argument " + arg).c_str());
  }
  if (port <= 0 || port > 65535)
    usage("--port is required");
  if (threads < 1)
    threads = 1;

  const std::string body = read_file(body_path);
  // vapi-cache's GET replies carry the same media type, parameter included.
  const auto json = Http::Mime::MediaType::fromString("application/json; charset=utf-8");

  // Block the stop signals before Pistache starts its threads, so that only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  Rest::Router router;
  Rest::Routes::Get(router, "/api/v1/vapi/calls/:callId",
                    [&](const Rest::Request&, Http::ResponseWriter response) {
                      // Pistache 0.0.5 presets Connection: Close for an HTTP/1.1 request that
                      // does not ask for keep-alive (wrk does not); HTTP/1.1 means keep-alive.
                      response.headers().remove<Http::Header::Connection>();
                      response.headers().add<Http::Header::Connection>(
                        Http::ConnectionControl::KeepAlive);
                      response.send(Http::Code::Ok, body, json);
                      return Rest::Route::Result::Ok;
                    });

  Http::Endpoint endpoint(Address(Ipv4::loopback(), Port(static_cast<uint16_t>(port))));
  endpoint.init(Http::Endpoint::options()
                  .threads(threads)
                  .flags(Tcp::Options::ReuseAddr)
                  .backlog(1024));
  endpoint.setHandler(router.handler());
  endpoint.serveThreaded();
  std::cerr << "bare_pistache: port " << port << ", " << threads << " thread(s), "
            << body.size() << "-byte body\n";

  int signal = 0;
  sigwait(&stop, &signal);
  endpoint.shutdown();
  return 0;
}
