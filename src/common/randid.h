/* Docker's object ids: 64 lowercase hex digits from the kernel's random
 * source (containers, networks, pods). */
#ifndef XOCKER_COMMON_RANDID_H
#define XOCKER_COMMON_RANDID_H

struct xerr;

#define RANDOM_ID_LEN 64

/* Fill out (65 bytes) with a new id; -1 with err when getrandom fails. */
int random_id(char out[RANDOM_ID_LEN + 1], struct xerr *err);

#endif
