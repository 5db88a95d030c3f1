// A SQLite VFS that keeps statement journals ("sub-journals") in memory.
//
// Every logical write transaction is a SAVEPOINT inside a group-commit batch
// (sqlite_db.cpp), so SQLite copies each page the transaction touches into the
// batch's sub-journal, to be able to roll that one transaction back. SQLite
// keeps a sub-journal in memory only up to 64 KiB, then spills it to a
// deleted-on-close temp file: a member create touches ~35 pages (~140 KiB), so
// every create cost ~70 pwrite calls (and each batch an open and unlink),
// more kernel time than all the SQL of the create. The other ways SQLite
// offers are worse here: temp_store=MEMORY grows the journal 1 KiB at a time
// (+120k instructions per create), and a larger SQLITE_CONFIG_STMTJRNL_SPILL
// (process-wide; 256 KiB to 2 MiB) was seen in an earlier experiment to make a
// 20,000-member account delete fail with SQLITE_FULL on SQLite 3.40.
//
// This VFS is the default one except that a sub-journal it is asked to open
// is a growable buffer, reused from one write to the next, which spills to a
// real temp file (opened by the default VFS) only past `memory_limit`, so a
// huge transaction (e.g. deleting a very large account) still runs in bounded
// memory. Every other file is the default VFS's own.
#pragma once

#include <cstddef>

namespace cfiam::store {

// The name of the VFS to open SQLite connections with (registered once,
// with a memory limit of kSubjournalMemoryLimit; never the default VFS).
inline constexpr std::size_t kSubjournalMemoryLimit = 32u << 20;
const char* MemorySubjournalVfs();

// Registers (once per name) such a VFS with another memory limit, for tests
// of the spill; returns `name`.
const char* RegisterMemorySubjournalVfs(const char* name, std::size_t memory_limit);

}  // namespace cfiam::store
