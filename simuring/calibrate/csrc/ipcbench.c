/*
 * ipcbench.c - real IPC benchmarks that simuring's simulator replays
 * under the same definitions (validation).
 *
 *   ./ipcbench stream mech=pipe|unix_sock|shm_eventfd size=S receivers=R
 *              messages=M [buffer_bytes=65536] [spin_ns=50000]
 *   ./ipcbench msg_ring_pingpong flags=none|sqdt iters=N
 *
 * prints one JSON object with "bench" and "ns" (see common.h for the exit
 * codes).
 */
#include "common.h"

#include <sys/eventfd.h>
#include <sys/socket.h>

#define CACHELINE 64

/* ------------------------------------------------------------------ */
/* stream: one sender thread (CPU 0) streams M messages of S bytes to  */
/* each of R receiver threads, over a pipe(7), a unix(7) stream socket */
/* or a shared-memory ring with eventfd(2) wake-ups.                   */

enum mech { MECH_PIPE, MECH_UNIX, MECH_SHM };

/* The shared part of one shm_eventfd ring (MAP_SHARED|MAP_ANONYMOUS);
 * the slots follow it. */
struct shm_ring {
	_Alignas(CACHELINE) uint64_t head;		/* receiver writes */
	_Alignas(CACHELINE) uint64_t tail;		/* sender writes */
	_Alignas(CACHELINE) uint64_t sender_waiting;	/* either side */
};

#define SHM_HDR 4096	/* slots start on the next page */

struct stream;

struct receiver {
	struct stream *s;
	int cpu;
	int wfd, rfd;			/* pipe / unix_sock: sender's, ours */
	struct shm_ring *ring;		/* shm_eventfd */
	char *slot;			/* slots * size bytes after the header */
	size_t map_len;
	int data_fd, space_fd;
	pthread_t thread;
	long nvcsw, nivcsw;		/* its context switches (getrusage(2) RUSAGE_THREAD) */
	uint64_t cpu_ns;		/* its CPU time, user and system */
};

struct stream {
	enum mech mech;
	uint64_t size, receivers, messages, slots, spin_ns;
	pthread_barrier_t ready;
	struct receiver *rx;
};

/* pipe / unix_sock receiver: read(2)/recv(2) at most S bytes a call
 * until S*M bytes arrived. */
