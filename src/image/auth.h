/* Registry credentials and authentication challenges.
 *
 * Credentials live where Docker keeps them: $DOCKER_CONFIG/config.json, or
 * ~/.docker/config.json, under "auths": {"<server>": {"auth": base64("user:pass")}}.
 * Docker Hub's key is "https://index.docker.io/v1/"; any other registry's is
 * its "host[:port]".  Other keys of the file are kept untouched. */
#ifndef XOCKER_IMAGE_AUTH_H
#define XOCKER_IMAGE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct xerr;

#define AUTH_DOCKER_HUB_KEY "https://index.docker.io/v1/"

struct credentials {
  char *user; /* NULL when there are none */
  char *pass;
};
void credentials_clear(struct credentials *c);

/* The config.json path ($DOCKER_CONFIG/config.json or ~/.docker/config.json). */
void auth_config_path(char *buf, size_t len);

/* The auths key for a server as the user names it ("docker.io", "",
 * "https://index.docker.io/v1/", "127.0.0.1:5000", "https://host/").  */
void auth_server_key(const char *server, char *buf, size_t len);

/* Stored credentials for a registry domain ("docker.io", "127.0.0.1:5000").
 * None stored is not an error (c->user stays NULL). */
int auth_lookup(const char *domain, struct credentials *c, struct xerr *err);
/* Write (atomically, 0600) the credentials under key. */
int auth_store(const char *key, const char *user, const char *pass, struct xerr *err);
/* Remove key's entry; *found tells whether there was one. */
int auth_remove(const char *key, bool *found, struct xerr *err);

/* A WWW-Authenticate challenge: `Bearer realm="...",service="...",scope="..."`
 * or `Basic realm="..."`. */
struct auth_challenge {
  char scheme[16]; /* "bearer" or "basic" (lower case) */
  char realm[1024];
  char service[256];
  char scope[512];
};
/* 0, or -1 when the header is not a challenge we understand. */
int auth_parse_challenge(const char *header, struct auth_challenge *c);

/* base64("user:pass") as a new string; NULL on no memory. */
char *auth_basic_encode(const char *user, const char *pass);

#endif
