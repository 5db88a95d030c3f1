#include "store/sqlite/memory_subjournal.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace cfiam::store {
namespace {

struct Vfs {
  sqlite3_vfs vfs;    // first: SQLite sees this
  sqlite3_vfs* base;  // the default VFS everything else goes to
  std::size_t limit;  // bytes a sub-journal may hold in memory
  std::string name;
};

// Buffers of closed sub-journals, kept for the next one (one per batch would
// otherwise regrow from nothing): at most a few, each at most kSpareMax.
constexpr std::size_t kSpareMax = 4u << 20;
constexpr std::size_t kSpareCount = 4;
std::mutex spare_mu;
struct Buffer {
  char* data = nullptr;
  std::size_t capacity = 0;
};
Buffer spares[kSpareCount];

Buffer TakeSpare() {
  std::lock_guard lock(spare_mu);
  for (Buffer& b : spares) {
    if (b.data) return std::exchange(b, Buffer{});
  }
  return {};
}

void GiveBack(Buffer b) {
  if (!b.data) return;
  if (b.capacity <= kSpareMax) {
    std::lock_guard lock(spare_mu);
    for (Buffer& s : spares) {
      if (!s.data) {
        s = b;
        return;
      }
    }
  }
  std::free(b.data);
}

// A sub-journal: bytes [0, size) of `buf` until it would outgrow the limit,
// then `real` (a temp file of the default VFS) holding all of it.
struct File {
  sqlite3_file base;  // first: SQLite sees this
  const Vfs* vfs;
  int flags;
  Buffer buf;
  std::size_t size;
  sqlite3_file* real;  // sqlite3_malloc'd, opened; null while in memory
};

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

// Makes room for `n` bytes; false when out of memory.
bool Reserve(File* f, std::size_t n) {
  if (n <= f->buf.capacity) return true;
  std::size_t cap = f->buf.capacity ? f->buf.capacity : 64u << 10;
  while (cap < n) cap *= 2;
  if (cap > f->vfs->limit) cap = f->vfs->limit;
  char* p = static_cast<char*>(std::realloc(f->buf.data, cap));
  if (!p) return false;
  f->buf = {p, cap};
  return true;
}

// Moves the journal to a real temp file (named and deleted by the default
// VFS, as SQLite's own spill does).
int Spill(File* f) {
  sqlite3_vfs* base = f->vfs->base;
  auto* real = static_cast<sqlite3_file*>(sqlite3_malloc(base->szOsFile));
  if (!real) return SQLITE_IOERR_NOMEM;
  std::memset(real, 0, static_cast<std::size_t>(base->szOsFile));
  int rc = base->xOpen(base, nullptr, real, f->flags, nullptr);
  if (rc == SQLITE_OK && f->size > 0) {
    rc = real->pMethods->xWrite(real, f->buf.data, static_cast<int>(f->size), 0);
  }
  if (rc != SQLITE_OK) {
    if (real->pMethods) real->pMethods->xClose(real);
    sqlite3_free(real);
    return rc;
  }
  f->real = real;
  GiveBack(std::exchange(f->buf, Buffer{}));
  f->size = 0;
  return SQLITE_OK;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  int rc = SQLITE_OK;
  if (f->real) {
    rc = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->real);
  }
  GiveBack(f->buf);
  f->base.pMethods = nullptr;
  return rc;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (f->real) return f->real->pMethods->xRead(f->real, out, amount, offset);
  const auto want = static_cast<std::size_t>(amount);
  const auto at = static_cast<std::size_t>(offset);
  const std::size_t have = at < f->size ? std::min(want, f->size - at) : 0;
  if (have) std::memcpy(out, f->buf.data + at, have);
  if (have < want) {
    // SQLite's contract for a short read: the rest zeroed.
    std::memset(static_cast<char*>(out) + have, 0, want - have);
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (!f->real) {
    const auto at = static_cast<std::size_t>(offset);
    const std::size_t end = at + static_cast<std::size_t>(amount);
    if (end > f->vfs->limit) {
      const int rc = Spill(f);
      if (rc != SQLITE_OK) return rc;
    } else {
      if (!Reserve(f, end)) return SQLITE_IOERR_NOMEM;
      if (at > f->size) std::memset(f->buf.data + f->size, 0, at - f->size);
      std::memcpy(f->buf.data + at, data, static_cast<std::size_t>(amount));
      if (end > f->size) f->size = end;
      return SQLITE_OK;
    }
  }
  return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  if (f->real) return f->real->pMethods->xTruncate(f->real, size);
  const auto n = static_cast<std::size_t>(size);
  if (n > f->size) {
    if (n > f->vfs->limit) {
      const int rc = Spill(f);
      return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
    }
    if (!Reserve(f, n)) return SQLITE_IOERR_NOMEM;
    std::memset(f->buf.data + f->size, 0, n - f->size);
  }
  f->size = n;
  return SQLITE_OK;
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  // A sub-journal never outlives a crash: nothing to make durable.
  return f->real ? f->real->pMethods->xSync(f->real, flags) : SQLITE_OK;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  if (f->real) return f->real->pMethods->xFileSize(f->real, size);
  *size = static_cast<sqlite3_int64>(f->size);
  return SQLITE_OK;
}

int Lock(sqlite3_file*, int) { return SQLITE_OK; }
int Unlock(sqlite3_file*, int) { return SQLITE_OK; }
int CheckReservedLock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int FileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int SectorSize(sqlite3_file*) { return 4096; }
int DeviceCharacteristics(sqlite3_file*) { return 0; }

sqlite3_io_methods Methods() {
  sqlite3_io_methods m{};  // version 1: no shared memory, no mmap
  m.iVersion = 1;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  return m;
}
const sqlite3_io_methods kMethods = Methods();

Vfs* Self(sqlite3_vfs* vfs) { return static_cast<Vfs*>(vfs->pAppData); }

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  Vfs* self = Self(vfs);
  if (!(flags & SQLITE_OPEN_SUBJOURNAL)) {
    return self->base->xOpen(self->base, name, file, flags, out_flags);
  }
  File* f = Of(file);
  f->base.pMethods = &kMethods;
  f->vfs = self;
  f->flags = flags;
  f->buf = TakeSpare();
  f->size = 0;
  f->real = nullptr;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

// The rest is the default VFS's.
int Delete(sqlite3_vfs* v, const char* n, int s) {
  return Self(v)->base->xDelete(Self(v)->base, n, s);
}
int Access(sqlite3_vfs* v, const char* n, int f, int* o) {
  return Self(v)->base->xAccess(Self(v)->base, n, f, o);
}
int FullPathname(sqlite3_vfs* v, const char* n, int sz, char* o) {
  return Self(v)->base->xFullPathname(Self(v)->base, n, sz, o);
}
void* DlOpen(sqlite3_vfs* v, const char* n) { return Self(v)->base->xDlOpen(Self(v)->base, n); }
void DlError(sqlite3_vfs* v, int n, char* o) { Self(v)->base->xDlError(Self(v)->base, n, o); }
void (*DlSym(sqlite3_vfs* v, void* h, const char* s))(void) {
  return Self(v)->base->xDlSym(Self(v)->base, h, s);
}
void DlClose(sqlite3_vfs* v, void* h) { Self(v)->base->xDlClose(Self(v)->base, h); }
int Randomness(sqlite3_vfs* v, int n, char* o) {
  return Self(v)->base->xRandomness(Self(v)->base, n, o);
}
int Sleep(sqlite3_vfs* v, int us) { return Self(v)->base->xSleep(Self(v)->base, us); }
int CurrentTime(sqlite3_vfs* v, double* o) { return Self(v)->base->xCurrentTime(Self(v)->base, o); }
int GetLastError(sqlite3_vfs* v, int n, char* o) {
  return Self(v)->base->xGetLastError(Self(v)->base, n, o);
}
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* o) {
  return Self(v)->base->xCurrentTimeInt64(Self(v)->base, o);
}

