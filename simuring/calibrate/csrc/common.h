/*
 * common.h - the small helper layer shared by probe.c and ipcbench.c.
 *
 * Timing, CPU pinning, key=value arguments, the one-line JSON result,
 * failure exits, and a minimal raw io_uring ring (io_uring_setup(2),
 * io_uring_enter(2), the mmap'd SQ/CQ rings) written against the kernel's
 * uapi header only.
 *
 * Exit codes: 0 success (one JSON line on stdout), 1 runtime failure,
 * 2 bad command line, 3 io_uring unavailable (a JSON line saying so).
 */
#ifndef SIMURING_CALIBRATE_COMMON_H
#define SIMURING_CALIBRATE_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Failure exits                                                       */

/* Held forever by the first thread that exits, so that two failing
 * threads never both print or both run exit(3). */
static pthread_mutex_t g_exit_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *g_bench = "";

/* One line on stderr, then exit with `status` (the first thread only). */
__attribute__((noreturn, format(printf, 2, 0)))
static inline void die_v(int status, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&g_exit_lock);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	exit(status);
}

/* exit 2: one line on stderr naming the bad argument. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_v(2, fmt, ap);
}

/* exit 1: "<call>: <strerror(err)>" on stderr. */
__attribute__((noreturn))
static inline void fail_err(const char *call, int err)
{
	pthread_mutex_lock(&g_exit_lock);
	fprintf(stderr, "%s: %s\n", call, strerror(err));
	exit(1);
}

__attribute__((noreturn))
static inline void fail(const char *call)
{
	fail_err(call, errno);
}

/* exit 1 for a failure that has no errno (e.g. a bad CQE payload). */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void fail_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_v(1, fmt, ap);
}

/* ------------------------------------------------------------------ */
/* Time and spinning                                                   */

/* clock_gettime(2), CLOCK_MONOTONIC (vDSO), in ns. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long g_ncpu = 1;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* One step of a spin-wait. On a single CPU both sides of a hand-off
 * share it, so give the CPU away (sched_yield(2)) instead. */
static inline void spin_pause(void)
{
	if (g_ncpu == 1)
		sched_yield();
	else
		cpu_relax();
}

/* Busy-wait (never sleep) until `ns` have passed since `from`. */
static inline void spin_until(uint64_t from, uint64_t ns)
{
	while (now_ns() - from < ns)
		cpu_relax();
}

/* Keep the compiler from eliding or sinking a memcpy() into `p`. */
static inline void clobber(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static inline uint64_t load_acq(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_rel(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ */
/* CPUs and threads                                                    */

/* The CPUs this process may run on, in order: sched_getaffinity(2), as  */
/* simuring reads the CPU count. A bench's CPU i is the i-th of them, so */
/* a process confined to CPUs 4 and 5 (a container's cpuset, taskset)   */
/* runs its "CPU 0" on 4 and its "CPU 1" on 5.                          */
static int g_cpus[CPU_SETSIZE];

/* Read the allowed CPUs; call once from main(), before any thread pins. */
static inline void cpus_init(void)
{
	cpu_set_t set;

	g_ncpu = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				g_cpus[g_ncpu++] = c;
	}
	if (g_ncpu < 1) {
		g_ncpu = 1;
		g_cpus[0] = sched_getcpu() >= 0 ? sched_getcpu() : 0;
	}
}

/* The "other CPU" of the two-CPU benchmarks. */
static inline int other_cpu(void)
{
	return g_ncpu > 1 ? 1 : 0;
}

/* pthread_setaffinity_np(3) (sched_setaffinity(2)) on the caller: the */
/* bench's CPU `cpu`, the cpu-th of the allowed ones (cpus_init).       */
static inline void pin_self(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(g_cpus[cpu % g_ncpu], &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err)
		fail_err("pthread_setaffinity_np", err);
}

static inline void thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err)
		fail_err("pthread_create", err);
}

/* The calling thread's context switches so far, voluntary (it blocked)
 * and involuntary (it was preempted), and its CPU time (user + system):
 * getrusage(2) RUSAGE_THREAD. */
