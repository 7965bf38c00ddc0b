// Where and how a Kestra resume is sent: the configured base URL and path template checked,
// the URL built, the Authorization header's value. Pure: no I/O; any thread.
//
// Kestra moved the endpoint twice, so the path is a template:
//   /api/v1/executions/{executionId}/resume                  before 0.23 (no tenant)
//   /api/v1/{tenant}/executions/{executionId}/resume         0.23 to 1.x (the default)
//   /api/v1/{tenant}/executions/{executionId}/actions/resume 2.x
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace delivery {

// "/api/v1/{tenant}/executions/{executionId}/resume".
std::string default_resume_path();

// A check's message, for a caller that carries it further than the optional below.
struct resume_target_error {
  std::string what;
};

// nullopt when the template is usable; else why not (a sentence starting "the resume path"
// for the caller to prefix with its setting's name): it must start with '/', hold
// {executionId} exactly once, no other placeholder than {tenant} and {executionId} (no stray
// '{' or '}'), and no '?', '#', whitespace or control character.
std::optional<std::string> check_resume_path(std::string_view templ);

// nullopt when the URL is "http://" or "https://" (lower case) then a non-empty
// host[:port][/path] without '?', '#', whitespace, control characters or userinfo (an '@'
// before the path: credentials belong in KESTRA_USERNAME and KESTRA_PASSWORD); else why not.
// A port is 1 to 65535; an IPv6 host is bracketed ("[::1]:8080"). Trailing '/' are fine.
// The message starts "the base URL".
std::optional<std::string> check_base_url(std::string_view url);

// base_url less its trailing '/', then the template with {tenant} and {executionId} replaced
// by their values percent-encoded (every byte outside A-Z a-z 0-9 - . _ ~). Give it a checked
// base URL and template; it checks neither.
std::string resume_url(std::string_view base_url, std::string_view templ,
                       std::string_view tenant, std::string_view execution_id);

// "Basic " + base64(user ":" password) (RFC 7617).
std::string basic_auth(std::string_view user, std::string_view password);
// "Bearer " + token (RFC 6750), for a Kestra API token.
std::string bearer_auth(std::string_view token);

}  // namespace delivery
