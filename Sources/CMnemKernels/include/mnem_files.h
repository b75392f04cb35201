#ifndef MNEM_FILES_H
#define MNEM_FILES_H

/* Puts the file at `from` in place of the existing file at `to`, atomically, and leaves the old
   one at `from` (Linux renameat2 with RENAME_EXCHANGE). Returns 0, or -1 with errno set (ENOENT
   when `to` does not exist; EINVAL or ENOSYS where the kernel or file system cannot exchange).

   Why not rename(2): ext4 (auto_da_alloc) starts writing back a file renamed over an existing one
   and can block the rename until then; for a 56 MB sidecar that was up to 30 ms of an index
   update. An exchange is just as atomic for readers and leaves write-back to the kernel. */
int mnem_exchange(const char *from, const char *to);

#endif
