/*
 * probe.c - calibration microbenchmarks for simuring.
 *
 *   ./probe BENCH key=value ...
 *
 * prints one JSON object with "bench" and "ns" (see common.h for the exit
 * codes). Each bench is one function below; each runs an untimed warm-up of
 * 10% of its iterations (at least 1), then the timed part.
 */
#include "common.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <fcntl.h>

#define CACHELINE 64

/* ------------------------------------------------------------------ */
/* syscall: the cheapest system call, getppid(2), through syscall(2).  */

static void bench_syscall(struct args *a)
{
	uint64_t iters = arg_u64(a, "iters", 200000, 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), t0;

	args_done(a);
	pin_self(0);
	for (uint64_t i = 0; i < w; i++)
		syscall(SYS_getppid);
	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++)
		syscall(SYS_getppid);
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)iters);
}

/* ------------------------------------------------------------------ */
/* memcpy: memcpy(3) of `size` bytes, cycling through slots of a       */
/* footprint (half source, half destination).                          */

/* Page-aligned, pre-touched (memset(3) faults every page in). */
static void *alloc_touched(size_t len, int fill)
{
	void *p = NULL;
	int err = posix_memalign(&p, 4096, len ? len : 1);

	if (err)
		fail_err("posix_memalign", err);
	memset(p, fill, len);
	return p;
}

/* A default iteration count: `bytes` / size, within [lo, hi]. */
static uint64_t iters_for(uint64_t bytes, uint64_t size, uint64_t lo, uint64_t hi)
{
	uint64_t n = bytes / size;

	return n < lo ? lo : n > hi ? hi : n;
}

static void bench_memcpy(struct args *a)
{
	uint64_t size = arg_u64(a, "size", 4096, 1, 1ull << 32);
	uint64_t fp = arg_u64(a, "footprint", 2 * size, 2, 1ull << 34);
	uint64_t iters = arg_u64(a, "iters", iters_for(256u << 20, size, 20, 5000000), 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), slots, t0 = 0;
	char *src, *dst;

	args_done(a);
	if (fp < 2 * size)
		usage_error("memcpy: bad value footprint=%" PRIu64 " (must be >= 2*size = %" PRIu64 ")",
			    fp, 2 * size);
	pin_self(0);
	slots = (fp / 2) / size;
	src = alloc_touched(fp / 2, 1);
	dst = alloc_touched(fp / 2, 2);

	/* copy k uses slot k % slots (counted, not divided, in the loop) */
	for (uint64_t k = 0, slot = 0; k < w + iters; k++) {
		if (k == w)
			t0 = now_ns();
		memcpy(dst + slot * size, src + slot * size, size);
		clobber(dst);
		if (++slot == slots)
			slot = 0;
	}
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)iters);
	free(src);
	free(dst);
}

/* ------------------------------------------------------------------ */
/* memcpy_remote: memcpy(3) of a buffer just written by the other CPU
 * (dir=read), or into one it just read (dir=write). Each copy is timed
 * alone, to the completion of its stores; the timing's own cost is
 * measured first and taken off ("timer_ns"). */

#define TIMER_ITERS 10000

struct remote {
	_Alignas(CACHELINE) uint64_t seq;	/* other CPU: done with the buffer for #seq */
	_Alignas(CACHELINE) uint64_t ack;	/* CPU 0: done with #ack */
	_Alignas(CACHELINE) char *buf;
	char *scratch;				/* the other CPU's own buffer */
	size_t size;
	uint64_t total;
	int read_it;				/* the other CPU reads the buffer instead of writing it */
};

/* The other CPU's turn: it writes the buffer (dir=read: CPU 0 then copies
 * lines another core has modified) or reads it (dir=write: CPU 0 then
 * copies into lines another core holds, which must be invalidated there). */
static void *remote_other(void *arg)
{
	struct remote *r = arg;

	pin_self(other_cpu());
	for (uint64_t i = 1; i <= r->total; i++) {
		while (load_acq(&r->ack) != i - 1)
			spin_pause();
		if (r->read_it) {
			memcpy(r->scratch, r->buf, r->size);
			clobber(r->scratch);
		} else {
			memset(r->buf, (int)(i & 0xff), r->size);
		}
		store_rel(&r->seq, i);
	}
	return NULL;
}

/* The timing's own cost, to take off a timed copy: two clock reads and
 * the fence between them, the mean over TIMER_ITERS. */
