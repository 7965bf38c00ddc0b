// Stats in the Redis store: the result keys listed with SCAN (every instance's, and any the
// seed's Redis variant wrote), a page per request. The page cursor is SCAN's own, so a
// listing holds what SCAN promises: every result present from the first page to the last is
// listed at least once; one stored or expiring meanwhile may or may not be; a page holds about
// `limit` entries (SCAN's steps cannot be split). `timestamp` and `expiresAt` are derived from
// each key's PTTL and CACHE_TTL_SECONDS (redis/values.hpp: times_from_pttl). `size` counts
// every result key, with a keys-only SCAN to the end: O(keys) for Redis, as the seed's is.
#include <memory>

#include "actors/redis_store_state.hpp"
#include "actors/store_reporting.hpp"
#include "redis/values.hpp"

namespace vapi_cache {
namespace {

constexpr size_t count_step = 10000;  // keys per SCAN step when only counting

struct listing {
  stats_request req;
  reply_fn reply;
  size_t total = 0;
  std::vector<std::string> ids;
  uint64_t next = 0;
};
using listing_ptr = std::shared_ptr<listing>;

void fail(const listing_ptr& l) { l->reply(answer{outcome::store_unavailable, nullptr}); }

void render(store_self self, const listing_ptr& l, const std::vector<redis::reply>& pttls) {
  auto& st = self->state;
  auto now = epoch_ms();
  std::vector<stats_row> rows;
  for (size_t i = 0; i < l->ids.size() && i < pttls.size(); ++i) {
    auto t = redis::times_from_pttl(now, pttls[i].integer, st.options.ttl.count());
    if (t)  // gone since the SCAN, or kept without an expiry by someone else: left out
      rows.push_back({&l->ids[i], t->stored_at_ms, t->expires_at_ms});
  }
  auto system = describe_system(self, st.counters, st.started_at);
  std::optional<std::string> next;
  if (l->next != 0)
    next = format_cursor({static_cast<int64_t>(l->next), "scan"});
  l->reply(answer{outcome::listed,
                  stored_body::plain(render_stats_page(rows, l->next != 0, l->total, st.counters,
                                                       0, st.waiting.size(), system, next))});
}

void page_step(store_self self, listing_ptr l, uint64_t cursor) {
  auto count = std::max<size_t>(l->req.limit, 10);
  run(self, redis::ops::scan_calls(self->state.keys, cursor, count),
      [self, l](bool ok, std::vector<redis::reply> replies, const std::string&) {
        auto step = redis::ops::scanned_from(self->state.keys, replies);
        if (!ok || step.error)
          return fail(l);
        for (auto& id : step.call_ids)
          l->ids.push_back(std::move(id));
        if (step.next != 0 && l->ids.size() < l->req.limit)
          return page_step(self, l, step.next);
        l->next = step.next;
        if (l->ids.empty())
          return render(self, l, {});
        run(self, redis::ops::ttls(self->state.keys, l->ids),
            [self, l](bool ok, std::vector<redis::reply> pttls, const std::string&) {
              if (!ok)
                return fail(l);
              render(self, l, pttls);
            });
      });
}

void count_step_from(store_self self, listing_ptr l, uint64_t cursor) {
  run(self, redis::ops::scan_calls(self->state.keys, cursor, count_step),
      [self, l](bool ok, std::vector<redis::reply> replies, const std::string&) {
        auto step = redis::ops::scanned_from(self->state.keys, replies);
        if (!ok || step.error)
          return fail(l);
        l->total += step.call_ids.size();
        if (step.next != 0)
          return count_step_from(self, l, step.next);
        if (l->req.limit == 0)
          return render(self, l, {});
        page_step(self, l, l->req.after ? static_cast<uint64_t>(l->req.after->stored_at_ms) : 0);
      });
}

}  // namespace

void stats_page(store_self self, const stats_request& req, reply_fn reply) {
  auto l = std::make_shared<listing>();
  l->req = req;
  l->reply = std::move(reply);
  count_step_from(self, l, 0);
}

}  // namespace vapi_cache
