#include "outbound/transfers.hpp"

#include <curl/curl.h>

#include <cctype>
#include <stdexcept>
#include <unordered_map>

namespace outbound {
namespace {


struct transfer {
  uint64_t tag = 0;
  request req;
  curl_slist* headers = nullptr;
  std::string retry_after;
  size_t body_bytes = 0;
  std::chrono::steady_clock::time_point began;
};

size_t on_body(char*, size_t size, size_t n, void* user) {
  static_cast<transfer*>(user)->body_bytes += size * n;
  return size * n;  // read and dropped
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  constexpr std::string_view name = "retry-after:";
  if (line.size() > name.size()) {
    bool match = true;
    for (size_t i = 0; i < name.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(line[i])) == name[i];
    if (match) {
      auto value = line.substr(name.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' ||
                                value.back() == ' '))
        value.remove_suffix(1);
      static_cast<transfer*>(user)->retry_after = std::string(value.substr(0, 64));
    }
  }
  return size * n;
}

}  // namespace

struct transfers::impl {
  CURLM* multi = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<transfer>> running;
};

void global_init() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw std::runtime_error("libcurl: curl_global_init failed");
}

transfers::transfers() : impl_(std::make_unique<impl>()) {
  impl_->multi = curl_multi_init();
  if (!impl_->multi)
    throw std::runtime_error("libcurl: curl_multi_init failed");
}

transfers::~transfers() {
  for (auto& [easy, t] : impl_->running) {
    curl_multi_remove_handle(impl_->multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(t->headers);
  }
  curl_multi_cleanup(impl_->multi);
}

void transfers::start(uint64_t tag, request r) {
  auto t = std::make_unique<transfer>();
  t->tag = tag;
  t->req = std::move(r);
  t->began = std::chrono::steady_clock::now();
  for (const auto& h : t->req.headers)
    t->headers = curl_slist_append(t->headers, h.c_str());
  // No "Expect: 100-continue" round trip before the body.
  t->headers = curl_slist_append(t->headers, "Expect:");
  CURL* easy = curl_easy_init();
  if (!easy)
    throw std::runtime_error("libcurl: curl_easy_init failed");
  curl_easy_setopt(easy, CURLOPT_URL, t->req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->req.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(t->req.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, long(t->req.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, long(t->req.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "vapi-cache");
  curl_multi_add_handle(impl_->multi, easy);
  impl_->running.emplace(easy, std::move(t));
}

size_t transfers::in_flight() const { return impl_->running.size(); }

std::vector<result> transfers::poll(std::chrono::milliseconds at_most) {
  int still = 0;
  curl_multi_perform(impl_->multi, &still);
  if (still > 0)
    curl_multi_poll(impl_->multi, nullptr, 0, int(at_most.count()), nullptr);
  curl_multi_perform(impl_->multi, &still);
  std::vector<result> done;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(impl_->multi, &left)) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURL* easy = msg->easy_handle;
    auto it = impl_->running.find(easy);
    if (it == impl_->running.end())
      continue;
    auto& t = *it->second;
    result r;
    r.tag = t.tag;
    if (msg->data.result == CURLE_OK) {
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
      r.retry_after = std::move(t.retry_after);
    } else {
      r.error = curl_easy_strerror(msg->data.result);
    }
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t.began);
    curl_multi_remove_handle(impl_->multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(t.headers);
    impl_->running.erase(it);
    done.push_back(std::move(r));
  }
  return done;
}

}  // namespace outbound
