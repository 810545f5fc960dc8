#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift cannot import as a macro.
static inline sqlite3_destructor_type conduit_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// sqlite3_config is variadic, which Swift cannot call. Turns off SQLite's memory statistics,
// which this project never reads: with them on, every allocation SQLite makes takes one
// process-wide mutex, which the reader threads then contend for (Debian's build has no
// lookaside allocator, so every small allocation reaches it). Returns SQLITE_MISUSE once the
// library is initialized (the first sqlite3_open does it): call it before.
static inline int conduit_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
