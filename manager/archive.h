/* Tarballs in and out of a directory, with libarchive: template import/export and
 * container backup/restore.  Compression is chosen by the file name on write (.tar,
 * .tar.gz/.tgz, .tar.xz/.txz, .tar.zst/.tzst, .tar.bz2/.tbz2) and detected on read
 * (tar: ustar, pax or GNU; compressed with gzip, xz, zstd, bzip2 or not at all).
 * Extraction is safe: no entry may land outside the target directory (absolute names,
 * "..", symlinks followed, hard links out of the tree are refused with the entry's name
 * in the error); ownership (by number, never by user name), modes incl. setuid, mtimes,
 * device nodes, FIFOs, hard links, sparse files and xattrs (overlayfs whiteouts and
 * opaque markers, file capabilities) are preserved.  Any entry libarchive cannot restore
 * faithfully (an xattr the file system refuses, say) fails the whole call.  The format
 * written is pax "restricted" (plain ustar headers unless an entry needs more), so any
 * tar reads it; mtimes are kept to the second, as GNU tar's default format does.
 *
 * Both calls change the working directory for their duration (libarchive resolves names
 * against it) and go back before returning: not for threaded callers. */
#ifndef NOOK_MANAGER_ARCHIVE_H
#define NOOK_MANAGER_ARCHIVE_H

#include <stdint.h>

#include "common/error.h"

/* Called now and then with the bytes done so far and the total (0 when unknown). */
struct archive_progress {
        void (*fn)(void *data, uint64_t done, uint64_t total);
        void *data;
};

/* Extracts FILE into the existing directory DIR.  Entries "./" or "." restore DIR's own
 * mode, owner and times.  On failure what was extracted stays; the caller extracts into
 * a fresh directory and removes it.  A missing FILE fails with errnum ENOENT.  Progress:
 * compressed bytes read of FILE's size. */
int archive_extract(const char *file, const char *dir, const struct archive_progress *progress,
                    struct nook_err *err);

/* Writes FILE (atomically: FILE.tmp-PID renamed at the end, removed on failure; mode
 * 0600, as a backup holds /etc/shadow) holding the members (paths relative to DIR, each
 * taken recursively; NULL-terminated; NULL = all of DIR, without DIR itself).  Member
 * names in the archive are relative ("etc/passwd", directories "etc/"; no "./"), owners
 * numeric.  Mount points below DIR are not crossed; sockets are left out.  An unknown
 * suffix fails with EINVAL before anything is written.  Progress: bytes of file data
 * written of the members' total (hard links counted once), which a first pass over the
 * members adds up when progress is given. */
int archive_create(const char *file, const char *dir, const char *const *members,
                   const struct archive_progress *progress, struct nook_err *err);

#endif
