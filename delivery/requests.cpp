#include "delivery/requests.hpp"

#include <nlohmann/json.hpp>

#include "delivery/multipart.hpp"
#include "delivery/resume_target.hpp"
#include "delivery/signature.hpp"

namespace delivery {

http_post kestra_resume(const kestra_config& k, const pending& p, uint64_t r1, uint64_t r2) {
  http_post out;
  out.url = resume_url(k.base_url, k.resume_path, k.tenant, p.execution_id);
  // A boundary inside the value cannot come from two random 64-bit numbers in practice; a
  // second pair is tried all the same rather than sending a body Kestra would misread.
  form f;
  for (uint64_t salt = 0;; ++salt) {
    try {
      f = form_data(k.input, p.payload, boundary_from(r1 + salt, r2 ^ salt));
      break;
    } catch (const std::invalid_argument&) {
      if (salt > 4)
        throw;
    }
  }
  out.headers.push_back("Content-Type: " + f.content_type);
  out.headers.push_back("Accept: application/json");
  if (!k.authorization.empty())
    out.headers.push_back("Authorization: " + k.authorization);
  out.body = std::move(f.body);
  return out;
}

std::string webhook_id(const pending& p) {
  return "msg_" + std::to_string(p.created_ms) + "_" + p.call_id;
}

http_post forward(const forward_config& f, const pending& p, int64_t now_s) {
  http_post out;
  out.url = f.url;
  // The CallResult's bytes go in as they are (they are JSON already): no re-rendering.
  out.body = R"({"type":"call.result","callId":)" + nlohmann::json(p.call_id).dump() +
             R"(,"data":)" + p.payload + "}";
  auto id = webhook_id(p);
  out.headers.push_back("Content-Type: application/json");
  out.headers.push_back("webhook-id: " + id);
  out.headers.push_back("webhook-timestamp: " + std::to_string(now_s));
  out.headers.push_back("webhook-signature: " + sign(f.key, id, now_s, out.body));
  return out;
}

}  // namespace delivery
