// Tests journal/journal_record.cpp: every record type comes back exactly; the header's outcomes;
// scanning stops at a torn tail, skips damage in the middle, and survives any bytes.
#include "journal/journal_record.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <stdexcept>

namespace {

using namespace journal;
using namespace std::string_literals;

record stored(std::string id, std::string body, bool compressed = false) {
  record r;
  r.type = kind::stored;
  r.call_id = std::move(id);
  r.at_ms = 1'700'000'000'123;
  r.expires_at_ms = 1'700'003'600'123;
  r.compressed = compressed;
  r.text_size = static_cast<uint32_t>(body.size() * 3);
  r.body = std::move(body);
  return r;
}
record simple(kind k, std::string id, int64_t at) {
  record r;
  r.type = k;
  r.call_id = std::move(id);
  r.at_ms = at;
  return r;
}
record status(std::string id, std::string st, std::string why) {
  record r = simple(kind::status, std::move(id), -5);
  r.expires_at_ms = INT64_MAX;
  r.status = std::move(st);
  r.ended_reason = std::move(why);
  return r;
}

std::string le(uint64_t v, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}
uint32_t crc(std::string_view s, uint32_t seed = 0) {
  return crc32(seed, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()));
}
// A record frame around any body, with a correct checksum.
std::string frame(const std::string& body) {
  std::string len = le(body.size(), 4);
  return le(record_marker, 4) + len + le(crc(body, crc(len)), 4) + body;
}

void expect_round_trip(const record& r) {
  std::string bytes = encode(r);
  scan_result s = scan(bytes);
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0], r);
  EXPECT_EQ(s.valid_end, bytes.size());
  EXPECT_FALSE(s.torn_tail);
  EXPECT_TRUE(s.damaged.empty());
}

