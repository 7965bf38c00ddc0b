// The CallResult a polling workflow reads, built from a validated end-of-call report.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "vapi/webhook.hpp"

namespace vapi {

// What the flow should do next, from VAPI's endedReason, checked in this order: "voicemail"
// (reason mentions voicemail); "no_answer" (customer-did-not-answer, customer-busy,
// vonage-rejected, call.ringing.sip-inbound-caller-hungup-before-call-connect: nobody was
// reached); "failed" (reason mentions error or failed, or is one of the few setup faults that
// say neither, such as assistant-not-found or twilio-reported-customer-misdialed); else
// "completed" (also when the reason is unknown, as in the seed).
std::string_view status_for(std::optional<std::string_view> ended_reason);

// The CallResult of a report, keys in the seed's order and always present (null when unknown).
// `report` must have passed parse_webhook and be an end-of-call report. Each field is taken
// from the first place that has it, in this order (m = message, c = message.call):
//   endedReason, startedAt, endedAt, cost   m.<field>, c.<field>
//   transcript      m.transcript, m.artifact.transcript, c.transcript
//   summary         m.analysis.summary, m.summary, c.analysis.summary, c.summary
//   structuredData, successEvaluation   m.analysis.<field>, c.analysis.<field>
//   recordingUrl    m.recordingUrl, m.artifact.recordingUrl,
//                   m.artifact.recording.mono.combinedUrl, c.recordingUrl
//   metadata        c.metadata, c.assistantOverrides.metadata, m.assistant.metadata (whole)
//   duration        m.durationMs, m.durationSeconds, m.durationMinutes, then endedAt - startedAt
// An empty string or object does not hide a value further down; if every place is empty, the
// result is that empty value, not null. A negative duration measure is skipped.
nlohmann::ordered_json to_call_result(const webhook& report);

// The text at `key` in the report's metadata, looked up per key in the CallResult's metadata
// order (c.metadata, c.assistantOverrides.metadata, m.assistant.metadata): the first place
// where it is a non-empty string. So a flow's id set through assistantOverrides is found even
// when the call's own metadata carries other keys. nullopt when none has it.
std::optional<std::string> metadata_text(const webhook& report, std::string_view key);

// The GET body stored for a call: {"success":true,"data":<CallResult>}. Rendered once at
// ingest, so that every poll is a copy of finished bytes.
std::string render_get_body(const nlohmann::ordered_json& call_result);

// What the "cached" log line says about a stored result: its CallResult's status, duration
// and cost (numbers or null).
struct call_summary {
  std::string_view status;  // one of status_for's answers (static text)
  nlohmann::ordered_json duration;
  nlohmann::ordered_json cost;
};

// The same bytes as render_get_body(to_call_result(report)), written straight from the report
// without building the CallResult's tree (the webhook's path: about 4x less work for a 2 KB
// report). `summary`, when given, is filled in. Same precondition as to_call_result.
std::string render_get_body(const webhook& report, call_summary* summary = nullptr);

}  // namespace vapi
