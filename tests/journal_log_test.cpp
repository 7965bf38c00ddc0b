// Tests journal/journal_log.cpp in a fresh temporary directory per test: what is appended is
// read back at the next open in order; a torn tail is cut and reported, a damaged stretch
// skipped and reported, a foreign file left alone; segments rotate by size and retire oldest
// first; a second holder of the directory is refused.
#include "journal/journal_log.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace {

using journal::journal_log;
using journal::kind;
using journal::record;

record stored(const std::string& id, int64_t at, int64_t expires) {
  record r;
  r.type = kind::stored;
  r.call_id = id;
  r.at_ms = at;
  r.expires_at_ms = expires;
  r.body = R"({"success":true,"data":{"callId":")" + id + R"("}})";
  r.text_size = static_cast<uint32_t>(r.body.size());
  return r;
}

std::vector<std::string> ids(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs)
    out.push_back(r.call_id);
  return out;
}

class JournalLog : public ::testing::Test {
 protected:
  JournalLog() {
    char tmpl[] = "/tmp/vapi-cache-journal-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~JournalLog() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  void write(journal_log& log, const record& r) { log.append(journal::encode(r), r.expires_at_ms); }
  std::string only_segment() {
    std::string found;
    for (const auto& f : list())
      found = f;
    return found;
  }
  std::vector<std::string> list() {
    std::vector<std::string> out;
    std::string cmd = "ls " + dir_ + "/*.vcj 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    char line[512];
    while (p && std::fgets(line, sizeof line, p)) {
      std::string s = line;
      s.pop_back();
      out.push_back(s);
    }
    if (p)
      ::pclose(p);
    return out;
  }
  std::string dir_;
};

TEST_F(JournalLog, what_is_appended_comes_back_in_order_at_the_next_open) {
  {
    journal_log log(dir_, 1 << 20);
    EXPECT_TRUE(log.take_report().records.empty());
    write(log, stored("a", 1, 100));
    write(log, stored("b", 2, 200));
    log.sync();
  }
  journal_log again(dir_, 1 << 20);
  auto report = again.take_report();
  EXPECT_EQ(ids(report.records), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(report.records[1], stored("b", 2, 200));
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.segments, 1u);
  write(again, stored("c", 3, 300));  // appended to the same segment
  EXPECT_EQ(again.segment_count(), 1u);
}

TEST_F(JournalLog, a_second_holder_is_refused) {
  journal_log log(dir_, 1 << 20);
  EXPECT_THROW(journal_log(dir_, 1 << 20), journal::file_error);
}

TEST_F(JournalLog, a_torn_tail_is_cut_reported_and_written_over) {
  {
    journal_log log(dir_, 1 << 20);
    write(log, stored("a", 1, 100));
    write(log, stored("b", 2, 200));
  }
  std::string seg = only_segment();
  std::string whole = journal::read_file(seg);
  std::string half = journal::encode(stored("torn", 3, 300));
  std::ofstream(seg, std::ios::app) << half.substr(0, half.size() / 2);  // a crash mid-write
  {
    journal_log log(dir_, 1 << 20);
    auto report = log.take_report();
    EXPECT_EQ(ids(report.records), (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_EQ(report.problems[0].what, "torn tail cut");
    EXPECT_EQ(report.problems[0].offset, whole.size());
    EXPECT_EQ(journal::read_file(seg), whole);  // cut at once
    write(log, stored("c", 4, 400));
  }
  journal_log log(dir_, 1 << 20);
  auto report = log.take_report();
  EXPECT_EQ(ids(report.records), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(report.problems.empty());
}

TEST_F(JournalLog, a_damaged_record_is_skipped_and_named_by_file_and_offset) {
  size_t second_at = 0;
  {
    journal_log log(dir_, 1 << 20);
    write(log, stored("a", 1, 100));
    second_at = journal::read_file(only_segment()).size();
    write(log, stored("b", 2, 200));
    write(log, stored("c", 3, 300));
  }
  std::string seg = only_segment();
  std::string bytes = journal::read_file(seg);
  bytes[second_at + 20] ^= 0x40;  // inside b's payload
  std::ofstream(seg, std::ios::trunc | std::ios::binary) << bytes;
  journal_log log(dir_, 1 << 20);
  auto report = log.take_report();
  EXPECT_EQ(ids(report.records), (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].file, seg);
  EXPECT_EQ(report.problems[0].offset, second_at);
  EXPECT_EQ(report.problems[0].what, "damaged records skipped");
}

TEST_F(JournalLog, a_file_that_is_no_journal_is_left_alone_and_reported) {
  std::string foreign = dir_ + "/0000000000000005.vcj";
  std::ofstream(foreign) << "this is not a journal at all";
  journal_log log(dir_, 1 << 20);
  auto report = log.take_report();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].what, "not a journal: skipped");
  write(log, stored("a", 1, 100));  // into a new segment, named after the foreign one
  auto files = list();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], foreign);
  EXPECT_EQ(journal::read_file(foreign), "this is not a journal at all");
}

