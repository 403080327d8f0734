#include <aton/mapped_file.hpp>

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <utility>

namespace aton {

struct MappedFile::Region {
  const char* data = nullptr;
  std::size_t size = 0;
  std::size_t mapped = 0;  // size rounded up to whole pages
  std::atomic<bool> truncated{false};
};

namespace {

// The live mappings, for the SIGBUS handler: a fixed table of atomic
// pointers, since a signal handler may take no lock. More mappings at once
// than slots (never in aton: one per input) simply go unprotected.
constexpr std::size_t kSlots = 64;
std::array<std::atomic<MappedFile::Region*>, kSlots> g_regions{};
struct sigaction g_previous_bus {};
std::once_flag g_installed;

// Async-signal-safe: atomic loads, mmap, an atomic store.
extern "C" void on_sigbus(int signal, siginfo_t* info, void* context) {
  const char* address = static_cast<const char*>(info->si_addr);
  for (auto& slot : g_regions) {
    MappedFile::Region* r = slot.load(std::memory_order_acquire);
    if (!r || address < r->data || address >= r->data + r->mapped) continue;
    static const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    auto* start = reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(address) & ~(page - 1));
    std::size_t length = static_cast<std::size_t>(r->data + r->mapped - start);
    if (mmap(start, length, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) break;
    r->truncated.store(true, std::memory_order_release);
    return;  // the faulting read runs again and sees zeros
  }
  // Not ours: what was there before.
  if (g_previous_bus.sa_flags & SA_SIGINFO) return g_previous_bus.sa_sigaction(signal, info, context);
  if (g_previous_bus.sa_handler != SIG_DFL && g_previous_bus.sa_handler != SIG_IGN)
    return g_previous_bus.sa_handler(signal);
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigaction(SIGBUS, &fallback, nullptr);  // the read faults again and the process ends as it would have
}

void install_handler() {
  std::call_once(g_installed, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGBUS, &action, &g_previous_bus);
  });
}

void enter(MappedFile::Region* r) noexcept {
  for (auto& slot : g_regions) {
    MappedFile::Region* empty = nullptr;
    if (slot.compare_exchange_strong(empty, r, std::memory_order_acq_rel)) return;
  }
}

void leave(MappedFile::Region* r) noexcept {
  for (auto& slot : g_regions) {
    MappedFile::Region* mine = r;
    if (slot.compare_exchange_strong(mine, nullptr, std::memory_order_acq_rel)) return;
  }
}

}  // namespace

std::optional<MappedFile> MappedFile::map(int fd) noexcept {
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size <= 0) return std::nullopt;
  auto size = static_cast<std::size_t>(info.st_size);
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return std::nullopt;
  madvise(p, size, MADV_SEQUENTIAL);
  std::unique_ptr<Region> region;
  try {
    region = std::make_unique<Region>();
  } catch (...) {
    munmap(p, size);
    return std::nullopt;
  }
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  region->data = static_cast<const char*>(p);
  region->size = size;
  region->mapped = (size + page - 1) / page * page;
  install_handler();
  enter(region.get());
  return MappedFile(std::move(region));
}

MappedFile::MappedFile(std::unique_ptr<Region> region) noexcept : region_(std::move(region)) {}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : region_(std::move(other.region_)), released_(std::exchange(other.released_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    region_ = std::move(other.region_);
    released_ = std::exchange(other.released_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { unmap(); }

void MappedFile::unmap() noexcept {
  if (!region_) return;
  leave(region_.get());
  munmap(const_cast<char*>(region_->data), region_->size);
  region_.reset();
}

std::string_view MappedFile::view() const noexcept {
  return region_ ? std::string_view(region_->data, region_->size) : std::string_view();
}

bool MappedFile::truncated() const noexcept {
  return region_ && region_->truncated.load(std::memory_order_acquire);
}

void MappedFile::release_before(std::size_t offset) noexcept {
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (!region_) return;
  std::size_t end = std::min(offset, region_->size) / page * page;
  if (end < released_ + (8u << 20)) return;
  madvise(const_cast<char*>(region_->data) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

}  // namespace aton