static double timing_cost_ns(void)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < TIMER_ITERS; i++) {
		uint64_t t0 = now_ns();

		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		sum += now_ns() - t0;
	}
	return (double)sum / TIMER_ITERS;
}

/* The result of timed copies: their mean less the timing's own cost
 * (never below 0), and that cost. */
static void json_timed(uint64_t sum, uint64_t iters, double timer_ns)
{
	double mean = (double)sum / (double)iters;

	json_begin();
	json_num("ns", mean > timer_ns ? mean - timer_ns : 0.0);
	json_num("timer_ns", timer_ns);
}

static void bench_memcpy_remote(struct args *a)
{
	static struct remote r;
	uint64_t size = arg_u64(a, "size", 4096, 1, 1ull << 32);
	uint64_t iters = arg_u64(a, "iters", iters_for(32u << 20, size, 20, 20000), 1, UINT64_MAX / 2);
	static const char *const dirs[] = { "read", "write", NULL };
	int dir_write = arg_choice(a, "dir", dirs, 0);
	uint64_t w = warmup_of(iters), sum = 0;
	double timer_ns;
	char *mine;
	pthread_t t;

	args_done(a);
	pin_self(0);
	timer_ns = timing_cost_ns();
	r.size = size;
	r.total = w + iters;
	r.read_it = dir_write;
	r.buf = alloc_touched(size, 0);
	r.scratch = alloc_touched(size, 0);
	mine = alloc_touched(size, 'm');
	thread_start(&t, remote_other, &r);

	for (uint64_t i = 1; i <= r.total; i++) {
		uint64_t t0, t1;

		while (load_acq(&r.seq) != i)
			spin_pause();
		t0 = now_ns();
		if (r.read_it) {
			memcpy(r.buf, mine, size);
			clobber(r.buf);
		} else {
			memcpy(mine, r.buf, size);
			clobber(mine);
		}
		/* until the copy's stores have completed: a store into a line
		 * another core holds waits in the store buffer for it, and the
		 * copy's cost includes that wait (the next locked instruction
		 * or system call pays it when nothing else does) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		t1 = now_ns();
		if (i > w)
			sum += t1 - t0;
		store_rel(&r.ack, i);
	}
	thread_join(t);
	json_timed(sum, iters, timer_ns);
	free(r.buf);
	free(r.scratch);
	free(mine);
}

/* ------------------------------------------------------------------ */
/* memcpy_ring: CPU 0 copies messages of `size` bytes into a ring of    */
/* `ring` bytes while CPU 1 copies them out, both at once, as a shared- */
/* memory IPC ring streams. Timed: each copy in, to the completion of   */
/* its stores, less the timing's own cost (as memcpy_remote).           */

struct ring_stream {
	_Alignas(CACHELINE) uint64_t head;	/* CPU 1: messages taken */
	_Alignas(CACHELINE) uint64_t tail;	/* CPU 0: messages put */
	_Alignas(CACHELINE) char *slots;
	size_t size, nslots;
	uint64_t total;
};

static void *ring_reader(void *arg)
{
	struct ring_stream *r = arg;
	char *buf = alloc_touched(r->size, 1);

	pin_self(other_cpu());
	for (uint64_t h = 0, slot = 0; h < r->total; h++) {
		while (load_acq(&r->tail) == h)
			spin_pause();
		memcpy(buf, r->slots + slot * r->size, r->size);
		clobber(buf);
		if (++slot == r->nslots)
			slot = 0;
		store_rel(&r->head, h + 1);
	}
	free(buf);
	return NULL;
}

static void bench_memcpy_ring(struct args *a)
{
	static struct ring_stream r;
	uint64_t size = arg_u64(a, "size", 4096, 1, 1ull << 24);
	uint64_t ring = arg_u64(a, "ring", 65536, 1, 1ull << 30);
	uint64_t iters = arg_u64(a, "iters", iters_for(64u << 20, size, 200, 200000), 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), sum = 0;
	double timer_ns;
	char *msg;
	pthread_t t;

	args_done(a);
	pin_self(0);
	timer_ns = timing_cost_ns();
	r.size = size;
	r.nslots = ring / size ? ring / size : 1;
	r.total = w + iters;
	r.slots = alloc_touched(r.nslots * size, 0);
	msg = alloc_touched(size, 2);
	thread_start(&t, ring_reader, &r);

	for (uint64_t i = 0, slot = 0; i < r.total; i++) {
		uint64_t t0, t1;

		while (i - load_acq(&r.head) >= r.nslots)
			spin_pause();
		t0 = now_ns();
		memcpy(r.slots + slot * size, msg, size);
		clobber(r.slots);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		t1 = now_ns();
		if (i >= w)
			sum += t1 - t0;
		if (++slot == r.nslots)
			slot = 0;
		store_rel(&r.tail, i + 1);
	}
	thread_join(t);
	json_timed(sum, iters, timer_ns);
	free(r.slots);
	free(msg);
}

/* ------------------------------------------------------------------ */
/* cacheline: one cache line handed back and forth between two CPUs.   */

struct pingline {
	_Alignas(CACHELINE) uint64_t counter;	/* alone in its line */
	_Alignas(CACHELINE) uint64_t total, timed_from, t0;
	int cpu[2];	/* where each side ran (sched_getcpu), reported */
};

/* Increment the counter whenever its parity is ours, until `total`.
 * Returns when the counter reached `total`. */
static void pingline_run(struct pingline *p, uint64_t parity)
{
	for (;;) {
		uint64_t v = load_acq(&p->counter);

		if (v >= p->total)
			return;
		if ((v & 1) != parity) {
			spin_pause();
			continue;
		}
		if (v == p->timed_from)
			p->t0 = now_ns();
		store_rel(&p->counter, v + 1);
	}
}

static void *pingline_odd(void *arg)
{
	struct pingline *p = arg;

	pin_self(other_cpu());
	pingline_run(p, 1);
	p->cpu[1] = sched_getcpu();
	return NULL;
}

static void bench_cacheline(struct args *a)
{
	static struct pingline p;
	uint64_t iters = arg_u64(a, "iters", 200000, 1, UINT64_MAX / 4);
	uint64_t w = warmup_of(iters), t1;
	pthread_t t;

	args_done(a);
	pin_self(0);
	p.timed_from = (w + 1) & ~1ull;	/* even: CPU 0 takes the start time */
	p.total = p.timed_from + iters;
	thread_start(&t, pingline_odd, &p);
	pingline_run(&p, 0);
	t1 = now_ns();
	p.cpu[0] = sched_getcpu();
	thread_join(t);
	json_begin();
	json_num("ns", (double)(t1 - p.t0) / (double)iters);
	json_int("cpu0", (uint64_t)p.cpu[0]);
	json_int("cpu1", (uint64_t)p.cpu[1]);
}

/* ------------------------------------------------------------------ */
/* pipe / unix / eventfd: a write and a read back on one thread.       */

/* Beyond this, one thread writing then reading would block on itself. */
#define LOOPBACK_MAX 65536

/* What one now_ns() costs: subtracted from the write side's readings. */
static double clock_cost_ns(void)
{
	enum { N = 10000 };
	uint64_t t0 = now_ns(), sink = 0;

	for (int i = 0; i < N; i++)
		sink += now_ns();
	asm volatile("" : : "r"(sink) : "memory");
	return (double)(now_ns() - t0) / N;
}

/*
 * ns: one write and one read back; write_ns: the write (send) alone,
 * from a clock reading on each side of it, less one reading's cost.
 */
/* Each round writes (sends) `batch` messages of `size` bytes, then reads   */
/* (receives) them back; ns: a message's write and read, write_ns: its    */
/* write. A pipe's small messages written in a batch share a slot.        */
static void loopback(int wfd, int rfd, uint64_t size, uint64_t iters,
		     uint64_t batch, int is_socket)
{
	uint64_t w = warmup_of(iters), t0 = 0, in_write = 0;
	char *buf = alloc_touched(size, 'x');
	double clock_ns = clock_cost_ns();

	for (uint64_t i = 0; i < w + iters; i++) {
		uint64_t ta;

		if (i == w)
			t0 = now_ns();
		ta = now_ns();
		for (uint64_t k = 0; k < batch; k++) {
			if (is_socket)	/* send(2) on a socketpair(2) */
				send_all(wfd, buf, size, "send");
			else		/* write(2) on a pipe(7) */
				write_all(wfd, buf, size, "write(pipe)");
		}
		if (i >= w)
			in_write += now_ns() - ta;
		for (uint64_t k = 0; k < batch; k++) {
			if (is_socket)
				recv_all(rfd, buf, size, "recv");
			else
				read_all(rfd, buf, size, "read(pipe)");
		}
	}
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)(iters * batch));
	json_num("write_ns", ((double)in_write / (double)iters - clock_ns) / (double)batch);
	free(buf);
}

