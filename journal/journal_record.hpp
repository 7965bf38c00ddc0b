// The journal's bytes: the segment header and the records after it, encoded and scanned back
// (checksums, torn tails, damaged stretches). Pure: no I/O; any thread.
//
// All integers are little-endian and handled byte by byte. A segment starts with
//   "VCJOURNL" | u16 version = 2 | u16 reserved = 0 | u32 crc32 of the 12 bytes before it
// and each record is
//   u32 marker 0x4A524356 ("VCRJ") | u32 body_length | u32 crc32(body_length bytes + body) | body
// where body = u8 type + payload (strings: u16 or u32 length, then the bytes):
//   stored  (1): call_id, i64 at_ms (stored at), i64 expires_at_ms, u8 compressed,
//                u32 text_size (uncompressed), u32-length body (the bytes the cache keeps)
//   deleted (2): call_id, i64 at_ms
//   status  (3): call_id, i64 at_ms, i64 expires_at_ms, status, ended_reason
//   evicted (4): call_id, i64 at_ms
// Version 2 files may end in zeros after the last record: space the writer filled ahead of its
// records (preallocation), not a torn tail. Version 1 (no such space) is read the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace journal {

inline constexpr size_t segment_header_size = 16;
inline constexpr uint16_t journal_version = 2;
inline constexpr uint16_t oldest_journal_version = 1;  // still read
inline constexpr size_t record_header_size = 12;  // marker, body_length, crc
inline constexpr uint32_t record_marker = 0x4A524356;
// The largest body_length a reader accepts (and a writer produces): a record's length field
// could be damaged, and no real record comes near this.
inline constexpr uint32_t max_body_length = (1u << 30) + (64u << 10);

enum class kind : uint8_t { stored = 1, deleted = 2, status = 3, evicted = 4 };

// One journal entry; fields a type does not carry stay default (see the layout above).
struct record {
  kind type = kind::stored;
  std::string call_id;
  int64_t at_ms = 0;  // stored_at_ms for `stored`
  int64_t expires_at_ms = 0;
  std::string status, ended_reason;
  bool compressed = false;
  uint32_t text_size = 0;
  std::string body;

  bool operator==(const record& o) const;
  bool operator!=(const record& o) const { return !(*this == o); }
};

std::string encode_segment_header();

enum class header_status { ok, too_short, not_a_journal, bad_checksum, unsupported_version };
struct header_check {
  header_status status;
  uint16_t version = 0;  // as read, once the magic and checksum hold
};
// too_short (fewer than 16 bytes: a new or empty file) is checked first, then the magic, the
// checksum, and the version.
header_check check_segment_header(std::string_view file_start);

// Throw std::length_error for a call id, status or ended_reason over 65535 bytes, or a record
// whose body_length would exceed max_body_length (a body of a little under 1 GiB).
std::string encode(const record& r);
void append(std::string& out, const record& r);

struct damage {
  size_t offset;
  size_t length;
  bool operator==(const damage& o) const { return offset == o.offset && length == o.length; }
};
struct scan_result {
  std::vector<record> records;  // in file order
  size_t valid_end = 0;         // just past the last good record: where a writer truncates to
  bool torn_tail = false;       // bytes after valid_end that are no record (a cut-off write);
                                // zeros alone are preallocated space, not a torn tail
  std::vector<damage> damaged;  // bad stretches skipped because a valid record follows them
};
// Walks records from `offset` to the end of `data` (for a whole file, pass segment_header_size:
// from 0 the header itself would count as damage). After a bad record it
// resumes at the next byte where a valid record starts; if none does, the rest is the torn
// tail. Never throws on any bytes (only std::bad_alloc) and never reads outside `data`.
scan_result scan(std::string_view data, size_t offset = 0);

}  // namespace journal