static inline void thread_switches(long *voluntary, long *involuntary, uint64_t *cpu_ns)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		fail("getrusage");
	*voluntary = ru.ru_nvcsw;
	*involuntary = ru.ru_nivcsw;
	*cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull
		+ (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static inline void thread_join(pthread_t t)
{
	int err = pthread_join(t, NULL);

	if (err)
		fail_err("pthread_join", err);
}

/* Untimed warm-up: 10% of the timed iterations, at least 1. */
static inline uint64_t warmup_of(uint64_t iters)
{
	return iters / 10 ? iters / 10 : 1;
}

/* ------------------------------------------------------------------ */
/* read(2)/write(2), or recv(2)/send(2) on a stream socket, of whole    */
/* buffers                                                              */

/* Moves exactly len bytes: out (write/send) or in (read/recv, where
 * EOF is a failure); a socket's calls take no flags. */
static inline void move_all(int fd, char *p, size_t len, int sock, int out, const char *call)
{
	while (len) {
		ssize_t n = out ? (sock ? send(fd, p, len, 0) : write(fd, p, len))
				: (sock ? recv(fd, p, len, 0) : read(fd, p, len));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(call);
		}
		if (n == 0 && !out)
			fail_msg("%s: unexpected end of file", call);
		p += n;
		len -= (size_t)n;
	}
}

static inline void write_all(int fd, const void *buf, size_t len, const char *call)
{
	move_all(fd, (char *)buf, len, 0, 1, call);
}

static inline void read_all(int fd, void *buf, size_t len, const char *call)
{
	move_all(fd, buf, len, 0, 0, call);
}

static inline void send_all(int fd, const void *buf, size_t len, const char *call)
{
	move_all(fd, (char *)buf, len, 1, 1, call);
}

static inline void recv_all(int fd, void *buf, size_t len, const char *call)
{
	move_all(fd, buf, len, 1, 0, call);
}

/* eventfd(2): add 1 to the counter / take the whole counter. */
static inline void efd_post(int fd)
{
	uint64_t one = 1;

	write_all(fd, &one, sizeof(one), "write(eventfd)");
}

static inline uint64_t efd_take(int fd)
{
	uint64_t v;

	read_all(fd, &v, sizeof(v), "read(eventfd)");
	return v;
}

/* ------------------------------------------------------------------ */
/* key=value arguments                                                 */

#define MAX_ARGS 16

struct args {
	int n;
	const char *key[MAX_ARGS];
	size_t keylen[MAX_ARGS];
	const char *val[MAX_ARGS];
	int used[MAX_ARGS];
};

/* argv[2..] are key=value; argv[1] (the bench) is the caller's. */
static inline void args_parse(struct args *a, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	for (int i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i])
			usage_error("%s: bad argument '%s' (want key=value)", g_bench, argv[i]);
		if (a->n == MAX_ARGS)
			usage_error("%s: too many arguments", g_bench);
		for (int j = 0; j < a->n; j++)
			if (a->keylen[j] == (size_t)(eq - argv[i]) &&
			    !strncmp(a->key[j], argv[i], a->keylen[j]))
				usage_error("%s: duplicate key '%.*s'", g_bench,
					    (int)a->keylen[j], a->key[j]);
		a->key[a->n] = argv[i];
		a->keylen[a->n] = (size_t)(eq - argv[i]);
		a->val[a->n] = eq + 1;
		a->n++;
	}
}

/* The value of `key`, or NULL; marks it as known. */
static inline const char *arg_find(struct args *a, const char *key)
{
	for (int i = 0; i < a->n; i++)
		if (a->keylen[i] == strlen(key) && !strncmp(a->key[i], key, a->keylen[i])) {
			a->used[i] = 1;
			return a->val[i];
		}
	return NULL;
}

/* A decimal integer in [min, max], or `def` if absent. */
static inline uint64_t arg_u64(struct args *a, const char *key, uint64_t def,
			       uint64_t min, uint64_t max)
{
	const char *s = arg_find(a, key);
	unsigned long long v;
	char *end;

	if (!s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max)
		usage_error("%s: bad value %s=%s (want an integer in [%" PRIu64 ", %" PRIu64 "])",
			    g_bench, key, s, min, max);
	return v;
}

