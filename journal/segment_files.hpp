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

// Appends to one segment. A new segment starts with the segment header.
class segment_writer {
 public:
  // Creates `path` (it must not exist) and writes `header` to it.
  segment_writer(const std::string& path, std::string_view header);
  // Reopens an existing segment for appending after cutting it to `valid_end` (a torn tail).
  static segment_writer reopen(const std::string& path, size_t valid_end);
  ~segment_writer();
  segment_writer(segment_writer&& other) noexcept;
  segment_writer& operator=(segment_writer&&) = delete;

  // Writes all of `bytes` or throws file_error (disk full, I/O error); what was written of a
  // failed append is cut off again, so the segment never keeps half a record.
  void append(std::string_view bytes);
  void sync();  // fdatasync; throws file_error
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  segment_writer(std::string path, int fd, size_t size)
    : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_ = -1;
  size_t size_ = 0;
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
