// A segment's header is checked before its records are scanned; a file that is no journal, or
// one from a newer version, is left alone (not removed: an operator may want it) and reported.
#include "journal/journal_log.hpp"

#include <algorithm>

namespace journal {

int64_t expiry_of(const record& r) {
  return r.type == kind::stored || r.type == kind::status ? r.expires_at_ms : r.at_ms;
}

journal_log::journal_log(std::unique_ptr<directory> dir, size_t segment_bytes,
                         const record_sink& sink, size_t preallocate_bytes)
  : dir_(std::move(dir)), segment_bytes_(segment_bytes), preallocate_bytes_(preallocate_bytes) {
  load(sink);
}

void journal_log::load(const record_sink& sink) {
  for (const auto& f : dir_->segments()) {
    next_sequence_ = std::max(next_sequence_, f.first_sequence + 1);  // new names sort later
    std::string bytes;
    try {
      bytes = read_file(f.path);
    } catch (const file_error& e) {
      report_.problems.push_back({f.path, 0, 0, std::string("unreadable: skipped: ") + e.what()});
      continue;
    }
    auto header = check_segment_header(bytes);
    if (header.status != header_status::ok) {
      static const char* why[] = {"", "too short for a header", "not a journal",
                                  "header checksum does not match",
                                  "written by an unsupported version"};
      report_.problems.push_back(
        {f.path, 0, 0, std::string(why[static_cast<int>(header.status)]) + ": skipped"});
      continue;
    }
    auto found = scan(bytes, segment_header_size);
    for (const auto& d : found.damaged)
      report_.problems.push_back({f.path, d.offset, d.length, "damaged records skipped"});
    if (found.torn_tail)
      report_.problems.push_back(
        {f.path, found.valid_end, bytes.size() - found.valid_end, "torn tail cut"});
    int64_t latest = 0;
    for (auto& r : found.records) {
      latest = std::max(latest, expiry_of(r));
      if (sink)
        sink(std::move(r));
      else
        report_.records.push_back(std::move(r));
    }
    ++report_.segments;
    report_.bytes += found.valid_end;
    next_sequence_ = std::max(next_sequence_, f.first_sequence + found.records.size() + 1);
    if (found.torn_tail)  // cut now, so that whatever is appended next follows whole records
      segment_writer::reopen(f.path, found.valid_end, true);
    size_t on_disk = found.torn_tail ? found.valid_end : bytes.size();
    segments_.push_back({f.path, f.first_sequence, found.valid_end, on_disk, latest});
  }
  if (!segments_.empty() && segments_.back().size < segment_bytes_)
    writer_.emplace(
      segment_writer::reopen(segments_.back().path, segments_.back().size, false, ahead()));
}

void journal_log::start_segment() {
  segments_.push_back({dir_->segment_path(next_sequence_), next_sequence_, 0, 0, 0});
  try {
    writer_.emplace(segments_.back().path, encode_segment_header(), ahead());
  } catch (...) {
    segments_.pop_back();
    writer_.reset();
    throw;
  }
  segments_.back().size = writer_->size();
  segments_.back().on_disk = writer_->allocated();
  dir_->sync();  // the new file's name is as durable as the records about to go into it
}

void journal_log::append(std::string_view records, int64_t latest_expiry_ms) {
  if (!writer_ || writer_->size() >= segment_bytes_) {
    writer_.reset();
    start_segment();
  }
  auto& current = segments_.back();
  try {
    writer_->append(records);
  } catch (...) {
    current.on_disk = writer_->allocated();  // a failed write gives up the space ahead
    throw;
  }
  current.size = writer_->size();
  current.on_disk = writer_->allocated();
  current.latest_expiry_ms = std::max(current.latest_expiry_ms, latest_expiry_ms);
  ++next_sequence_;  // a later segment's name sorts after this one's
}

void journal_log::sync() {
  if (writer_)
    writer_->sync();
}

size_t journal_log::retire(int64_t now_ms) {
  std::vector<int64_t> expiries;
  for (const auto& s : segments_)
    expiries.push_back(s.latest_expiry_ms);
  size_t n = removable_segments(expiries, now_ms);
  for (size_t i = 0; i < n; ++i)
    remove_file(segments_[i].path);
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

size_t journal_log::disk_bytes() const {
  size_t n = 0;
  for (const auto& s : segments_)
    n += s.on_disk;
  return n;
}

}  // namespace journal