/* The index in `choices` (NULL-terminated) of the value, or `def`. */
static inline int arg_choice(struct args *a, const char *key,
			     const char *const *choices, int def)
{
	const char *s = arg_find(a, key);

	if (!s)
		return def;
	char want[256] = "";

	for (int i = 0; choices[i]; i++) {
		if (!strcmp(s, choices[i]))
			return i;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
			 i ? "|" : "", choices[i]);
	}
	usage_error("%s: bad value %s=%s (want %s)", g_bench, key, s, want);
}

/* Call after reading every key the bench knows. */
static inline void args_done(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		if (!a->used[i])
			usage_error("%s: unknown key '%.*s'", g_bench,
				    (int)a->keylen[i], a->key[i]);
}

/* flags=none|sqdt, shared by the io_uring benches. */
static const char *const g_ring_flag_names[] = { "none", "sqdt", NULL };

static inline unsigned arg_ring_flags(struct args *a)
{
	if (arg_choice(a, "flags", g_ring_flag_names, 0) == 0)
		return 0;
	return IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
}

/* ------------------------------------------------------------------ */
/* The one JSON line                                                   */

static char g_json[1024];
static size_t g_json_len;

__attribute__((format(printf, 1, 2)))
static inline void json_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g_json + g_json_len, sizeof(g_json) - g_json_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g_json_len += (size_t)n;
	if (g_json_len >= sizeof(g_json))
		fail_msg("json: result too long");
}

static inline void json_begin(void)
{
	g_json_len = 0;
	json_add("{\"bench\": \"%s\"", g_bench);
}

static inline void json_num(const char *key, double v)
{
	json_add(", \"%s\": %.3f", key, v);
}

static inline void json_int(const char *key, uint64_t v)
{
	json_add(", \"%s\": %" PRIu64, key, v);
}

/* Prints the line and exits with `code`. */
__attribute__((noreturn))
static inline void json_end(int code)
{
	pthread_mutex_lock(&g_exit_lock);
	fputs(g_json, stdout);
	fputs("}\n", stdout);
	exit(code);
}

/* exit 3: io_uring_setup(2) refused (strerror text has no quotes). */
__attribute__((noreturn))
static inline void unavailable(int err)
{
	json_begin();
	json_add(", \"unavailable\": \"io_uring_setup: %s\"", strerror(err));
	json_end(3);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile p in [0, 1] of a sorted array, linear interpolation
 * between closest ranks (position p * (n - 1)). */
static inline double percentile(const uint64_t *sorted, size_t n, double p)
{
	double pos = p * (double)(n - 1);
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;

	if (lo + 1 >= n)
		return (double)sorted[n - 1];
	return (double)sorted[lo] + frac * ((double)sorted[lo + 1] - (double)sorted[lo]);
}

/* ------------------------------------------------------------------ */
/* A minimal raw io_uring                                              */

struct uring {
	int fd;
	unsigned *sq_head, *sq_tail, *sq_mask;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned sqe_tail;		/* SQEs handed out, not yet published */
	unsigned sq_entries;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
};

static inline void *ring_mmap(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, off);

	if (p == MAP_FAILED)
		fail("mmap(io_uring)");
	return p;
}

/* io_uring_setup(2) and the three mappings of io_uring(7).
 * cq_entries 0 means the kernel's default (twice `entries`). */
