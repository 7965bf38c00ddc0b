// The settings of pushing results (README, "Resume Kestra flows" and "Forward results"): where
// they go and how long a delivery is retried. Each URL is checked here, once: nothing a webhook
// carries ever chooses where we connect.
#include "config/converter.hpp"
#include "delivery/resume_target.hpp"
#include "delivery/signature.hpp"

namespace config {
namespace {

converter url_of(std::string settings::*field) {
  return [=](const std::string& text, settings& s) -> std::optional<std::string> {
    if (!text.empty())
      if (auto problem = delivery::check_base_url(text))
        return problem;
    s.*field = text;
    return std::nullopt;
  };
}

converter plain_name(std::string settings::*field, bool may_be_empty) {
  return [=](const std::string& text, settings& s) -> std::optional<std::string> {
    if (text.empty() && !may_be_empty)
      return std::string("expected a name");
    for (unsigned char c : text)
      if (c <= ' ' || c == '"' || c == 0x7f)
        return std::string("expected a name without spaces, quotes or control characters");
    s.*field = text;
    return std::nullopt;
  };
}

}  // namespace

std::map<std::string, converter> delivery_converters() {
  return {
    {"KESTRA_URL", url_of(&settings::kestra_url)},
    {"KESTRA_TENANT", plain_name(&settings::kestra_tenant, false)},
    {"KESTRA_USERNAME", any_text(&settings::kestra_username)},
    {"KESTRA_PASSWORD", any_text(&settings::kestra_password)},
    {"KESTRA_API_TOKEN", any_text(&settings::kestra_api_token)},
    {"KESTRA_RESUME_INPUT", plain_name(&settings::kestra_resume_input, false)},
    {"KESTRA_EXECUTION_KEY", plain_name(&settings::kestra_execution_key, false)},
    {"KESTRA_RESUME_PATH",
     [](const std::string& text, settings& s) -> std::optional<std::string> {
       if (auto problem = delivery::check_resume_path(text))
         return problem;
       s.kestra_resume_path = text;
       return std::nullopt;
     }},
    {"FORWARD_URL", url_of(&settings::forward_url)},
    {"FORWARD_SECRET", any_text(&settings::forward_secret)},
    {"DELIVERY_RETRY_SECONDS", whole_number(1, 7 * 24 * 3600, [](settings& s, uint64_t v) {
       s.delivery_retry = std::chrono::seconds(v);
     })},
    {"DELIVERY_TIMEOUT_SECONDS", whole_number(1, 300, [](settings& s, uint64_t v) {
       s.delivery_timeout = std::chrono::seconds(v);
     })},
  };
}

// What no single setting can say: credentials that go together, a secret that must be there.
std::optional<std::string> check_delivery(const settings& s) {
  if (!s.kestra_username.empty() && !s.kestra_api_token.empty())
    return std::string("KESTRA_USERNAME and KESTRA_API_TOKEN are both set: use basic auth or "
                       "a token, not both");
  if (s.kestra_username.empty() != s.kestra_password.empty())
    return std::string("KESTRA_USERNAME and KESTRA_PASSWORD go together");
  if (!s.forward_url.empty() && s.forward_secret.empty())
    return std::string("FORWARD_URL needs FORWARD_SECRET: every forwarded result is signed");
  if (!s.forward_secret.empty()) {
    try {
      if (delivery::decode_secret(s.forward_secret).empty())
        return std::string("FORWARD_SECRET is empty once decoded");
    } catch (const std::exception&) {
      return std::string("FORWARD_SECRET starts with whsec_ but the rest is not base64");
    }
  }
  return std::nullopt;
}

}  // namespace config