TEST_F(JournalLog, segments_rotate_by_size_and_read_back_in_order) {
  {
    journal_log log(dir_, 200);
    for (int i = 0; i < 10; ++i)
      write(log, stored("r" + std::to_string(i), i, 1000 + i));
    EXPECT_GT(log.segment_count(), 3u);
  }
  journal_log log(dir_, 200);
  auto report = log.take_report();
  ASSERT_EQ(report.records.size(), 10u);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(report.records[size_t(i)].call_id, "r" + std::to_string(i));
  EXPECT_TRUE(report.problems.empty());
}

TEST_F(JournalLog, retirement_removes_the_oldest_expired_segments_never_the_current) {
  journal_log log(dir_, 100);  // two records a segment
  for (int i = 0; i < 6; ++i)
    write(log, stored("r" + std::to_string(i), i, 1000 * (i + 1)));
  size_t before = log.segment_count(), bytes = log.disk_bytes();
  ASSERT_GE(before, 3u);
  EXPECT_EQ(log.retire(0), 0u);
  EXPECT_GE(log.retire(2500), 1u);  // r0 and r1 have expired: at least their segment goes
  EXPECT_LT(log.disk_bytes(), bytes);
  EXPECT_LT(log.segment_count(), before);
  log.retire(1'000'000);
  EXPECT_EQ(log.segment_count(), 1u);  // the one being written stays
  EXPECT_EQ(list().size(), 1u);
}

// The service preallocates: records overwrite zeros written ahead of them.
TEST_F(JournalLog, preallocated_segments_read_back_append_after_the_records_and_cut_torn_writes) {
  size_t records_end = 0;
  {
    journal_log log(std::make_unique<journal::directory>(dir_), 1 << 20, {}, 4096);
    write(log, stored("a", 1, 100));
    write(log, stored("b", 2, 200));
    log.sync();
    EXPECT_EQ(log.disk_bytes(), 4096u);  // one chunk of zeros ahead
    records_end = journal::segment_header_size + journal::encode(stored("a", 1, 100)).size() +
                  journal::encode(stored("b", 2, 200)).size();
  }
  std::string seg = only_segment();
  EXPECT_EQ(journal::read_file(seg).size(), 4096u);
  {
    journal_log log(std::make_unique<journal::directory>(dir_), 1 << 20, {}, 4096);
    auto report = log.take_report();
    EXPECT_EQ(ids(report.records), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(report.problems.empty()) << report.problems[0].what;  // zeros are no torn tail
    write(log, stored("c", 3, 300));  // right after b, not after the zeros
    EXPECT_EQ(log.disk_bytes(), 4096u);
  }
  std::string bytes = journal::read_file(seg);
  EXPECT_EQ(bytes.substr(records_end, 12), journal::encode(stored("c", 3, 300)).substr(0, 12));
  // A crash in the middle of writing d: half of it over the zeros.
  size_t c_end = records_end + journal::encode(stored("c", 3, 300)).size();
  std::string half = journal::encode(stored("d", 4, 400));
  bytes.replace(c_end, half.size() / 2, half.substr(0, half.size() / 2));
  std::ofstream(seg, std::ios::trunc | std::ios::binary) << bytes;
  journal_log log(std::make_unique<journal::directory>(dir_), 1 << 20, {}, 4096);
  auto report = log.take_report();
  EXPECT_EQ(ids(report.records), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].what, "torn tail cut");
  EXPECT_EQ(report.problems[0].offset, c_end);
  EXPECT_EQ(journal::read_file(seg).size(), c_end);  // cut, zeros and all
  write(log, stored("e", 5, 500));
  EXPECT_EQ(log.disk_bytes(), 4096u);  // filled ahead again
}

TEST_F(JournalLog, preallocation_never_passes_the_segment_size) {
  {
    journal_log log(std::make_unique<journal::directory>(dir_), 300, {}, 4096);
    for (int i = 0; i < 10; ++i)
      write(log, stored("r" + std::to_string(i), i, 1000 + i));
    EXPECT_GE(log.segment_count(), 3u);
  }
  auto files = list();
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    size_t size = journal::read_file(f).size();
    EXPECT_LE(size, 300u + journal::encode(stored("r0", 0, 1000)).size());
  }
  journal_log log(std::make_unique<journal::directory>(dir_), 300, {}, 4096);
  auto report = log.take_report();
  EXPECT_EQ(report.records.size(), 10u);
  EXPECT_TRUE(report.problems.empty());
}

}  // namespace