static inline void uring_init(struct uring *r, unsigned entries,
			      unsigned cq_entries, unsigned flags)
{
	struct io_uring_params p;
	unsigned *array;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	p.flags = flags;
	if (cq_entries) {
		p.flags |= IORING_SETUP_CQSIZE;
		p.cq_entries = cq_entries;
	}
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0) {
		if (errno == ENOSYS || errno == EPERM || errno == EACCES)
			unavailable(errno);
		fail("io_uring_setup");
	}

	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->sq_map = ring_mmap(r->fd, r->sq_len, IORING_OFF_SQ_RING);
		r->cq_map = r->sq_map;
	} else {
		r->sq_map = ring_mmap(r->fd, r->sq_len, IORING_OFF_SQ_RING);
		r->cq_map = ring_mmap(r->fd, r->cq_len, IORING_OFF_CQ_RING);
	}
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = ring_mmap(r->fd, r->sqes_len, IORING_OFF_SQES);

	sq = r->sq_map;
	cq = r->cq_map;
	r->sq_head = (unsigned *)(sq + p.sq_off.head);
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	r->sq_entries = p.sq_entries;
	r->sqe_tail = *r->sq_tail;

	/* The SQ array maps ring slot i to SQE i, once and for all. */
	array = (unsigned *)(sq + p.sq_off.array);
	for (unsigned i = 0; i < p.sq_entries; i++)
		array[i] = i;
}

static inline void uring_exit(struct uring *r)
{
	munmap(r->sqes, r->sqes_len);
	if (r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_len);
	munmap(r->sq_map, r->sq_len);
	close(r->fd);
}

/* A zeroed SQE at the local tail (the kernel advances sq_head). */
static inline struct io_uring_sqe *uring_sqe(struct uring *r)
{
	unsigned head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
	struct io_uring_sqe *sqe;

	if (r->sqe_tail - head >= r->sq_entries)
		fail_msg("io_uring: submission queue full");
	sqe = &r->sqes[r->sqe_tail & *r->sq_mask];
	r->sqe_tail++;
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

/* IORING_OP_MSG_RING, IORING_MSG_DATA: post a CQE with user_data `data`
 * and res 0 on the ring `target_fd` (io_msg_ring() in the kernel). */
static inline void prep_msg_ring(struct io_uring_sqe *sqe, int target_fd,
				 uint64_t data, uint64_t own_user_data)
{
	sqe->opcode = IORING_OP_MSG_RING;
	sqe->fd = target_fd;
	sqe->addr = IORING_MSG_DATA;
	sqe->len = 0;
	sqe->off = data;
	sqe->user_data = own_user_data;
}

/* Publish the filled SQEs (store-release of sq_tail) and call
 * io_uring_enter(2): submit them and wait for `wait_nr` completions. */
static inline void uring_submit_wait(struct uring *r, unsigned wait_nr)
{
	unsigned to_submit = r->sqe_tail - *r->sq_tail;
	unsigned flags = wait_nr ? IORING_ENTER_GETEVENTS : 0;
	long ret;

	__atomic_store_n(r->sq_tail, r->sqe_tail, __ATOMIC_RELEASE);
	do
		ret = syscall(__NR_io_uring_enter, r->fd, to_submit, wait_nr, flags, NULL, 0);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		fail("io_uring_enter");
	if ((unsigned)ret != to_submit)
		fail_msg("io_uring_enter: submitted %ld of %u", ret, to_submit);
}

/* The oldest unreaped CQE (load-acquire of cq_tail), or NULL. */
static inline struct io_uring_cqe *uring_peek(struct uring *r)
{
	unsigned head = *r->cq_head;	/* only we write it */

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return NULL;
	return &r->cqes[head & *r->cq_mask];
}

/* Hand the CQE slot back to the kernel (store-release of cq_head). */
static inline void uring_seen(struct uring *r)
{
	__atomic_store_n(r->cq_head, *r->cq_head + 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ */
/* main() helper                                                       */

struct bench {
	const char *name;
	void (*run)(struct args *);	/* prints and exits via json_end() */
};

static inline int bench_main(const struct bench *benches, int argc, char **argv)
{
	struct args a;

	cpus_init();
	if (argc < 2)
		usage_error("usage: %s BENCH [key=value ...]", argv[0]);
	for (const struct bench *b = benches; b->name; b++)
		if (!strcmp(argv[1], b->name)) {
			g_bench = b->name;
			args_parse(&a, argc, argv);
			b->run(&a);
			json_end(0);
		}
	usage_error("unknown bench '%s'", argv[1]);
}

#endif
