// The journal's files: a directory one process holds (a lock file), and in it segment files
// named by their first record's sequence number, appended in order and removed oldest first.
// Blocking I/O: only the journal's own thread (a detached actor) calls this; nothing here is
// shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace journal {

// What cannot be done with the files, worded for the log line or the start-up error.
class file_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct segment_file {
  std::string path;
  uint64_t first_sequence = 0;  // from the name: <16 hex digits>.vcj
  size_t size = 0;
};

// The directory, locked for as long as this object lives.
class directory {
 public:
  // Creates `path` (and its parents) if missing and takes its lock (flock of `path`/LOCK).
  // Throws file_error when it cannot, or when another process holds the lock ("... is used by
  // another vapi-cache (pid N)").
  explicit directory(const std::string& path);
  ~directory();
  directory(const directory&) = delete;
  directory& operator=(const directory&) = delete;

  const std::string& path() const { return path_; }
  // The segment files, oldest first. Other files are ignored.
  std::vector<segment_file> segments() const;
  std::string segment_path(uint64_t first_sequence) const;
  // fsync of the directory itself, so that a segment just created is still named after a
  // power loss; throws file_error.
  void sync() const;

 private:
  std::string path_;
  int lock_fd_ = -1;
};

// How far ahead of its records a segment's file is filled with zeros (and synced), so that
// the fdatasync after each batch overwrites allocated blocks and writes no metadata (the file's
// size does not change): PostgreSQL's wal_init_zero. `chunk` 0: no preallocation. A segment is
// never preallocated past `limit` (its size), except by a record longer than that.
struct preallocation {
  size_t chunk = 0;
  size_t limit = 0;
};

// Writes one segment: records at the end of what was written (not O_APPEND: the file may hold
// preallocated zeros after them). A new segment starts with the segment header.
class segment_writer {
 public:
  // Creates `path` (it must not exist) and writes `header` to it.
  segment_writer(const std::string& path, std::string_view header, preallocation pre = {});
  // Reopens an existing segment whose records end at `valid_end`, to write after them. With
  // `cut` (a torn tail) the file is truncated there; otherwise what follows is kept as
  // preallocated space (the caller checked it is all zeros).
  static segment_writer reopen(const std::string& path, size_t valid_end, bool cut,
                               preallocation pre = {});
  ~segment_writer();
  segment_writer(segment_writer&& other) noexcept;
  segment_writer& operator=(segment_writer&&) = delete;

  // Writes all of `bytes` or throws file_error (disk full, I/O error); what was written of a
  // failed append is cut off again, so the segment never keeps half a record.
  void append(std::string_view bytes);
  void sync();  // fdatasync; throws file_error
  size_t size() const { return size_; }            // the end of the records
  size_t allocated() const { return allocated_; }  // the file's size: records and zeros
  const std::string& path() const { return path_; }

 private:
  segment_writer(std::string path, int fd, size_t size, size_t allocated, preallocation pre)
    : path_(std::move(path)), fd_(fd), size_(size), allocated_(allocated), pre_(pre) {}
  void write_at(std::string_view bytes, size_t offset);
  void extend(size_t needed);  // zeros up to at least `needed`, synced
  void cut_back();             // truncates to size_ after a failed write
  std::string path_;
  int fd_ = -1;
  size_t size_ = 0;
  size_t allocated_ = 0;
  preallocation pre_;
};

// A whole file's bytes; throws file_error.
std::string read_file(const std::string& path);
void remove_file(const std::string& path);

// Which of the oldest segments may go: a segment is removed once every record in it has
// expired (`latest_expiry_ms[i]`, epoch ms, of segments oldest first), and only from the
// oldest end, so that a record never outlives one written before it. The newest segment (the
// one being written) is never removed. Returns how many to remove. Pure.
size_t removable_segments(const std::vector<int64_t>& latest_expiry_ms, int64_t now_ms);

}  // namespace journal
