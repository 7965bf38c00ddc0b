// Encodes journal records and the segment header, and scans them back from untrusted bytes.
#include "journal/journal_record.hpp"

#include <isa-l/crc.h>

#include <stdexcept>

namespace journal {

namespace {

constexpr std::string_view magic = "VCJOURNL";
constexpr std::string_view marker_bytes = "VCRJ";  // record_marker, little-endian
constexpr size_t max_short_string = 0xFFFF;

// zlib's crc32 (the gzip CRC-32), continuing from `seed`, as ISA-L computes it: the same value
// zlib's crc32(seed, bytes, size) gives, with carry-less multiplication instead of tables.
uint32_t crc_of(std::string_view bytes, uint32_t seed = 0) {
  return crc32_gzip_refl(seed, reinterpret_cast<const unsigned char*>(bytes.data()),
                         bytes.size());
}

void put(std::string& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_string(std::string& out, std::string_view s, size_t length_bytes) {
  put(out, s.size(), length_bytes);
  out.append(s);
}

uint64_t get(std::string_view in, size_t at, size_t n) {  // the caller checked the bounds
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}

// Reads a payload field by field; any field running past the end clears `ok` for good.
struct reader {
  std::string_view in;
  size_t at = 0;
  bool ok = true;

  bool need(size_t n) {
    if (ok && in.size() - at < n) ok = false;
    return ok;
  }
  uint64_t uint(size_t n) {
    if (!need(n)) return 0;
    uint64_t v = get(in, at, n);
    at += n;
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(uint(8)); }
  std::string string(size_t length_bytes) {
    size_t n = static_cast<size_t>(uint(length_bytes));
    if (!need(n)) return {};
    std::string s(in.substr(at, n));
    at += n;
    return s;
  }
  bool done() const { return ok && at == in.size(); }
};

bool parse_body(std::string_view body, record& r) {
  reader rd{body};
  uint64_t type = rd.uint(1);
  r.call_id = rd.string(2);
  r.at_ms = rd.i64();
  switch (type) {
    case uint64_t(kind::stored): {
      r.expires_at_ms = rd.i64();
      uint64_t compressed = rd.uint(1);
      if (compressed > 1) return false;
      r.compressed = compressed == 1;
      r.text_size = static_cast<uint32_t>(rd.uint(4));
      r.body = rd.string(4);
      break;
    }
    case uint64_t(kind::status):
      r.expires_at_ms = rd.i64();
      r.status = rd.string(2);
      r.ended_reason = rd.string(2);
      break;
    case uint64_t(kind::deleted):
    case uint64_t(kind::evicted):
      break;
    default:
      return false;
  }
  r.type = static_cast<kind>(type);
  return rd.done();
}

// The record starting at `pos`, if a valid one does; `length` is its size on disk.
bool parse_at(std::string_view data, size_t pos, record& r, size_t& length) {
  if (data.size() - pos < record_header_size) return false;
  if (data.substr(pos, 4) != marker_bytes) return false;
  uint64_t body_length = get(data, pos + 4, 4);
  size_t room = data.size() - pos - record_header_size;
  if (body_length < 1 || body_length > max_body_length || body_length > room) return false;
  std::string_view body = data.substr(pos + record_header_size, body_length);
  if (crc_of(body, crc_of(data.substr(pos + 4, 4))) != get(data, pos + 8, 4)) return false;
  r = record{};
  if (!parse_body(body, r)) return false;
  length = record_header_size + body_length;
  return true;
}

void check_short(std::string_view s, const char* what) {
  if (s.size() > max_short_string)
    throw std::length_error(std::string("journal record: ") + what + " over 65535 bytes");
}

}  // namespace

bool record::operator==(const record& o) const {
  return type == o.type && call_id == o.call_id && at_ms == o.at_ms &&
         expires_at_ms == o.expires_at_ms && status == o.status &&
         ended_reason == o.ended_reason && compressed == o.compressed &&
         text_size == o.text_size && body == o.body;
}

std::string encode_segment_header() {
  std::string out(magic);
  put(out, journal_version, 2);
  put(out, 0, 2);
  put(out, crc_of(out), 4);
  return out;
}

header_check check_segment_header(std::string_view file_start) {
  if (file_start.size() < segment_header_size) return {header_status::too_short};
  if (file_start.substr(0, magic.size()) != magic) return {header_status::not_a_journal};
  if (crc_of(file_start.substr(0, 12)) != get(file_start, 12, 4))
    return {header_status::bad_checksum};
  auto version = static_cast<uint16_t>(get(file_start, 8, 2));
  if (version < oldest_journal_version || version > journal_version)
    return {header_status::unsupported_version, version};
  return {header_status::ok, version};
}

void append(std::string& out, const record& r) {
  check_short(r.call_id, "call id");
  size_t body_length = 1 + 2 + r.call_id.size() + 8;
  switch (r.type) {
    case kind::stored: body_length += 8 + 1 + 4 + 4 + r.body.size(); break;
    case kind::status:
      check_short(r.status, "status");
      check_short(r.ended_reason, "ended_reason");
      body_length += 8 + 2 + r.status.size() + 2 + r.ended_reason.size();
      break;
    case kind::deleted:
    case kind::evicted: break;
    default: throw std::invalid_argument("journal record: unknown type");
  }
  if (body_length > max_body_length)
    throw std::length_error("journal record: body over the journal's limit");

  out.reserve(out.size() + record_header_size + body_length);
  put(out, record_marker, 4);
  size_t length_at = out.size();
  put(out, body_length, 4);
  put(out, 0, 4);  // the crc, once the body is there
  put(out, static_cast<uint8_t>(r.type), 1);
  put_string(out, r.call_id, 2);
  put(out, static_cast<uint64_t>(r.at_ms), 8);
  if (r.type == kind::stored) {
    put(out, static_cast<uint64_t>(r.expires_at_ms), 8);
    put(out, r.compressed ? 1 : 0, 1);
    put(out, r.text_size, 4);
    put_string(out, r.body, 4);
  } else if (r.type == kind::status) {
    put(out, static_cast<uint64_t>(r.expires_at_ms), 8);
    put_string(out, r.status, 2);
    put_string(out, r.ended_reason, 2);
  }
  std::string_view all(out);
  uint32_t crc = crc_of(all.substr(length_at + 8), crc_of(all.substr(length_at, 4)));
  for (size_t i = 0; i < 4; ++i)
    out[length_at + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
}

std::string encode(const record& r) {
  std::string out;
  append(out, r);
  return out;
}

scan_result scan(std::string_view data, size_t offset) {
  scan_result result;
  size_t pos = offset < data.size() ? offset : data.size();
  result.valid_end = pos;
  record r;
  size_t length = 0;
  while (pos < data.size()) {
    if (parse_at(data, pos, r, length)) {
      result.records.push_back(std::move(r));
      pos += length;
      result.valid_end = pos;
      continue;
    }
    if (data.find_first_not_of('\0', pos) == std::string_view::npos)
      break;  // preallocated zeros: the records end here
    // Resynchronize: the next marker at which a whole valid record starts.
    size_t next = pos + 1;
    bool found = false;
    while ((next = data.find(marker_bytes, next)) != std::string_view::npos) {
      if (parse_at(data, next, r, length)) {
        found = true;
        break;
      }
      ++next;
    }
    if (!found) {
      result.torn_tail = true;  // valid_end stays at the start of the bad stretch
      break;
    }
    result.damaged.push_back(damage{pos, next - pos});
    result.records.push_back(std::move(r));
    pos = next + length;
    result.valid_end = pos;
  }
  return result;
}

}  // namespace journal