TEST(journal_record, every_type_round_trips) {
  expect_round_trip(stored("call-1", R"({"success":true})", true));
  expect_round_trip(stored("", ""));
  expect_round_trip(simple(kind::deleted, "call-2", 42));
  expect_round_trip(simple(kind::evicted, "", INT64_MIN));
  expect_round_trip(status("call-3", "ended", "customer-ended-call"));
  expect_round_trip(status("", "", ""));
  expect_round_trip(simple(kind::deleted, std::string(65535, 'x'), 1));
  std::string big(1 << 20, 'a');
  for (size_t i = 0; i < big.size(); i += 1000) big[i] = '\0';
  for (size_t i = 500; i + 4 < big.size(); i += 70'000) big.replace(i, 4, "VCRJ");
  expect_round_trip(stored("call-4", big));
}

TEST(journal_record, layout_is_little_endian_byte_for_byte) {
  std::string body = "\x02" + le(1, 2) + "c" + le(0x0102030405060708, 8);
  EXPECT_EQ(encode(simple(kind::deleted, "c", 0x0102030405060708)), frame(body));
  EXPECT_EQ(encode(simple(kind::deleted, "c", 1)).substr(0, 8), "VCRJ" + le(12, 4));
}

// The checksum is zlib's crc32, whatever computes it (ISA-L here): at every body length across
// ISA-L's block sizes, with every byte value, and in the segment header.
TEST(journal_record, checksums_are_zlibs_crc32_at_every_length) {
  std::string text;
  for (size_t n = 0; n <= 4200; ++n) {
    std::string bytes = encode(stored("call", text));
    ASSERT_GE(bytes.size(), record_header_size);
    std::string_view length(bytes.data() + 4, 4), body(bytes.data() + 12, bytes.size() - 12);
    ASSERT_EQ(bytes.substr(8, 4), le(crc(body, crc(length)), 4)) << "body of " << n << " bytes";
    text.push_back(static_cast<char>((n * 131 + 7) & 0xFF));
  }
  std::string header = encode_segment_header();
  EXPECT_EQ(header.substr(12, 4), le(crc(header.substr(0, 12)), 4));
}

TEST(journal_record, append_adds_to_what_is_there) {
  std::string out = "prefix";
  append(out, simple(kind::evicted, "a", 1));
  EXPECT_EQ(out, "prefix" + encode(simple(kind::evicted, "a", 1)));
}

TEST(journal_record, encode_refuses_oversized_fields) {
  std::string out = "kept";
  EXPECT_THROW(append(out, simple(kind::deleted, std::string(65536, 'x'), 1)), std::length_error);
  EXPECT_THROW(encode(stored(std::string(65536, 'x'), "")), std::length_error);
  EXPECT_THROW(encode(status("id", std::string(65536, 's'), "")), std::length_error);
  EXPECT_THROW(encode(status("id", "", std::string(65536, 'r'))), std::length_error);
  EXPECT_EQ(out, "kept");
}

TEST(journal_record, segment_header_outcomes) {
  std::string h = encode_segment_header();
  ASSERT_EQ(h.size(), segment_header_size);
  EXPECT_EQ(h.substr(0, 12), "VCJOURNL" + le(2, 2) + le(0, 2));
  EXPECT_EQ(check_segment_header(h).status, header_status::ok);
  EXPECT_EQ(check_segment_header(h + "more bytes").status, header_status::ok);
  EXPECT_EQ(check_segment_header("").status, header_status::too_short);
  EXPECT_EQ(check_segment_header(h.substr(0, 15)).status, header_status::too_short);
  std::string other = h;
  other[0] = 'X';
  EXPECT_EQ(check_segment_header(other).status, header_status::not_a_journal);
  std::string damaged = h;
  damaged[10] ^= 1;
  EXPECT_EQ(check_segment_header(damaged).status, header_status::bad_checksum);
  std::string newer = "VCJOURNL" + le(7, 2) + le(0, 2);
  header_check c = check_segment_header(newer + le(crc(newer), 4));
  EXPECT_EQ(c.status, header_status::unsupported_version);
  EXPECT_EQ(c.version, 7);
  for (uint16_t v : {0, 3}) {
    std::string other_version = "VCJOURNL" + le(v, 2) + le(0, 2);
    EXPECT_EQ(check_segment_header(other_version + le(crc(other_version), 4)).status,
              header_status::unsupported_version);
  }
  std::string v1 = "VCJOURNL" + le(1, 2) + le(0, 2);  // no preallocated zeros, same records
  header_check old = check_segment_header(v1 + le(crc(v1), 4));
  EXPECT_EQ(old.status, header_status::ok);
  EXPECT_EQ(old.version, 1);
}

TEST(journal_record, payloads_must_parse_exactly) {
  std::string deleted = "\x02" + le(1, 2) + "c" + le(9, 8);
  ASSERT_EQ(scan(frame(deleted)).records.size(), 1u);
  for (const std::string& bad : {std::string(), deleted + "x", deleted.substr(0, 10),
                                 "\x09" + deleted.substr(1), "\x02" + le(9, 2) + "c" + le(9, 8),
                                 "\x01" + le(0, 2) + le(1, 8) + le(2, 8) + "\x02" + le(0, 4) +
                                     le(0, 4)}) {
    scan_result s = scan(frame(bad));
    EXPECT_TRUE(s.records.empty());
    EXPECT_TRUE(s.torn_tail);
    EXPECT_EQ(s.valid_end, 0u);
  }
  std::string huge = le(record_marker, 4) + le(max_body_length + 1, 4) + le(0, 4);
  EXPECT_TRUE(scan(huge + std::string(64, 'z')).torn_tail);
}

struct stream {
  std::vector<record> written;
  std::string bytes;
  std::vector<size_t> ends;  // where each record ends
};
stream three_records() {
  stream s;
  s.written = {stored("call-a", "body VCRJ with a marker\0inside"s, true),
               status("call-b", "in-progress", ""), simple(kind::deleted, "call-a", 77)};
  for (const record& r : s.written) {
    append(s.bytes, r);
    s.ends.push_back(s.bytes.size());
  }
  return s;
}

TEST(journal_record, scans_several_records_after_the_header) {
  stream s = three_records();
  std::string file = encode_segment_header() + s.bytes;
  scan_result r = scan(file, segment_header_size);
  EXPECT_EQ(r.records, s.written);
  EXPECT_EQ(r.valid_end, file.size());
  EXPECT_FALSE(r.torn_tail);
  EXPECT_TRUE(r.damaged.empty());
  scan_result none = scan("abc", 10);  // an offset past the end reads nothing
  EXPECT_TRUE(none.records.empty());
  EXPECT_FALSE(none.torn_tail);
}

TEST(journal_record, a_cut_at_every_length_keeps_the_whole_records_before_it) {
  stream s = three_records();
  for (size_t cut = 0; cut <= s.bytes.size(); ++cut) {
    SCOPED_TRACE(cut);
    scan_result r = scan(std::string_view(s.bytes).substr(0, cut));
    size_t whole = 0;
    while (whole < s.ends.size() && s.ends[whole] <= cut) ++whole;
    size_t boundary = whole == 0 ? 0 : s.ends[whole - 1];
    EXPECT_EQ(r.records, std::vector<record>(s.written.begin(), s.written.begin() + whole));
    EXPECT_EQ(r.valid_end, boundary);
    EXPECT_EQ(r.torn_tail, cut != boundary);
    EXPECT_TRUE(r.damaged.empty());
  }
}

TEST(journal_record, any_flipped_bit_in_the_middle_record_is_damage_skipped) {
  stream s = three_records();
  for (size_t at = s.ends[0]; at < s.ends[1]; ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      SCOPED_TRACE(at * 8 + bit);
      std::string bytes = s.bytes;
      bytes[at] ^= static_cast<char>(1 << bit);
      scan_result r = scan(bytes);
      EXPECT_EQ(r.records, (std::vector<record>{s.written[0], s.written[2]}));
      EXPECT_EQ(r.damaged, (std::vector<damage>{{s.ends[0], s.ends[1] - s.ends[0]}}));
      EXPECT_FALSE(r.torn_tail);
      EXPECT_EQ(r.valid_end, bytes.size());
    }
  }
}