static void bench_pipe(struct args *a)
{
	uint64_t size = arg_u64(a, "size", 64, 1, LOOPBACK_MAX);
	uint64_t batch = arg_u64(a, "batch", 1, 1, 1024);
	uint64_t iters = arg_u64(a, "iters", iters_for(80u << 20, size, 1000, 20000), 1, UINT64_MAX / 2);
	int fds[2];

	args_done(a);
	pin_self(0);
	if (pipe2(fds, 0) < 0)
		fail("pipe2");
	/* The whole batch must fit (pipe(7), "Pipe capacity"). */
	if (fcntl(fds[1], F_GETPIPE_SZ) < (int)(size * batch) &&
	    fcntl(fds[1], F_SETPIPE_SZ, (int)(size * batch)) < 0)
		fail("fcntl(F_SETPIPE_SZ)");
	loopback(fds[1], fds[0], size, iters, batch, 0);
}

static void bench_unix(struct args *a)
{
	uint64_t size = arg_u64(a, "size", 64, 1, LOOPBACK_MAX);
	uint64_t iters = arg_u64(a, "iters", iters_for(80u << 20, size, 1000, 20000), 1, UINT64_MAX / 2);
	int fds[2], sndbuf;
	socklen_t len = sizeof(sndbuf);

	args_done(a);
	pin_self(0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		fail("socketpair");
	/* The whole message must fit in the send buffer (socket(7)
	 * SO_SNDBUF); the default (212992) always does. */
	if (getsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0)
		fail("getsockopt(SO_SNDBUF)");
	if (sndbuf < 2 * (int)size) {
		sndbuf = 2 * (int)size;
		if (setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
			fail("setsockopt(SO_SNDBUF)");
	}
	loopback(fds[0], fds[1], size, iters, 1, 1);
}

/* ------------------------------------------------------------------ */
/* handoff: a pipe(7) or unix(7) stream socket whose two ends take      */
/* turns on two CPUs: CPU 0 writes (sends) `size` bytes, then CPU 1     */
/* reads (receives) them, each told its turn by a flag it spins on, so  */
/* neither ever sleeps and each call finds the object's shared lines    */
/* where the other CPU left them. Timed: each call, less the timing's   */
/* own cost. ns: a write and its read; write_ns: the write alone;       */
/* write_lumps_ns, read_lumps_ns: what each side's calls have above     */
/* their median, per call (calls up to LUMP_MAX_NS above it: longer     */
/* ones are the vCPU descheduled, not the call): a pipe's occasional    */
/* lumps, its pages' list refilled by the writer's CPU from the buddy   */
/* allocator, drained by the reader's.                                  */

#define LUMP_MAX_NS 2000000ull

/* The mean of what the sorted calls have above their median, up to LUMP_MAX_NS. */
static double lumps_per_call(const uint64_t *sorted, uint64_t n)
{
	uint64_t median = sorted[n / 2];
	double sum = 0;

	for (uint64_t i = n / 2; i < n; i++)
		if (sorted[i] - median <= LUMP_MAX_NS)
			sum += (double)(sorted[i] - median);
	return sum / (double)n;
}

struct handoff {
	_Alignas(CACHELINE) uint64_t turn;	/* even: CPU 0 writes; odd: CPU 1 reads */
	_Alignas(CACHELINE) int wfd, rfd, is_socket;
	uint64_t size, total, from;	/* rounds, and the first timed one */
	uint64_t read_sum;
	uint64_t *reads;	/* each timed read */
};

static void *handoff_reader(void *arg)
{
	struct handoff *h = arg;
	char *buf = alloc_touched(h->size, 1);

	pin_self(other_cpu());
	for (uint64_t i = 0; i < h->total; i++) {
		uint64_t t0;

		while (load_acq(&h->turn) != 2 * i + 1)
			spin_pause();
		t0 = now_ns();
		if (h->is_socket)
			recv_all(h->rfd, buf, h->size, "recv");
		else
			read_all(h->rfd, buf, h->size, "read(pipe)");
		if (i >= h->from) {
			uint64_t dt = now_ns() - t0;

			h->read_sum += dt;
			h->reads[i - h->from] = dt;
		}
		store_rel(&h->turn, 2 * i + 2);
	}
	free(buf);
	return NULL;
}

static void bench_handoff(struct args *a)
{
	static struct handoff h;
	static const char *const mechs[] = { "pipe", "unix", NULL };
	int is_socket = arg_choice(a, "mech", mechs, 0);
	uint64_t size = arg_u64(a, "size", 64, 1, LOOPBACK_MAX);
	uint64_t iters = arg_u64(a, "iters", iters_for(40u << 20, size, 1000, 20000), 1, UINT64_MAX / 4);
	uint64_t w = warmup_of(iters), write_sum = 0;
	uint64_t *writes;
	double timer_ns;
	char *buf;
	int fds[2];
	pthread_t t;

	args_done(a);
	writes = calloc(iters, sizeof(*writes));
	h.reads = calloc(iters, sizeof(*h.reads));
	if (!writes || !h.reads)
		fail("calloc");
	pin_self(0);
	if (is_socket ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0 : pipe2(fds, 0) < 0)
		fail(is_socket ? "socketpair" : "pipe2");
	/* the whole message fits: a pipe's 16 pages, a socket's default send buffer */
	timer_ns = timing_cost_ns();
	h.is_socket = is_socket;
	h.wfd = is_socket ? fds[0] : fds[1];
	h.rfd = is_socket ? fds[1] : fds[0];
	h.size = size;
	h.total = w + iters;
	h.from = w;
	buf = alloc_touched(size, 2);
	thread_start(&t, handoff_reader, &h);
	for (uint64_t i = 0; i < h.total; i++) {
		uint64_t t0;

		while (load_acq(&h.turn) != 2 * i)
			spin_pause();
		t0 = now_ns();
		if (is_socket)
			send_all(h.wfd, buf, size, "send");
		else
			write_all(h.wfd, buf, size, "write(pipe)");
		if (i >= w) {
			uint64_t dt = now_ns() - t0;

			write_sum += dt;
			writes[i - w] = dt;
		}
		store_rel(&h.turn, 2 * i + 1);
	}
	thread_join(t);
	qsort(writes, iters, sizeof(*writes), cmp_u64);
	qsort(h.reads, iters, sizeof(*h.reads), cmp_u64);
	{
		double write_ns = (double)write_sum / (double)iters - timer_ns;
		double read_ns = (double)h.read_sum / (double)iters - timer_ns;

		json_begin();
		json_num("ns", (write_ns > 0 ? write_ns : 0) + (read_ns > 0 ? read_ns : 0));
		json_num("write_ns", write_ns > 0 ? write_ns : 0);
		json_num("read_ns", read_ns > 0 ? read_ns : 0);
		json_num("write_lumps_ns", lumps_per_call(writes, iters));
		json_num("read_lumps_ns", lumps_per_call(h.reads, iters));
		json_num("timer_ns", timer_ns);
	}
	free(writes);
	free(h.reads);
	free(buf);
	close(fds[0]);
	close(fds[1]);
}

static void bench_eventfd(struct args *a)
{
	uint64_t iters = arg_u64(a, "iters", 50000, 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), t0 = 0;
	int fd;

	args_done(a);
	pin_self(0);
	fd = eventfd(0, 0);	/* eventfd(2) */
	if (fd < 0)
		fail("eventfd");
	for (uint64_t i = 0; i < w + iters; i++) {
		if (i == w)
			t0 = now_ns();
		efd_post(fd);
		if (efd_take(fd) != 1)
			fail_msg("read(eventfd): unexpected counter");
	}
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)iters);
}

