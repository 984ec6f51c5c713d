/* Random container names in Docker's style, adjective_surname, from word
 * lists of our own: people of science and engineering. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "engine/container.h"

static const char *const ADJECTIVES[] = {
    "agile",   "amazing", "bold",     "brave",    "bright",  "busy",     "calm",
    "careful", "cheerful", "clever",  "cool",     "curious", "daring",   "eager",
    "elegant", "epic",    "fervent",  "festive",  "focused", "friendly", "gallant",
    "gentle",  "happy",   "hopeful",  "humble",   "jolly",   "keen",     "kind",
    "lively",  "loyal",   "lucid",    "merry",    "modest",  "nimble",   "noble",
    "patient", "peaceful", "placid",  "polite",   "proud",   "quick",    "quiet",
    "relaxed", "serene",  "sharp",    "shy",      "silly",   "sleepy",   "smart",
    "steady",  "stoic",   "sunny",    "swift",    "tender",  "tidy",     "upbeat",
    "vibrant", "vigilant", "warm",    "wise",     "witty",   "youthful", "zealous",
};

static const char *const SURNAMES[] = {
    "agnesi",   "archimedes", "babbage",  "banach",   "bardeen",   "bell",      "bohr",
    "boole",    "cantor",     "carson",   "cauchy",   "curie",     "darwin",    "dijkstra",
    "einstein", "euclid",     "euler",    "faraday",  "fermat",    "fermi",     "feynman",
    "franklin", "galileo",    "gauss",    "germain",  "goodall",   "hamilton",  "hawking",
    "heisenberg", "hilbert",  "hopper",   "hypatia",  "joliot",    "kepler",    "knuth",
    "lamarr",   "laplace",    "leibniz",  "lovelace", "maxwell",   "meitner",   "mendel",
    "newton",   "noether",    "pascal",   "pasteur",  "planck",    "poincare",  "ramanujan",
    "riemann",  "ritchie",    "sagan",    "shannon",  "somerville", "tesla",    "thompson",
    "turing",   "volta",      "wiles",    "wozniak",  "wright",    "yalow",     "zuse",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void engine_random_name(char *buf, size_t len) {
  unsigned int r[2];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
    r[0] = (unsigned int)rand();
    r[1] = (unsigned int)rand();
  }
  snprintf(buf, len, "%s_%s", ADJECTIVES[r[0] % COUNT(ADJECTIVES)],
           SURNAMES[r[1] % COUNT(SURNAMES)]);
}