std::mutex registry_mu;
std::map<std::string, std::unique_ptr<Vfs>, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, std::unique_ptr<Vfs>, std::less<>>();
  return *registry;  // never destroyed: SQLite may hold the VFS until exit
}

}  // namespace

const char* RegisterMemorySubjournalVfs(const char* name, std::size_t memory_limit) {
  std::lock_guard lock(registry_mu);
  auto& registry = Registry();
  if (auto it = registry.find(name); it != registry.end()) return it->second->name.c_str();
  if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("sqlite3_initialize failed");
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (!base || base->iVersion < 2) throw std::runtime_error("no usable default SQLite VFS");
  auto self = std::make_unique<Vfs>();
  self->base = base;
  self->limit = memory_limit;
  self->name = name;
  sqlite3_vfs& v = self->vfs;
  v.iVersion = 2;  // up to xCurrentTimeInt64; no system-call overrides
  v.szOsFile = std::max(base->szOsFile, static_cast<int>(sizeof(File)));
  v.mxPathname = base->mxPathname;
  v.zName = self->name.c_str();
  v.pAppData = self.get();
  v.xOpen = Open;
  v.xDelete = Delete;
  v.xAccess = Access;
  v.xFullPathname = FullPathname;
  v.xDlOpen = DlOpen;
  v.xDlError = DlError;
  v.xDlSym = DlSym;
  v.xDlClose = DlClose;
  v.xRandomness = Randomness;
  v.xSleep = Sleep;
  v.xCurrentTime = CurrentTime;
  v.xGetLastError = GetLastError;
  v.xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(&v, /*makeDflt=*/0) != SQLITE_OK) {
    throw std::runtime_error("registering the SQLite VFS failed");
  }
  return registry.emplace(name, std::move(self)).first->second->name.c_str();
}

const char* MemorySubjournalVfs() {
  static const char* name =
      RegisterMemorySubjournalVfs("cfiam-memory-subjournal", kSubjournalMemoryLimit);
  return name;
}

}  // namespace cfiam::store
