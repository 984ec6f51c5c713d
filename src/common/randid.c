#include "common/randid.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "common/xerr.h"

int random_id(char out[RANDOM_ID_LEN + 1], struct xerr *err) {
  unsigned char raw[RANDOM_ID_LEN / 2];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
    return xerr_make(err, errno, "new id: getrandom");
  for (size_t i = 0; i < sizeof raw; i++)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
  return 0;
}
