/* libarchive, loaded when a tarball is first read or written instead of at every start
 * of nookctl.  Linked, it and the twelve libraries it needs (ICU and libstdc++ among
 * them) made up 70 of nookctl's 111 mappings: 2.7 ms of dynamic loading in every
 * command, and mappings that each fork of nookctl copies and each exit tears down (a
 * fleet's start forks it twice a container).
 *
 * archive_lib.c defines the libarchive functions nook calls, with their own names and
 * prototypes (archive.h's), each calling the library's once archive_lib_load() has
 * loaded it; calling one before is a bug and aborts. */
#ifndef NOOK_MANAGER_ARCHIVE_LIB_H
#define NOOK_MANAGER_ARCHIVE_LIB_H

#include "common/error.h"

/* Loads libarchive (once; later calls return at once).  "load libarchive: ..." when it
 * is missing or lacks a function nook calls. */
int archive_lib_load(struct nook_err *err);

#endif
