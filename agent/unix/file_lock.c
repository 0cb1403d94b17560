/*
 * POSIX side of vg_plat_lock_try: flock(2) on a lock file of its own. A
 * flock belongs to the open file description, so two descriptors exclude
 * each other even in one process, and closing an unrelated descriptor of
 * the same file (as fcntl's process locks would) does not release it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "vssguard/platform.h"

struct vg_plat_lock {
  int fd;
};

int vg_plat_lock_try(const char *path, vg_plat_lock **out) {
  *out = NULL;
  /* Read access is enough for flock; O_CLOEXEC keeps the lock out of the
   * hooks and reboot commands the agent starts (a child holding a copy of
   * the descriptor would hold the lock). */
  int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return VG_EIO;
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR)
      continue;
    int e = errno;
    close(fd);
    errno = e;
    return e == EWOULDBLOCK ? VG_EBUSY : VG_EIO;
  }
  vg_plat_lock *l = malloc(sizeof(*l));
  if (l == NULL) {
    close(fd); /* releases the lock */
    errno = ENOMEM;
    return VG_EIO;
  }
  l->fd = fd;
  *out = l;
  return VG_OK;
}

void vg_plat_unlock(vg_plat_lock *l) {
  if (l == NULL)
    return;
  flock(l->fd, LOCK_UN);
  close(l->fd);
  free(l);
}
