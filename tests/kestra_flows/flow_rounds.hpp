// Test support: the rounds of examples/kestra/first-available-provider.yml as Kestra runs them,
// task for task, against a service that is either the real binary (real time) or a model of
// its batch long-poll (virtual time), so the same loop can be counted at test scale and at the
// flow's own numbers, and the flows' "is this vapi-cache answering" test. Test code only.
#pragma once

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kestra_flows {

using nlohmann::ordered_json;

// One `http.Request` answer, as the flow sees it (options.allowFailed: every status is one).
struct answer {
  int code = 0;
  std::string body;
};

// What the flows look for with Pebble's `contains` to know that vapi-cache answered: its 404
// when there is no result yet, and any of its 200s.
inline const std::string not_found_marker = R"("success":false,"error":"Call result not found")";
inline const std::string found_marker = R"("success":true,"data":)";

// The flows' stop_if_refused condition: a 4xx other than 429 without vapi-cache's
// "Call result not found" JSON, or a 200 without its {"success":true,"data":...}.
inline bool refused(const answer& a, const std::string& not_found = not_found_marker,
                    const std::string& found = found_marker) {
  bool has_not_found = a.body.find(not_found) != std::string::npos;
  bool has_found = a.body.find(found) != std::string::npos;
  return (a.code >= 400 && a.code < 500 && a.code != 429 && !has_not_found) ||
         (a.code == 200 && !has_found);
}

struct round_record {
  std::string asked;  // the ids of the request, comma-separated
  double start = 0, took = 0;  // seconds since the run began
  int code = 0;
};

struct run_result {
  std::vector<round_record> rounds;  // one request each
  std::string available;              // the call picked, or ""
  std::string pending;                // the calls still without a result at the end
  bool deadline = false;              // maxDuration passed (the flow's `deadline` task fails)
  bool stopped = false;               // stop_if_refused failed the run
  double ended = 0;
};

struct flow_numbers {
  int wait_s = 50;            // ?wait= of the ask task
  double interval_s = 1;      // checkFrequency.interval
  double max_duration_s = 900;  // checkFrequency.maxDuration
};

// `service` has: answer ask(const std::string& ids, int wait_s), double now() (seconds since
// its start) and void sleep(double seconds). keep_pending = true is the fixed flow; false is
// the flow before the fix, whose uri read `outputs.check.values.pending ?? outputs.calls...`
// after LoopUntil had deleted `check`, so every round asked for every call.
template <class Service>
run_result run_first_available(Service& service, const std::string& ids, const flow_numbers& n,
                               bool keep_pending) {
  std::map<std::string, std::string> kv;  // the namespace KV store; the key has execution.id
  const std::string key = "vapi_cache_pending_EXECUTION";
  kv[key] = ids;  // init_pending
  run_result out;
  for (;;) {
    round_record r;  // ask
    r.asked = keep_pending ? kv[key] : ids;
    r.start = service.now();
    answer a = service.ask(r.asked, n.wait_s);
    r.took = service.now() - r.start;
    r.code = a.code;
    out.rounds.push_back(r);
    if (refused(a)) {  // stop_if_refused
      out.stopped = true;
      break;
    }
    std::string available, pending = kv[key];  // check: after a 503, the same ids again
    if (a.code == 200) {
      auto body = ordered_json::parse(a.body);  // ordered: `data` is in the order asked
      for (auto& [id, result] : body["data"].items()) {
        if (!result.is_null() && result.value("status", "") == "completed" &&
            result.contains("analysis") && result["analysis"].is_object() &&
            result["analysis"].value("structuredData", ordered_json::object())
                .value("availability", "") == "available") {
          available = id;
          break;
        }
      }
      pending.clear();
      for (auto& id : body["pending"])
        pending += (pending.empty() ? "" : ",") + id.get<std::string>();
    }
    kv[key] = pending;  // remember_pending
    out.available = available;
    out.pending = pending;
    // LoopUntil, after the round: maxDuration first, then the condition, then the pause.
    if (service.now() > n.max_duration_s) {
      out.deadline = available.empty() && !pending.empty();
      break;
    }
    if (!available.empty() || pending.empty())
      break;
    service.sleep(n.interval_s);
  }
  out.ended = service.now();
  return out;
}

// The batch endpoint in virtual time: `results` are the CallResults by id and `arrives` when
// each is stored (seconds). A long-poll asked at t is answered at t if one asked id is in,
// else at the first arrival among them within wait_s, else at t + wait_s: mode=any, as the
// real-time test checks against the binary. Answers take no time; the pause does.
struct model_service {
  std::map<std::string, ordered_json> results;
  std::map<std::string, double> arrives;
  double t = 0;

  double now() const { return t; }
  void sleep(double s) { t += s; }

  answer ask(const std::string& ids, int wait_s) {
    std::vector<std::string> asked;
    for (size_t at = 0; at <= ids.size();) {
      size_t comma = std::min(ids.find(',', at), ids.size());
      asked.push_back(ids.substr(at, comma - at));
      at = comma + 1;
    }
    double answered = t + wait_s;
    for (auto& id : asked)
      if (arrives.count(id))
        answered = std::min(answered, std::max(t, arrives[id]));
    t = answered;
    ordered_json data = ordered_json::object(), pending = ordered_json::array();
    for (auto& id : asked) {
      bool in = arrives.count(id) && arrives[id] <= t;
      data[id] = in ? results[id] : ordered_json(nullptr);
      if (!in)
        pending.push_back(id);
    }
    return {200, ordered_json{{"success", true}, {"data", data}, {"pending", pending}}.dump()};
  }
};

}  // namespace kestra_flows
