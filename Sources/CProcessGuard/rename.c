// renameat2(RENAME_NOREPLACE): glibc declares it only under _GNU_SOURCE, which Swift's Glibc
// module is not built with, so it is wrapped here.
#define _GNU_SOURCE
#include "process_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

int pg_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0 ? 0 : errno;
}
