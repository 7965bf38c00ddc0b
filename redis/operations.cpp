#include "redis/operations.hpp"

#include "redis/scripts.hpp"

namespace redis::ops {
namespace {

std::string ms(std::chrono::milliseconds t) { return std::to_string(t.count()); }

// The first error reply's text, if any; also when a reply is missing.
std::optional<std::string> first_error(const std::vector<reply>& replies, size_t expected) {
  if (replies.size() != expected)
    return std::string("expected ") + std::to_string(expected) + " replies, got " +
           std::to_string(replies.size());
  for (const auto& r : replies)
    if (r.is_error())
      return r.text;
  return std::nullopt;
}

}  // namespace

// A store that always applies is a MULTI/EXEC of plain commands, as atomic as the script and
// measured at about half of its cost to Redis (the webhook's share of Redis's CPU: 14.2 us with
// the script); one sent late needs the script's comparison.
std::vector<command> store(const key_layout& keys, std::string_view id, std::string_view value,
                           std::chrono::milliseconds ttl, change_time when) {
  if (!when.only_if_newer)
    return {{"MULTI"},
            {"SET", keys.call(id), std::string(value), "PX", ms(ttl)},
            {"SET", keys.changed(id), std::to_string(when.at_ms), "PX", ms(ttl)},
            {"DEL", keys.status(id)},
            {"PUBLISH", keys.channel(), std::string(id)},
            {"EXEC"}};
  return {{"EVAL", std::string(scripts::store), "3", keys.call(id), keys.status(id),
           keys.changed(id), std::string(value), ms(ttl), keys.channel(), std::string(id),
           std::to_string(when.at_ms), "1"}};
}

std::optional<std::string> stored(const std::vector<reply>& replies) {
  if (replies.size() == 6) {  // MULTI ... EXEC: EXEC's array holds each command's reply
    if (auto e = first_error(replies, 6))
      return e;
    const auto& exec = replies[5];
    if (exec.type != reply::kind::array)
      return std::string("the transaction was not run");
    return first_error(exec.items, 4);
  }
  return first_error(replies, 1);
}

bool skipped(const std::vector<reply>& replies) {
  return replies.size() == 1 && replies[0].type == reply::kind::integer &&
         replies[0].integer < 0;
}

std::vector<command> lookup(const key_layout& keys, std::string_view id) {
  return {{"GET", keys.call(id)}, {"GET", keys.status(id)}};
}

found looked_up(const std::vector<reply>& replies) {
  found out;
  if ((out.error = first_error(replies, 2)))
    return out;
  if (replies[0].type == reply::kind::string)
    out.value = replies[0].text;
  else if (replies[1].type == reply::kind::string)
    out.status = parse_status_value(replies[1].text);
  return out;
}

std::vector<command> remove(const key_layout& keys, std::string_view id,
                            std::chrono::milliseconds keep, change_time when) {
  return {{"EVAL", std::string(scripts::remove), "3", keys.call(id), keys.status(id),
           keys.changed(id), std::to_string(when.at_ms), ms(keep),
           when.only_if_newer ? "1" : "0"}};
}

removed removed_from(const std::vector<reply>& replies) {
  removed out;
  if ((out.error = first_error(replies, 1)))
    return out;
  const auto& r = replies[0];
  if (r.type != reply::kind::array || r.items.size() != 2) {
    out.error = "unexpected reply to the remove script";
    return out;
  }
  out.skipped = r.items[0].integer < 0;
  out.had_result = r.items[0].integer > 0;
  out.had_status = r.items[1].integer > 0;
  return out;
}

std::vector<command> note_status(const key_layout& keys, std::string_view id,
                                 std::string_view status, std::string_view ended_reason,
                                 std::chrono::milliseconds ttl, change_time when) {
  return {{"EVAL", std::string(scripts::note_status), "3", keys.call(id), keys.status(id),
           keys.changed(id), status_value(status, ended_reason), ms(ttl),
           std::to_string(when.at_ms), when.only_if_newer ? "1" : "0"}};
}

noted noted_from(const std::vector<reply>& replies) {
  noted out;
  if ((out.error = first_error(replies, 1)))
    return out;
  out.written = replies[0].integer == 1;
  return out;
}

std::vector<command> scan_calls(const key_layout& keys, uint64_t cursor, size_t count) {
  return {{"SCAN", std::to_string(cursor), "MATCH", keys.call_pattern(), "COUNT",
           std::to_string(count)}};
}

scanned scanned_from(const key_layout& keys, const std::vector<reply>& replies) {
  scanned out;
  if ((out.error = first_error(replies, 1)))
    return out;
  const auto& r = replies[0];
  if (r.type != reply::kind::array || r.items.size() != 2 ||
      r.items[0].type != reply::kind::string || r.items[1].type != reply::kind::array) {
    out.error = "unexpected reply to SCAN";
    return out;
  }
  try {
    out.next = std::stoull(r.items[0].text);
  } catch (const std::exception&) {
    out.error = "unexpected SCAN cursor";
    return out;
  }
  for (const auto& key : r.items[1].items)
    if (auto id = keys.call_id_of(key.text))
      out.call_ids.emplace_back(*id);
  return out;
}

std::vector<command> ttls(const key_layout& keys, const std::vector<std::string>& call_ids) {
  std::vector<command> out;
  out.reserve(call_ids.size());
  for (const auto& id : call_ids)
    out.push_back({"PTTL", keys.call(id)});
  return out;
}

}  // namespace redis::ops