/* ------------------------------------------------------------------ */
/* fdref: what a call on a descriptor pays once the process's table of  */
/* descriptors is shared (a second thread: files->count 2), where fdget */
/* takes a reference on the file and drops it at the call's end. The    */
/* calls: an eventfd written and read back, as the eventfd bench. In    */
/* rounds: alone, with a second thread asleep in the process, alone     */
/* again once it has gone. ns: a call's share, the median over the      */
/* rounds of the shared calls' mean less the two alone ones'.           */

#define FDREF_ROUNDS 7

static void *fdref_sleeper(void *arg)
{
	efd_take(*(int *)arg);	/* asleep until the round is over */
	return NULL;
}

/* The mean ns of one call of `iters` write(2)-and-read(2) pairs on eventfd `fd`. */
static double fdref_calls(int fd, uint64_t iters)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		efd_post(fd);
		if (efd_take(fd) != 1)
			fail_msg("read(eventfd): unexpected counter");
	}
	return (double)(now_ns() - t0) / (double)(2 * iters);
}

static void bench_fdref(struct args *a)
{
	uint64_t iters = arg_u64(a, "iters", 50000, 1, UINT64_MAX / 2);
	double diff[FDREF_ROUNDS], alone = 0, shared = 0;
	int fd, wake;

	args_done(a);
	pin_self(0);
	fd = eventfd(0, 0);
	wake = eventfd(0, 0);
	if (fd < 0 || wake < 0)
		fail("eventfd");
	fdref_calls(fd, warmup_of(iters));
	for (int r = 0; r < FDREF_ROUNDS; r++) {
		double before = fdref_calls(fd, iters), with, after;
		pthread_t t;

		thread_start(&t, fdref_sleeper, &wake);
		usleep(1000);	/* until it sleeps */
		with = fdref_calls(fd, iters);
		efd_post(wake);
		thread_join(t);
		usleep(1000);	/* its exit_files() follows the join's wake-up */
		after = fdref_calls(fd, iters);

		diff[r] = with - (before + after) / 2;
		alone += (before + after) / 2;
		shared += with;
	}
	qsort(diff, FDREF_ROUNDS, sizeof(diff[0]), cmp_double);
	json_begin();
	json_num("ns", diff[FDREF_ROUNDS / 2]);
	json_num("alone_ns", alone / FDREF_ROUNDS);
	json_num("shared_ns", shared / FDREF_ROUNDS);
	close(fd);
	close(wake);
}

