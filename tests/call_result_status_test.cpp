// Tests vapi::status_for: what the flow should do next, from VAPI's endedReason.
#include "vapi/call_result.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/call_results.hpp"

namespace {

using namespace test_support::call_results;
using vapi::status_for;
// --- status -----------------------------------------------------------------------------------

struct status_case {
  std::optional<std::string> reason;
  std::string status;
};

// Readable test names in ctest, instead of the struct's raw bytes.
[[maybe_unused]] void PrintTo(const status_case& c, std::ostream* os) {
  *os << (c.reason ? "\"" + *c.reason + "\"" : std::string("no reason")) << " -> " << c.status;
}

class call_result_status : public testing::TestWithParam<status_case> {};

TEST_P(call_result_status, maps_ended_reason) {
  const auto& c = GetParam();
  std::optional<std::string_view> reason;
  if (c.reason)
    reason = *c.reason;
  EXPECT_EQ(status_for(reason), c.status);
  // And through the transform, from the report's endedReason.
  auto fields = c.reason ? R"("endedReason":)" + json(*c.reason).dump() : std::string();
  EXPECT_EQ(result_of(fields)["status"], c.status);
}

INSTANTIATE_TEST_SUITE_P(
  call_result, call_result_status,
  testing::Values(
    status_case{std::nullopt, "completed"}, status_case{"", "completed"},
    status_case{"customer-ended-call", "completed"},
    status_case{"assistant-ended-call", "completed"},
    status_case{"silence-timed-out", "completed"},
    status_case{"exceeded-max-duration", "completed"},
    status_case{"voicemail", "voicemail"},
    status_case{"assistant-ended-call-voicemail", "voicemail"},
    status_case{"customer-did-not-answer", "no_answer"},
    status_case{"customer-busy", "no_answer"},
    status_case{"pipeline-error-openai-llm-failed", "failed"},
    status_case{"assistant-error", "failed"},
    status_case{"twilio-failed-to-connect-call", "failed"},
    status_case{"assistant-request-failed", "failed"},
    status_case{"call.in-progress.error-vapifault-transport-never-connected", "failed"},
    // Precedence: voicemail first, then the exact no-answer reasons, then error/failed.
    status_case{"voicemail-error", "voicemail"},
    status_case{"failed-voicemail", "voicemail"},
    status_case{"customer-busy-error", "failed"},
    status_case{"customer-did-not-answer-failed", "failed"},
    status_case{"customer-busy-signal", "completed"},
    // Reasons from VAPI's endedReason enum that the substring rules alone would misread.
    status_case{"vonage-rejected", "no_answer"},
    status_case{"call.ringing.sip-inbound-caller-hungup-before-call-connect", "no_answer"},
    status_case{"twilio-reported-customer-misdialed", "failed"},
    status_case{"assistant-not-found", "failed"},
    status_case{"assistant-not-valid", "failed"},
    status_case{"assistant-request-returned-invalid-assistant", "failed"},
    status_case{"assistant-request-returned-no-assistant", "failed"},
    status_case{"assistant-join-timed-out", "failed"},
    status_case{"customer-did-not-give-microphone-permission", "failed"},
    status_case{"phone-call-provider-bypass-enabled-but-no-call-received", "failed"},
    status_case{"worker-shutdown", "failed"},
    // ... and some that stay where the substring rules put them.
    status_case{"pipeline-error-cartesia-socket-hang-up", "failed"},  // TTS socket, not a caller
    status_case{"call.in-progress.error-assistant-did-not-receive-customer-audio", "failed"},
    status_case{"call.in-progress.error-providerfault-outbound-sip-480-temporarily-unavailable",
                "failed"},
    status_case{"call.in-progress.error-warm-transfer-max-duration", "failed"},
    status_case{"customer-ended-call-during-transfer", "completed"},
    status_case{"assistant-request-returned-forwarding-phone-number", "completed"},
    status_case{"call.forwarding.operator-busy", "completed"},
    status_case{"call.forwarding.no-answer", "completed"},
    status_case{"manually-canceled", "completed"},
    status_case{"vonage-completed", "completed"},
    status_case{"call.in-progress.twilio-completed-call", "completed"},
    status_case{"assistant-said-end-call-phrase", "completed"},
    // Exact matches only: a longer reason is judged by the substring rules.
    status_case{"vonage-rejected-later", "completed"},
    status_case{"worker-shutdown-error", "failed"}));


}  // namespace
