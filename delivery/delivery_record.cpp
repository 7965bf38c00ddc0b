// The key's prefix names the target; the body's first line holds the execution id, which is
// base62 (or empty), so it can never contain the '\n' that ends it.
#include "delivery/delivery_record.hpp"

#include <stdexcept>

#include "delivery/execution_id.hpp"

namespace delivery {

namespace {

constexpr std::string_view kestra_prefix = "kestra/";
constexpr std::string_view forward_prefix = "forward/";

// What a target's execution id must be: valid for Kestra, absent for a forward.
bool fits(target to, std::string_view execution_id) {
  return to == target::kestra_resume ? valid_execution_id(execution_id) : execution_id.empty();
}

}  // namespace

bool pending::operator==(const pending& o) const {
  return to == o.to && call_id == o.call_id && execution_id == o.execution_id &&
         payload == o.payload && created_ms == o.created_ms && deadline_ms == o.deadline_ms;
}

std::string key_of(target to, std::string_view call_id) {
  switch (to) {
    case target::kestra_resume: return std::string(kestra_prefix) + std::string(call_id);
    case target::forward: return std::string(forward_prefix) + std::string(call_id);
  }
  throw std::invalid_argument("delivery: unknown target");
}

journal::record to_record(const pending& p) {
  if (p.call_id.empty()) throw std::invalid_argument("delivery: empty call id");
  if (!fits(p.to, p.execution_id))
    throw std::invalid_argument(p.to == target::kestra_resume
                                    ? "delivery: a Kestra resume needs a valid execution id"
                                    : "delivery: a forward carries no execution id");
  journal::record r;
  r.type = journal::kind::stored;
  r.call_id = key_of(p.to, p.call_id);
  r.at_ms = p.created_ms;
  r.expires_at_ms = p.deadline_ms;
  r.compressed = false;
  r.body.reserve(p.execution_id.size() + 1 + p.payload.size());
  r.body.append(p.execution_id).append("\n").append(p.payload);
  r.text_size = static_cast<uint32_t>(r.body.size());
  return r;
}

journal::record ended_record(target to, std::string_view call_id, int64_t at_ms) {
  journal::record r;
  r.type = journal::kind::evicted;
  r.call_id = key_of(to, call_id);
  r.at_ms = at_ms;
  return r;
}

std::optional<pending> from_record(const journal::record& r) {
  if (r.type != journal::kind::stored || r.compressed || r.text_size != r.body.size())
    return std::nullopt;
  std::string_view key = r.call_id;
  pending p;
  if (key.substr(0, kestra_prefix.size()) == kestra_prefix) {
    p.to = target::kestra_resume;
    key.remove_prefix(kestra_prefix.size());
  } else if (key.substr(0, forward_prefix.size()) == forward_prefix) {
    p.to = target::forward;
    key.remove_prefix(forward_prefix.size());
  } else {
    return std::nullopt;
  }
  size_t eol = r.body.find('\n');
  if (key.empty() || eol == std::string::npos) return std::nullopt;
  std::string_view body = r.body;
  if (!fits(p.to, body.substr(0, eol))) return std::nullopt;
  p.call_id = std::string(key);
  p.execution_id = std::string(body.substr(0, eol));
  p.payload = std::string(body.substr(eol + 1));
  p.created_ms = r.at_ms;
  p.deadline_ms = r.expires_at_ms;
  return p;
}

}  // namespace delivery