/* ------------------------------------------------------------------ */
/* switch: two threads on CPU 0 hand a token back and forth through two */
/* eventfds, each blocking in read(2) until the other writes: a round  */
/* trip is two eventfd writes, two reads and two task switches on one */
/* CPU (no IPI, no idle CPU), as lmbench's lat_ctx times them.         */

struct pingpong {
	int to_peer, to_main;
	uint64_t total;
};

static void *switch_peer(void *arg)
{
	struct pingpong *pp = arg;

	pin_self(0);
	for (uint64_t i = 0; i < pp->total; i++) {
		efd_take(pp->to_peer);
		efd_post(pp->to_main);
	}
	return NULL;
}

static void bench_switch(struct args *a)
{
	static struct pingpong pp;
	uint64_t iters = arg_u64(a, "iters", 20000, 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), t0 = 0;
	pthread_t t;

	args_done(a);
	pin_self(0);
	pp.to_peer = eventfd(0, 0);	/* eventfd(2) */
	pp.to_main = eventfd(0, 0);
	if (pp.to_peer < 0 || pp.to_main < 0)
		fail("eventfd");
	pp.total = w + iters;
	thread_start(&t, switch_peer, &pp);
	for (uint64_t i = 0; i < pp.total; i++) {
		if (i == w)
			t0 = now_ns();
		efd_post(pp.to_peer);
		efd_take(pp.to_main);
	}
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)iters);
	thread_join(t);
	close(pp.to_peer);
	close(pp.to_main);
}

