// POSIX calls with their errors turned into file_error messages that name the file; the lock
// is flock(2), held by the open descriptor, so a process killed with -9 releases it with its
// descriptors and a restart takes it at once.
#include "journal/segment_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace journal {
namespace {

constexpr std::string_view suffix = ".vcj";

file_error failure(const std::string& what, const std::string& path, int err = errno) {
  return file_error(what + " " + path + ": " + std::strerror(err));
}

void make_dirs(const std::string& path) {
  for (size_t at = 1; at <= path.size(); ++at) {
    if (at != path.size() && path[at] != '/')
      continue;
    std::string part = path.substr(0, at);
    if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST)
      throw failure("cannot create", part);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw file_error(path + " is not a directory");
}

}  // namespace

directory::directory(const std::string& path) : path_(path) {
  while (path_.size() > 1 && path_.back() == '/')
    path_.pop_back();
  make_dirs(path_);
  std::string lock = path_ + "/LOCK";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd_ < 0)
    throw failure("cannot open", lock);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char holder[32] = {0};
    [[maybe_unused]] ssize_t n = ::pread(lock_fd_, holder, sizeof holder - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK)
      throw file_error(path_ + " is used by another vapi-cache (pid " +
                       std::string(holder, strnlen(holder, sizeof holder)) + ")");
    throw failure("cannot lock", lock, err);
  }
  std::string pid = std::to_string(::getpid());  // for the message a second process gets
  if (::ftruncate(lock_fd_, 0) == 0) {
    [[maybe_unused]] ssize_t n = ::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  }
}

directory::~directory() {
  if (lock_fd_ >= 0)
    ::close(lock_fd_);  // releases the lock
}

std::string directory::segment_path(uint64_t first_sequence) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(first_sequence));
  return path_ + "/" + name + std::string(suffix);
}

std::vector<segment_file> directory::segments() const {
  std::vector<segment_file> out;
  DIR* dir = ::opendir(path_.c_str());
  if (!dir)
    throw failure("cannot list", path_);
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.size() != 16 + suffix.size() || name.substr(16) != suffix)
      continue;
    uint64_t seq = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + 16, seq, 16);
    if (ec != std::errc() || end != name.data() + 16)
      continue;
    segment_file f{path_ + "/" + std::string(name), seq, 0};
    struct stat st {};
    if (::stat(f.path.c_str(), &st) == 0)
      f.size = static_cast<size_t>(st.st_size);
    out.push_back(std::move(f));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(), [](const segment_file& a, const segment_file& b) {
    return a.first_sequence < b.first_sequence;
  });
  return out;
}

void directory::sync() const {
  int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw failure("cannot open", path_);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    throw failure("cannot sync", path_, err);
}

segment_writer::segment_writer(const std::string& path, std::string_view header,
                               preallocation pre)
  : path_(path), pre_(pre) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd_ < 0)
    throw failure("cannot create", path);
  try {
    append(header);
  } catch (...) {  // a file left without its header would make every retry's O_EXCL fail
    ::close(fd_);
    ::unlink(path.c_str());
    throw;
  }
}

segment_writer segment_writer::reopen(const std::string& path, size_t valid_end, bool cut,
                                      preallocation pre) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    throw failure("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw failure("cannot open", path, err);
  }
  size_t allocated = std::max(valid_end, static_cast<size_t>(st.st_size));
  if (cut && ::ftruncate(fd, static_cast<off_t>(valid_end)) != 0) {
    int err = errno;
    ::close(fd);
    throw failure("cannot cut the torn tail of", path, err);
  }
  return segment_writer(path, fd, valid_end, cut ? valid_end : allocated, pre);
}

segment_writer::segment_writer(segment_writer&& other) noexcept
  : path_(std::move(other.path_)),
    fd_(std::exchange(other.fd_, -1)),
    size_(other.size_),
    allocated_(other.allocated_),
    pre_(other.pre_) {}

segment_writer::~segment_writer() {
  if (fd_ >= 0)
    ::close(fd_);
}

void segment_writer::write_at(std::string_view bytes, size_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw failure("cannot write", path_, n < 0 ? errno : ENOSPC);
    done += static_cast<size_t>(n);
  }
}

void segment_writer::cut_back() {
  if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0)  // no half record, no stray zeros
    allocated_ = size_;
}

void segment_writer::extend(size_t needed) {
  // To the next multiple of the chunk (whole pages at the service's chunk), not past the limit.
  size_t next = (allocated_ / pre_.chunk + 1) * pre_.chunk;
  size_t target = std::max(needed, std::min(next, pre_.limit));
  static const std::string zeros(size_t(1) << 16, '\0');
  try {
    for (size_t at = allocated_; at < target; at += zeros.size())
      write_at(std::string_view(zeros).substr(0, std::min(zeros.size(), target - at)), at);
    if (::fdatasync(fd_) != 0)  // the new size is on disk: later syncs write only data
      throw failure("cannot sync", path_);
  } catch (...) {
    cut_back();
    throw;
  }
  allocated_ = target;
}

void segment_writer::append(std::string_view bytes) {
  try {
    if (pre_.chunk > 0 && size_ + bytes.size() > allocated_)
      extend(size_ + bytes.size());
    write_at(bytes, size_);
  } catch (...) {
    cut_back();
    throw;
  }
  size_ += bytes.size();
  allocated_ = std::max(allocated_, size_);
}

void segment_writer::sync() {
  if (::fdatasync(fd_) != 0)
    throw failure("cannot sync", path_);
}

std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw failure("cannot open", path);
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
    out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw failure("cannot read", path, err);
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw failure("cannot remove", path);
}

size_t removable_segments(const std::vector<int64_t>& latest_expiry_ms, int64_t now_ms) {
  size_t n = 0;
  while (n + 1 < latest_expiry_ms.size() && latest_expiry_ms[n] <= now_ms)
    ++n;
  return n;
}

}  // namespace journal
