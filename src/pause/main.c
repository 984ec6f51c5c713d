/* xocker-pause: the infra process of a pod.  It holds the pod's namespaces
 * (network, ipc) for the containers that join them, does nothing else, and
 * exits 0 on SIGTERM or SIGINT so `pod stop` is quick.  As pid 1 of its pid
 * namespace it also reaps anything reparented to it.  Static, libc only. */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig) {
  (void)sig;
  stop = 1;
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0)
    ;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_child;
  sigaction(SIGCHLD, &sa, NULL);
  while (!stop)
    pause();
  return 0;
}