/* ------------------------------------------------------------------ */
/* wake: wake-up latency of a task blocked in read(2) on an eventfd,   */
/* woken by write(2) from the other CPU (try_to_wake_up()).            */

struct wake {
	_Alignas(CACHELINE) uint64_t asleep;	/* T: about to block for #asleep */
	_Alignas(CACHELINE) uint64_t woke;	/* T: t2 of #woke is published */
	uint64_t t2;
	_Alignas(CACHELINE) uint64_t stop, spinning;	/* the SCHED_IDLE spinner */
	uint64_t total;
	int fd;
};

static void *wake_target(void *arg)
{
	struct wake *k = arg;

	pin_self(other_cpu());
	for (uint64_t i = 1; i <= k->total; i++) {
		store_rel(&k->asleep, i);
		efd_take(k->fd);
		k->t2 = now_ns();
		store_rel(&k->woke, i);
	}
	return NULL;
}

/* Keeps the other CPU busy at the lowest priority: sched(7) SCHED_IDLE
 * (sched_setscheduler(2) on the calling thread). */
static void *wake_spinner(void *arg)
{
	struct wake *k = arg;
	struct sched_param sp = { .sched_priority = 0 };

	pin_self(other_cpu());
	if (sched_setscheduler(0, SCHED_IDLE, &sp) < 0)
		fail("sched_setscheduler(SCHED_IDLE)");
	store_rel(&k->spinning, 1);
	while (!load_acq(&k->stop))
		cpu_relax();
	return NULL;
}

