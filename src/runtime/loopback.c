#include "runtime/loopback.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/xerr.h"

int loopback_up(struct xerr *err) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return xerr_make(err, errno, "network namespace: socket to raise lo");
  struct ifreq ifr = {0};
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int r = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    r = xerr_make(err, errno, "network namespace: get flags of lo");
  else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
      r = xerr_make(err, errno, "network namespace: raise lo");
  }
  close(fd);
  return r;
}
