/*
 * xhelper: a small static multi-call program that the integration tests copy
 * into a container's rootfs, for the system calls busybox cannot make.
 *
 *   xhelper memhog MB            allocate MB MiB, touch every page, print "allocated MB"
 *   xhelper forkbomb N           fork N sleeping children; print "forked K first_error E"
 *                                (E is an errno name or "none"), then end them
 *   xhelper syscall-errno NAME   make one call (mkdir getcwd unshare keyctl personality
 *                                socket-inet socket-unix chown); print OK or the errno name
 *   xhelper cap-try NAME         an action that needs capability NAME (CAP_CHOWN CAP_NET_RAW
 *                                CAP_SYS_ADMIN CAP_MKNOD CAP_SYS_TIME CAP_NET_BIND_SERVICE);
 *                                print OK or the errno name
 *   xhelper open PATH            open PATH read-write; print OK or the errno name
 *   xhelper spin SECONDS         busy loop for SECONDS of wall time; print
 *                                "cpu_ms C wall_ms W" (C from getrusage)
 *   xhelper rlimit NAME          print "SOFT HARD" of RLIMIT_NAME ("unlimited" for infinity)
 *
 * A verb's result goes to stdout and the exit status is 0 whenever the
 * verb could be tried (the errno is the result); usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);

	if (n != NULL)
		return n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

/* Print OK for ret >= 0, else the name of errno. */
static int report(long ret)
{
	if (ret < 0)
		puts(errname(errno));
	else
		puts("OK");
	return 0;
}

static int usage(void)
{
	fputs("usage: xhelper memhog MB | forkbomb N | syscall-errno NAME | cap-try CAP |"
	      " open PATH | spin SECONDS | rlimit NAME\n",
	      stderr);
	return 2;
}

static int memhog(const char *arg)
{
	long mb = strtol(arg, NULL, 10);
	size_t len = (size_t)mb << 20;
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	if (mb <= 0)
		return usage();
	p = malloc(len);
	if (p == NULL) {
		printf("malloc %s\n", errname(errno));
		return 1;
	}
	for (size_t i = 0; i < len; i += (size_t)page)
		p[i] = 1;
	printf("allocated %ld\n", mb);
	free(p);
	return 0;
}