static void bench_wake(struct args *a)
{
	static const char *const targets[] = { "idle", "busy", NULL };
	static struct wake k;
	int busy = arg_choice(a, "target", targets, 0);
	uint64_t gap = arg_u64(a, "gap_ns", 1000000, 0, 10000000000ull);
	uint64_t iters = arg_u64(a, "iters", 100, 1, 100000000);
	uint64_t w = warmup_of(iters);
	uint64_t *lat, *cost;
	pthread_t target, spinner;

	args_done(a);
	pin_self(0);
	lat = calloc(iters, sizeof(*lat));
	cost = calloc(iters, sizeof(*cost));
	if (!lat || !cost)
		fail("calloc");
	k.total = w + iters;
	k.fd = eventfd(0, 0);
	if (k.fd < 0)
		fail("eventfd");
	if (busy) {
		thread_start(&spinner, wake_spinner, &k);
		while (!load_acq(&k.spinning))
			spin_pause();
	}
	thread_start(&target, wake_target, &k);

	for (uint64_t i = 1; i <= k.total; i++) {
		uint64_t t0, t1;

		while (load_acq(&k.asleep) != i)
			spin_pause();
		spin_until(now_ns(), gap);
		t0 = now_ns();
		efd_post(k.fd);
		t1 = now_ns();
		while (load_acq(&k.woke) != i)
			spin_pause();
		if (i > w) {
			lat[i - w - 1] = k.t2 - t0;
			cost[i - w - 1] = t1 - t0;
		}
	}
	thread_join(target);
	if (busy) {
		store_rel(&k.stop, 1);
		thread_join(spinner);
	}

	qsort(lat, iters, sizeof(*lat), cmp_u64);
	qsort(cost, iters, sizeof(*cost), cmp_u64);
	json_begin();
	json_num("ns", percentile(lat, iters, 0.5));
	json_num("waker_ns", percentile(cost, iters, 0.5));
	json_num("p10_ns", percentile(lat, iters, 0.1));
	json_num("p90_ns", percentile(lat, iters, 0.9));
	free(lat);
	free(cost);
}

/* ------------------------------------------------------------------ */
/* nop: one IORING_OP_NOP through io_uring_enter(2), submit and wait.  */

static void bench_nop(struct args *a)
{
	unsigned flags = arg_ring_flags(a);
	uint64_t iters = arg_u64(a, "iters", 100000, 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), t0 = 0;
	struct uring r;

	args_done(a);
	pin_self(0);
	uring_init(&r, 8, 0, flags);
	for (uint64_t i = 0; i < w + iters; i++) {
		struct io_uring_sqe *sqe;
		struct io_uring_cqe *cqe;

		if (i == w)
			t0 = now_ns();
		sqe = uring_sqe(&r);
		sqe->opcode = IORING_OP_NOP;
		sqe->user_data = i;
		uring_submit_wait(&r, 1);
		cqe = uring_peek(&r);
		if (!cqe || cqe->user_data != i || cqe->res != 0)
			fail_msg("io_uring NOP: bad completion");
		uring_seen(&r);
	}
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)iters);
	uring_exit(&r);
}

/* ------------------------------------------------------------------ */
/* msg_ring: a stream of IORING_OP_MSG_RING (io_msg_ring()) from ring  */
/* A on CPU 0 to ring B on the other CPU.                              */

struct msgstream {
	_Alignas(CACHELINE) uint64_t b_fd;	/* published by R, +1 so 0 = not yet */
	unsigned flags;
	uint64_t total;
};

static void *msg_receiver(void *arg)
{
	struct msgstream *m = arg;
	struct uring b;
	uint64_t got = 0;

	pin_self(other_cpu());
	uring_init(&b, 256, 512, m->flags);
	store_rel(&m->b_fd, (uint64_t)b.fd + 1);
	while (got < m->total) {
		struct io_uring_cqe *cqe;

		uring_submit_wait(&b, 1);
		while ((cqe = uring_peek(&b))) {
			if (cqe->res != 0)
				fail_msg("io_uring MSG_RING: received res %d", cqe->res);
			got++;
			uring_seen(&b);
		}
	}
	uring_exit(&b);
	return NULL;
}