TEST(journal_record, a_flipped_bit_in_the_last_record_is_a_torn_tail) {
  stream s = three_records();
  std::string bytes = s.bytes;
  bytes[bytes.size() - 3] ^= 0x10;
  scan_result r = scan(bytes);
  EXPECT_EQ(r.records, (std::vector<record>{s.written[0], s.written[1]}));
  EXPECT_TRUE(r.torn_tail);
  EXPECT_EQ(r.valid_end, s.ends[1]);
  EXPECT_TRUE(r.damaged.empty());
}

void expect_sane(const scan_result& r, std::string_view bytes) {
  ASSERT_LE(r.valid_end, bytes.size());
  bool only_zeros = bytes.find_first_not_of('\0', r.valid_end) == std::string_view::npos;
  EXPECT_EQ(r.torn_tail, !only_zeros);
  for (const damage& d : r.damaged) EXPECT_LE(d.offset + d.length, r.valid_end);
}

TEST(journal_record, random_garbage_yields_nothing) {
  std::mt19937 rng(12);
  for (int i = 0; i < 1000; ++i) {
    std::string bytes(rng() % 4097, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    for (int m = 0; m < 4 && bytes.size() >= 12; ++m)  // markers, so resync has work to do
      bytes.replace(rng() % (bytes.size() - 11), 4, "VCRJ");
    scan_result r = scan(bytes, rng() % 20);
    EXPECT_TRUE(r.records.empty());
    EXPECT_TRUE(r.damaged.empty());
    expect_sane(r, bytes);
  }
}

// Whether `got` is `written` with some records left out, in order.
bool subsequence(const std::vector<record>& got, const std::vector<record>& written) {
  size_t w = 0;
  for (const record& g : got) {
    while (w < written.size() && written[w] != g) ++w;
    if (w++ == written.size()) return false;
  }
  return true;
}

TEST(journal_record, garbage_after_or_among_records_never_invents_one) {
  std::mt19937 rng(34);
  for (int i = 0; i < 300; ++i) {
    SCOPED_TRACE(i);
    stream s = three_records();
    std::string garbage(rng() % 600, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    if (garbage.size() >= 4 && rng() % 2) garbage.replace(0, 4, "VCRJ");
    scan_result r = scan(s.bytes + garbage);
    EXPECT_EQ(r.records, s.written);
    EXPECT_EQ(r.valid_end, s.bytes.size());
    expect_sane(r, s.bytes + garbage);

    std::string mangled = s.bytes + s.bytes;
    for (int flips = 1 + rng() % 3; flips > 0; --flips)
      mangled[rng() % mangled.size()] ^= static_cast<char>(1 + rng() % 255);
    std::vector<record> twice = s.written;
    twice.insert(twice.end(), s.written.begin(), s.written.end());
    scan_result m = scan(mangled);
    EXPECT_TRUE(subsequence(m.records, twice));
    expect_sane(m, mangled);
  }
}

TEST(journal_record, zeros_after_the_records_are_free_space_not_a_torn_tail) {
  stream s = three_records();
  for (size_t zeros : {1, 11, 12, 13, 4096}) {
    SCOPED_TRACE(zeros);
    scan_result r = scan(s.bytes + std::string(zeros, '\0'));
    EXPECT_EQ(r.records, s.written);
    EXPECT_EQ(r.valid_end, s.bytes.size());
    EXPECT_FALSE(r.torn_tail);
    EXPECT_TRUE(r.damaged.empty());
  }
  EXPECT_FALSE(scan(std::string(100, '\0')).torn_tail);  // a new segment's space
}

TEST(journal_record, a_record_cut_off_before_the_zeros_is_a_torn_tail) {
  stream s = three_records();
  for (size_t cut = s.ends[1] + 1; cut < s.ends[2]; ++cut) {
    SCOPED_TRACE(cut);
    std::string bytes = s.bytes.substr(0, cut) + std::string(s.bytes.size() - cut + 64, '\0');
    if (bytes.compare(0, s.bytes.size(), s.bytes) == 0)
      continue;  // the bytes cut off were zeros anyway: the record is whole
    scan_result r = scan(bytes);
    EXPECT_EQ(r.records, (std::vector<record>{s.written[0], s.written[1]}));
    EXPECT_TRUE(r.torn_tail);
    EXPECT_EQ(r.valid_end, s.ends[1]);
  }
  // A page of the last write reached the disk before the one ahead of it (never synced, so
  // never acknowledged): zeros, then the rest of a record, then zeros: torn, cut at the gap.
  std::string gap = s.bytes;
  std::fill(gap.begin() + static_cast<std::ptrdiff_t>(s.ends[1]),
            gap.begin() + static_cast<std::ptrdiff_t>(s.ends[1] + 20), '\0');
  scan_result r = scan(gap + std::string(64, '\0'));
  EXPECT_TRUE(r.torn_tail);
  EXPECT_EQ(r.valid_end, s.ends[1]);
}

}  // namespace