static int forkbomb(const char *arg)
{
	long n = strtol(arg, NULL, 10), forked = 0;
	int first_err = 0, pfd[2];
	char c;

	if (n <= 0 || pipe(pfd) < 0)
		return usage();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			if (first_err == 0)
				first_err = errno;
			continue;
		}
		if (pid == 0) {
			/* Wait until the parent closes the pipe, then go. */
			close(pfd[1]);
			while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		forked++;
	}
	printf("forked %ld first_error %s\n", forked, first_err ? errname(first_err) : "none");
	fflush(stdout);
	close(pfd[1]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

static int syscall_errno(const char *name)
{
	long ret;
	char buf[4096];

	if (strcmp(name, "mkdir") == 0) {
		ret = mkdir("/tmp/xhelper-mkdir", 0755);
		if (ret == 0)
			rmdir("/tmp/xhelper-mkdir");
		return report(ret);
	}
	if (strcmp(name, "getcwd") == 0)
		return report(syscall(SYS_getcwd, buf, sizeof buf));
	if (strcmp(name, "unshare") == 0)
		return report(unshare(0)); /* a no-op for the kernel: only a filter refuses it */
	if (strcmp(name, "keyctl") == 0)
		/* KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3), without creating it */
		return report(syscall(SYS_keyctl, 0, -3, 0));
	if (strcmp(name, "personality") == 0)
		return report(syscall(SYS_personality, 0xffffffffUL)); /* query only */
	if (strcmp(name, "socket-inet") == 0 || strcmp(name, "socket-unix") == 0) {
		int fd = socket(name[7] == 'i' ? AF_INET : AF_UNIX, SOCK_STREAM, 0);

		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (strcmp(name, "chown") == 0) {
		int fd = open("/tmp/xhelper-chown", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
		ret = chown("/tmp/xhelper-chown", getuid(), getgid());
		unlink("/tmp/xhelper-chown");
		return report(ret);
	}
	return usage();
}

static int cap_try(const char *name)
{
	long ret;

	if (strcmp(name, "CAP_CHOWN") == 0) {
		/* Give a file of our own to someone else. */
		int fd = open("/tmp/xhelper-cap-chown", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return report(fd);
		close(fd);
		ret = chown("/tmp/xhelper-cap-chown", getuid() + 4242, (gid_t)-1);
		unlink("/tmp/xhelper-cap-chown");
		return report(ret);
	}
	if (strcmp(name, "CAP_NET_RAW") == 0) {
		int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (strcmp(name, "CAP_SYS_ADMIN") == 0) {
		if (mkdir("/tmp/xhelper-mnt", 0755) < 0 && errno != EEXIST)
			return report(-1);
		ret = mount("xhelper", "/tmp/xhelper-mnt", "tmpfs", 0, "size=64k");
		if (ret == 0)
			umount("/tmp/xhelper-mnt");
		rmdir("/tmp/xhelper-mnt");
		return report(ret);
	}
	if (strcmp(name, "CAP_MKNOD") == 0) {
		ret = mknod("/tmp/xhelper-node", S_IFCHR | 0600, makedev(1, 3));
		if (ret == 0)
			unlink("/tmp/xhelper-node");
		return report(ret);
	}
	if (strcmp(name, "CAP_SYS_TIME") == 0) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		return report(settimeofday(&tv, NULL));
	}
	if (strcmp(name, "CAP_NET_BIND_SERVICE") == 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

		if (fd < 0)
			return report(fd);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		ret = bind(fd, (struct sockaddr *)&sa, sizeof sa);
		close(fd);
		return report(ret);
	}
	return usage();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spin(const char *arg)
{
	double secs = strtod(arg, NULL), start = now(), end;
	volatile unsigned long x = 0;
	struct rusage ru;

	if (secs <= 0)
		return usage();
	do {
		for (int i = 0; i < 100000; i++)
			x = x + (unsigned long)i;
		end = now();
	} while (end - start < secs);
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_ms %ld wall_ms %ld\n",
	       (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		       (long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000,
	       (long)((end - start) * 1000));
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{"AS", RLIMIT_AS},	   {"CORE", RLIMIT_CORE},	{"CPU", RLIMIT_CPU},
	{"DATA", RLIMIT_DATA},	   {"FSIZE", RLIMIT_FSIZE},	{"LOCKS", RLIMIT_LOCKS},
	{"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
	{"NOFILE", RLIMIT_NOFILE}, {"NPROC", RLIMIT_NPROC},	{"RSS", RLIMIT_RSS},
	{"RTPRIO", RLIMIT_RTPRIO}, {"RTTIME", RLIMIT_RTTIME},	{"SIGPENDING", RLIMIT_SIGPENDING},
	{"STACK", RLIMIT_STACK},
};

static void print_limit(rlim_t v, const char *end)
{
	if (v == RLIM_INFINITY)
		printf("unlimited%s", end);
	else
		printf("%llu%s", (unsigned long long)v, end);
}

static int rlimit(const char *name)
{
	struct rlimit rl;

	if (strncmp(name, "RLIMIT_", 7) == 0)
		name += 7;
	for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
		if (strcmp(name, rlimits[i].name) != 0)
			continue;
		if (getrlimit(rlimits[i].resource, &rl) < 0)
			return report(-1);
		print_limit(rl.rlim_cur, " ");
		print_limit(rl.rlim_max, "\n");
		return 0;
	}
	return usage();
}

int main(int argc, char **argv)
{
	const char *verb;

	/* Called as /xhelper VERB ARG. */
	if (argc != 3)
		return usage();
	verb = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(verb, "memhog") == 0)
		return memhog(argv[2]);
	if (strcmp(verb, "forkbomb") == 0)
		return forkbomb(argv[2]);
	if (strcmp(verb, "syscall-errno") == 0)
		return syscall_errno(argv[2]);
	if (strcmp(verb, "cap-try") == 0)
		return cap_try(argv[2]);
	if (strcmp(verb, "open") == 0) {
		int fd = open(argv[2], O_RDWR | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (strcmp(verb, "spin") == 0)
		return spin(argv[2]);
	if (strcmp(verb, "rlimit") == 0)
		return rlimit(argv[2]);
	return usage();
}