static void bench_msg_ring(struct args *a)
{
	static struct msgstream m;
	uint64_t iters = arg_u64(a, "iters", 50000, 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), t0 = 0, retries = 0;
	struct uring ra;
	pthread_t t;
	int b_fd;

	m.flags = arg_ring_flags(a);
	args_done(a);
	pin_self(0);
	m.total = w + iters;
	thread_start(&t, msg_receiver, &m);
	uring_init(&ra, 8, 0, m.flags);
	while (!load_acq(&m.b_fd))
		spin_pause();
	b_fd = (int)(m.b_fd - 1);

	for (uint64_t i = 0; i < m.total; i++) {
		struct io_uring_cqe *cqe;
		int res;

		if (i == w)
			t0 = now_ns();
		do {
			prep_msg_ring(uring_sqe(&ra), b_fd, i, i);
			uring_submit_wait(&ra, 1);
			cqe = uring_peek(&ra);
			if (!cqe)
				fail_msg("io_uring MSG_RING: no completion");
			res = cqe->res;
			uring_seen(&ra);
			if (res == -EOVERFLOW || res == -EAGAIN)
				retries++;
			else if (res < 0)
				fail_err("io_uring MSG_RING", -res);
		} while (res < 0);
	}
	json_begin();
	json_num("ns", (double)(now_ns() - t0) / (double)iters);
	json_int("retries", retries);
	thread_join(t);
	uring_exit(&ra);
}

/* ------------------------------------------------------------------ */
/* interrupts: what a running task loses to interrupts (the tick and   */
/* the others) while it spins on CPU 0 for `ms` milliseconds.          */

/*
 * The loop reads the clock back to back; a gap of at least `min_gap_ns`
 * between two readings is time the CPU spent elsewhere (an interrupt and,
 * on a VM, the exits it causes). Gaps of `max_gap_ns` or more are the
 * host running something else on this vCPU, not an interrupt: counted
 * apart. ns: the interrupts' time a second; gaps_per_s: how many a second;
 * median_gap_ns: the median interrupt; preempted_ns: the longer gaps' time.
 */
static void bench_interrupts(struct args *a)
{
	enum { MAX_GAPS = 1 << 16 };
	static uint64_t gaps[MAX_GAPS];
	uint64_t ms = arg_u64(a, "ms", 100, 1, 60000);
	uint64_t min_gap = arg_u64(a, "min_gap_ns", 2000, 100, 1000000);
	uint64_t max_gap = arg_u64(a, "max_gap_ns", 1000000, 1000, UINT64_MAX / 2);
	uint64_t t0, end, prev, stolen = 0, preempted = 0, n = 0, seconds_ns;

	args_done(a);
	pin_self(0);
	t0 = now_ns();
	end = t0 + ms * 1000000u;
	prev = t0;
	while (prev < end) {
		uint64_t t = now_ns(), gap = t - prev;

		if (gap >= max_gap) {
			preempted += gap;
		} else if (gap >= min_gap) {
			stolen += gap;
			if (n < MAX_GAPS)
				gaps[n] = gap;
			n++;
		}
		prev = t;
	}
	seconds_ns = prev - t0;
	if (n > MAX_GAPS)
		n = MAX_GAPS;
	qsort(gaps, n, sizeof(gaps[0]), cmp_u64);
	json_begin();
	json_num("ns", (double)stolen * 1e9 / (double)seconds_ns);
	json_num("gaps_per_s", (double)n * 1e9 / (double)seconds_ns);
	json_num("median_gap_ns", n ? (double)gaps[n / 2] : 0.0);
	json_num("preempted_ns", (double)preempted * 1e9 / (double)seconds_ns);
}

static const struct bench benches[] = {
	{ "syscall", bench_syscall },
	{ "memcpy", bench_memcpy },
	{ "memcpy_remote", bench_memcpy_remote },
	{ "memcpy_ring", bench_memcpy_ring },
	{ "cacheline", bench_cacheline },
	{ "switch", bench_switch },
	{ "pipe", bench_pipe },
	{ "unix", bench_unix },
	{ "handoff", bench_handoff },
	{ "eventfd", bench_eventfd },
	{ "fdref", bench_fdref },
	{ "wake", bench_wake },
	{ "nop", bench_nop },
	{ "msg_ring", bench_msg_ring },
	{ "interrupts", bench_interrupts },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bench_main(benches, argc, argv);
}