static void stream_rx_fd(struct receiver *rc, char *buf)
{
	struct stream *s = rc->s;
	uint64_t left = s->size * s->messages;

	while (left) {
		size_t want = left < s->size ? (size_t)left : (size_t)s->size;
		ssize_t n;

		if (s->mech == MECH_PIPE)
			n = read(rc->rfd, buf, want);
		else
			n = recv(rc->rfd, buf, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(s->mech == MECH_PIPE ? "read(pipe)" : "recv(unix_sock)");
		if (n == 0)
			fail_msg("%s: unexpected end of file",
				 s->mech == MECH_PIPE ? "read(pipe)" : "recv(unix_sock)");
		left -= (uint64_t)n;
	}
}

/* shm_eventfd receiver: take M messages from the ring. */
static void stream_rx_shm(struct receiver *rc, char *buf)
{
	struct stream *s = rc->s;
	struct shm_ring *g = rc->ring;
	uint64_t head = 0, taken = 0;

	while (taken < s->messages) {
		if (load_acq(&g->tail) == head) {
			uint64_t t0 = now_ns();

			while (load_acq(&g->tail) == head && now_ns() - t0 < s->spin_ns)
				cpu_relax();
			if (load_acq(&g->tail) == head) {
				efd_take(rc->data_fd);	/* every tail store is followed by a post */
				continue;
			}
		}
		memcpy(buf, rc->slot + (head % s->slots) * s->size, s->size);
		clobber(buf);
		store_rel(&g->head, ++head);
		/* head store before the flag load (pairs with the sender's fence) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&g->sender_waiting, __ATOMIC_RELAXED)) {
			__atomic_store_n(&g->sender_waiting, 0, __ATOMIC_RELAXED);
			efd_post(rc->space_fd);
		}
		taken++;
	}
}

static void *stream_receiver(void *arg)
{
	struct receiver *rc = arg;
	char *buf = malloc(rc->s->size);
	int err;

	if (!buf)
		fail("malloc");
	pin_self(rc->cpu);
	err = pthread_barrier_wait(&rc->s->ready);
	if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
		fail_err("pthread_barrier_wait", err);
	if (rc->s->mech == MECH_SHM)
		stream_rx_shm(rc, buf);
	else
		stream_rx_fd(rc, buf);
	thread_switches(&rc->nvcsw, &rc->nivcsw, &rc->cpu_ns);
	free(buf);
	return NULL;
}

/* Sender, shm_eventfd: wait while the ring is full (tail - head >= slots):
 * spin up to spin_ns, then raise sender_waiting and block on space_fd. */
static void shm_wait_space(struct stream *s, struct receiver *rc, uint64_t *full_waits)
{
	struct shm_ring *g = rc->ring;
	uint64_t tail = g->tail;	/* only we write it */

	while (tail - load_acq(&g->head) >= s->slots) {
		uint64_t t0 = now_ns();

		while (tail - load_acq(&g->head) >= s->slots && now_ns() - t0 < s->spin_ns)
			cpu_relax();
		if (tail - load_acq(&g->head) < s->slots)
			return;
		__atomic_store_n(&g->sender_waiting, 1, __ATOMIC_RELAXED);
		/* flag store before the head re-check (pairs with the receiver's
		 * fence): one of the two sides sees the other, no lost wake-up */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (tail - load_acq(&g->head) < s->slots) {
			__atomic_store_n(&g->sender_waiting, 0, __ATOMIC_RELAXED);
			return;
		}
		efd_take(rc->space_fd);
		(*full_waits)++;
	}
}

static void shm_send(struct stream *s, struct receiver *rc, const char *msg,
		     uint64_t *full_waits)
{
	struct shm_ring *g = rc->ring;
	uint64_t tail;

	shm_wait_space(s, rc, full_waits);
	tail = g->tail;
	memcpy(rc->slot + (tail % s->slots) * s->size, msg, s->size);
	store_rel(&g->tail, tail + 1);
	efd_post(rc->data_fd);
}

/* write(2) / send(2), blocking; a short return is resent from there. */
static void fd_send(struct stream *s, int fd, const char *msg)
{
	size_t done = 0;

	while (done < s->size) {
		ssize_t n;

		if (s->mech == MECH_PIPE)
			n = write(fd, msg + done, s->size - done);
		else
			n = send(fd, msg + done, s->size - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(s->mech == MECH_PIPE ? "write(pipe)" : "send(unix_sock)");
		done += (size_t)n;
	}
}

/* The per-receiver objects, made by the sender before receivers start. */
static void stream_setup(struct stream *s, struct receiver *rc, unsigned i)
{
	int fds[2];

	rc->s = s;
	rc->cpu = g_ncpu > 1 ? 1 + (int)(i % (unsigned)(g_ncpu - 1)) : 0;
	if (s->mech == MECH_PIPE) {
		if (pipe2(fds, 0) < 0)
			fail("pipe2");
		rc->rfd = fds[0];
		rc->wfd = fds[1];
	} else if (s->mech == MECH_UNIX) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
			fail("socketpair");
		rc->wfd = fds[0];
		rc->rfd = fds[1];
	} else {
		rc->map_len = SHM_HDR + s->slots * s->size;
		rc->ring = mmap(NULL, rc->map_len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (rc->ring == MAP_FAILED)
			fail("mmap");
		memset(rc->ring, 0, rc->map_len);	/* fault the pages in now */
		rc->slot = (char *)rc->ring + SHM_HDR;
		rc->data_fd = eventfd(0, 0);
		rc->space_fd = eventfd(0, 0);
		if (rc->data_fd < 0 || rc->space_fd < 0)
			fail("eventfd");
	}
}

static void stream_teardown(struct stream *s, struct receiver *rc)
{
	if (s->mech == MECH_SHM) {
		munmap(rc->ring, rc->map_len);
		close(rc->data_fd);
		close(rc->space_fd);
	} else {
		close(rc->wfd);
		close(rc->rfd);
	}
}

static void bench_stream(struct args *a)
{
	static const char *const mechs[] = { "pipe", "unix_sock", "shm_eventfd", NULL };
	static struct stream s;
	uint64_t buffer_bytes, w, t_start = 0, t_w = 0, t_end, full_waits = 0;
	long tx_nvcsw, tx_nivcsw, rx_nvcsw = 0, rx_nivcsw = 0;
	uint64_t tx_cpu_ns, rx_cpu_ns = 0;
	char *msg;
	int err;

	s.mech = (enum mech)arg_choice(a, "mech", mechs, MECH_PIPE);
	s.size = arg_u64(a, "size", 64, 1, 1ull << 26);
	s.receivers = arg_u64(a, "receivers", 1, 1, 256);
	s.messages = arg_u64(a, "messages", 10000, 1, 1ull << 40);
	buffer_bytes = arg_u64(a, "buffer_bytes", 65536, 1, 1ull << 30);
	s.spin_ns = arg_u64(a, "spin_ns", 50000, 0, 10000000000ull);
	args_done(a);
	s.slots = buffer_bytes / s.size ? buffer_bytes / s.size : 1;
	w = s.messages / 10;

	pin_self(0);
	msg = malloc(s.size);
	s.rx = calloc(s.receivers, sizeof(*s.rx));
	if (!msg || !s.rx)
		fail("malloc");
	memset(msg, 'm', s.size);
	for (unsigned i = 0; i < s.receivers; i++)
		stream_setup(&s, &s.rx[i], i);
	err = pthread_barrier_init(&s.ready, NULL, (unsigned)s.receivers + 1);
	if (err)
		fail_err("pthread_barrier_init", err);
	for (unsigned i = 0; i < s.receivers; i++)
		thread_start(&s.rx[i].thread, stream_receiver, &s.rx[i]);
	err = pthread_barrier_wait(&s.ready);
	if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
		fail_err("pthread_barrier_wait", err);

	for (uint64_t m = 0; m < s.messages; m++) {
		if (m == 0)
			t_start = now_ns();
		if (m == w)
			t_w = m ? now_ns() : t_start;
		memcpy(msg, &m, s.size < 8 ? (size_t)s.size : 8);
		for (unsigned i = 0; i < s.receivers; i++) {
			if (s.mech == MECH_SHM)
				shm_send(&s, &s.rx[i], msg, &full_waits);
			else
				fd_send(&s, s.rx[i].wfd, msg);
		}
	}
	t_end = now_ns();
	thread_switches(&tx_nvcsw, &tx_nivcsw, &tx_cpu_ns);

	for (unsigned i = 0; i < s.receivers; i++) {
		thread_join(s.rx[i].thread);
		rx_nvcsw += s.rx[i].nvcsw;
		rx_nivcsw += s.rx[i].nivcsw;
		rx_cpu_ns += s.rx[i].cpu_ns;
	}
	json_begin();
	json_num("ns", (double)(t_end - t_w) / (double)(s.messages - w));
	json_num("total_ns_per_msg", (double)(t_end - t_start) / (double)s.messages);
	json_int("elapsed_ns", t_end - t_start);
	json_int("full_waits", full_waits);
	/* per message, over the whole stream: how often each side blocked
	 * (voluntary) and was preempted (involuntary), receivers summed */
	json_num("tx_blocks_per_msg", (double)tx_nvcsw / (double)s.messages);
	json_num("tx_preempted_per_msg", (double)tx_nivcsw / (double)s.messages);
	json_num("rx_blocks_per_msg", (double)rx_nvcsw / (double)s.messages);
	json_num("rx_preempted_per_msg", (double)rx_nivcsw / (double)s.messages);
	json_num("tx_cpu_ns_per_msg", (double)tx_cpu_ns / (double)s.messages);
	json_num("rx_cpu_ns_per_msg", (double)rx_cpu_ns / (double)s.messages);
	for (unsigned i = 0; i < s.receivers; i++)
		stream_teardown(&s, &s.rx[i]);
	pthread_barrier_destroy(&s.ready);
	free(s.rx);
	free(msg);
}

/* ------------------------------------------------------------------ */
/* msg_ring_pingpong: IORING_OP_MSG_RING (io_msg_ring()) round trips   */
/* between two rings, each owned by its own thread.                    */

/* Our own MSG_RING completions carry user_data 0; messages carry the
 * iteration number, from 1. */
#define OWN_CQE 0

struct pingpong {
	_Alignas(CACHELINE) uint64_t fd_a;	/* ring fd + 1; 0 = not yet */
	_Alignas(CACHELINE) uint64_t fd_b;
	unsigned flags;
	uint64_t total;
};

static int wait_fd(uint64_t *slot)
{
	uint64_t v;

	while (!(v = load_acq(slot)))
		spin_pause();
	return (int)(v - 1);
}

/* Submit what is queued, then wait and reap until message `want`
 * arrives; our own MSG_RING completions are checked and dropped. */
static void await_message(struct uring *r, uint64_t want)
{
	int got = 0;

	while (!got) {
		struct io_uring_cqe *cqe;

		uring_submit_wait(r, 1);
		while ((cqe = uring_peek(r))) {
			uint64_t ud = cqe->user_data;
			int res = cqe->res;

			uring_seen(r);
			if (ud == OWN_CQE && res < 0)
				fail_err("io_uring MSG_RING", -res);
			else if (ud == want && res == 0)
				got = 1;
			else if (ud != OWN_CQE)
				fail_msg("io_uring MSG_RING: unexpected message %" PRIu64
					 " (res %d), waiting for %" PRIu64, ud, res, want);
		}
	}
}

static void *pong(void *arg)
{
	struct pingpong *p = arg;
	struct io_uring_cqe *cqe;
	struct uring b;
	int fd_a;

	pin_self(other_cpu());
	uring_init(&b, 8, 0, p->flags);
	store_rel(&p->fd_b, (uint64_t)b.fd + 1);
	fd_a = wait_fd(&p->fd_a);
	for (uint64_t i = 1; i <= p->total; i++) {
		await_message(&b, i);	/* also submits the previous reply */
		prep_msg_ring(uring_sqe(&b), fd_a, i, OWN_CQE);
	}
	uring_submit_wait(&b, 1);	/* the last reply, and its completion */
	while ((cqe = uring_peek(&b))) {
		if (cqe->user_data != OWN_CQE || cqe->res < 0)
			fail_msg("io_uring MSG_RING: bad final completion (res %d)", cqe->res);
		uring_seen(&b);
	}
	uring_exit(&b);
	return NULL;
}

static void bench_msg_ring_pingpong(struct args *a)
{
	static struct pingpong p;
	uint64_t iters = arg_u64(a, "iters", 500, 1, UINT64_MAX / 2);
	uint64_t w = warmup_of(iters), t0 = 0, t1;
	struct uring ra;
	pthread_t t;
	int fd_b;

	p.flags = arg_ring_flags(a);
	args_done(a);
	pin_self(0);
	p.total = w + iters;
	thread_start(&t, pong, &p);
	uring_init(&ra, 8, 0, p.flags);
	store_rel(&p.fd_a, (uint64_t)ra.fd + 1);
	fd_b = wait_fd(&p.fd_b);

	for (uint64_t i = 1; i <= p.total; i++) {
		if (i == w + 1)
			t0 = now_ns();
		prep_msg_ring(uring_sqe(&ra), fd_b, i, OWN_CQE);
		await_message(&ra, i);	/* submit and wait in one call */
	}
	t1 = now_ns();
	thread_join(t);
	json_begin();
	json_num("ns", (double)(t1 - t0) / (double)iters);
	uring_exit(&ra);
}

static const struct bench benches[] = {
	{ "stream", bench_stream },
	{ "msg_ring_pingpong", bench_msg_ring_pingpong },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bench_main(benches, argc, argv);
}
