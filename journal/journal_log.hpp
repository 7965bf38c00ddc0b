// The journal as one object: at open it reads every segment back (checking headers and
// records, cutting a torn tail, skipping damaged stretches, all reported for the log), then
// appends to the newest segment, starting a new one past a size, and removes the oldest
// segments once everything in them has expired. Blocking I/O on one thread: the journal's own
// (a detached actor), which nothing else touches.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "journal/journal_record.hpp"
#include "journal/segment_files.hpp"

namespace journal {

// What opening found, for the start-up log and replay.
struct load_report {
  std::vector<record> records;  // every valid record, in journal order
  size_t segments = 0;
  size_t bytes = 0;
  struct problem {
    std::string file;
    size_t offset = 0;
    size_t length = 0;
    std::string what;  // "torn tail cut", "damaged records skipped", "not a journal: skipped", ...
  };
  std::vector<problem> problems;
};

// Takes each valid record as it is read, in journal order (replay applies them one by one, so
// a million results are not held twice).
using record_sink = std::function<void(record&&)>;

class journal_log {
 public:
  // Locks and reads `dir` (throws file_error if it cannot be locked or listed; a damaged
  // segment never throws: it is reported). New segments start past `segment_bytes`.
  journal_log(const std::string& dir, size_t segment_bytes)
    : journal_log(std::make_unique<directory>(dir), segment_bytes, {}) {}
  // Reads an already locked directory (the service locks it at start, before its journal's
  // thread reads it); records go to `sink`, or into the report's records when it is empty.
  // The segment being written is filled with zeros `preallocate_bytes` at a time ahead of its
  // records (see preallocation; 0: never).
  journal_log(std::unique_ptr<directory> dir, size_t segment_bytes, const record_sink& sink,
              size_t preallocate_bytes = 0);

  // What was read at open (moved out once).
  load_report take_report() { return std::move(report_); }

  // Appends encoded records whose latest expiry is `latest_expiry_ms`. Throws file_error on a
  // write failure (nothing of `records` is kept then); a later append tries again.
  void append(std::string_view records, int64_t latest_expiry_ms);
  void sync();  // fdatasync of the segment being written; throws file_error
  // Removes the oldest segments whose records have all expired; returns how many.
  size_t retire(int64_t now_ms);

  size_t segment_count() const { return segments_.size(); }
  size_t disk_bytes() const;  // the segments' file sizes, preallocated space included

 private:
  struct segment {
    std::string path;
    uint64_t first_sequence;
    size_t size;     // the end of its records
    size_t on_disk;  // its file's size
    int64_t latest_expiry_ms;
  };
  void load(const record_sink& sink);
  void start_segment();
  preallocation ahead() const {
    return {std::min(preallocate_bytes_, segment_bytes_), segment_bytes_};
  }

  std::unique_ptr<directory> dir_;
  size_t segment_bytes_;
  size_t preallocate_bytes_;
  load_report report_;
  std::vector<segment> segments_;  // oldest first; the last is the one written
  std::optional<segment_writer> writer_;
  uint64_t next_sequence_ = 0;  // records seen or written so far: names the next segment
};

// The latest expiry a record keeps alive: its own for results and statuses; none (its own
// time) for deletes and evictions, which oldest-first retention keeps behind what they cancel.
int64_t expiry_of(const record& r);

}  // namespace journal
