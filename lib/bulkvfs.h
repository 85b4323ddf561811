/*
 * bulkvfs.h - an SQLite VFS for bulk writes: the default VFS, with the
 * writes to the database file and its WAL gathered into large writes.
 *
 * A large transaction in WAL mode writes each page twice, a page at a
 * time: into the WAL, as a 24-byte frame header then the page, and back
 * into the database at the checkpoint. For a million imported invoices
 * that is 200,000 pwrite calls. This VFS keeps consecutive writes to a
 * file in a buffer (BULKVFS_BUFFER bytes) and writes it in one call.
 *
 * What is written is unchanged, and so is its order towards anything
 * another process can see: every other method of a file (read, size,
 * truncate, sync, locks, file controls, close) first writes that file's
 * buffer, and every shared-memory method (the WAL index, through which a
 * commit or a checkpoint is published) first writes the buffers of all
 * files of this VFS. SQLite publishes a commit in the WAL index only after
 * a shared-memory barrier, and marks a checkpoint done only after syncing
 * the database; so no reader can be told about bytes still in a buffer.
 * The second rule needs synchronous = NORMAL or FULL (db_open sets
 * NORMAL): with OFF, a checkpoint would be marked done without a sync.
 *
 * A write that fails when a buffer is written is reported by the method
 * that wrote it (SQLITE_IOERR_WRITE or SQLITE_FULL). The barrier cannot
 * report anything: if writing there fails, the process stops (msg_fatal)
 * before the commit is published, and the next reader finds the WAL
 * without it (SQLite's recovery reads the frames back with their
 * checksums).
 *
 * Used by relancectl's imports only (db_open with DB_BULK); the milter
 * and the worker write small transactions and use the default VFS.
 */
#ifndef BULKVFS_H
#define BULKVFS_H

/*
 * Under 128 KiB: SQLite's unix VFS gives pwrite at most 17 bits of length
 * (it masks the count, and a write of 1 MiB would be one of 0 bytes,
 * reported as a full disk).
 */
#define BULKVFS_BUFFER (120 * 1024)

/*
 * bulkvfs_name registers the VFS the first time (not as the default) and
 * returns its name, for sqlite3_open_v2. NULL if SQLite has no default
 * VFS to wrap.
 */
const char *bulkvfs_name(void);

#endif
