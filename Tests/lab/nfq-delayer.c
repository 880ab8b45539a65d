// nfq-delayer: the lab's stand-in for `tc netem delay/reorder` on a kernel
// without sch_netem. nftables queues a host's bridge-port traffic here
// (`queue num N bypass`); each packet is held for DELAY ms (± JITTER ms) and
// then accepted. With REORDER %, a packet skips the delay and so overtakes
// the ones held before it, which is what netem's reorder does.
//
// usage: nfq-delayer QUEUE DELAY_MS JITTER_MS REORDER_PCT
// (duplication is not done here: netlab uses nftables' `dup` for it)
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HELD 8192

struct held { uint32_t id; uint64_t release_ns; };
static struct held held[MAX_HELD];
static int held_count = 0;
static int delay_ms, jitter_ms, reorder_pct;
static volatile sig_atomic_t stop = 0;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle *queue, struct nfgenmsg *message, struct nfq_data *data, void *context) {
    (void)message; (void)context;
    struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(data);
    if (!header) return 0;
    uint32_t id = ntohl(header->packet_id);
    int64_t hold_ms = delay_ms;
    if (jitter_ms > 0) hold_ms += (rand() % (2 * jitter_ms + 1)) - jitter_ms;
    if (reorder_pct > 0 && rand() % 100 < reorder_pct) hold_ms = 0;
    if (hold_ms <= 0 || held_count >= MAX_HELD) {
        return nfq_set_verdict(queue, id, NF_ACCEPT, 0, NULL);
    }
    held[held_count].id = id;
    held[held_count].release_ns = now_ns() + (uint64_t)hold_ms * 1000000ull;
    held_count++;
    return 0;
}

static void on_signal(int number) { (void)number; stop = 1; }

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s QUEUE DELAY_MS JITTER_MS REORDER_PCT\n", argv[0]);
        return 2;
    }
    int queue_number = atoi(argv[1]);
    delay_ms = atoi(argv[2]);
    jitter_ms = atoi(argv[3]);
    reorder_pct = atoi(argv[4]);
    srand((unsigned)now_ns());
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    struct nfq_handle *handle = nfq_open();
    if (!handle) { perror("nfq_open"); return 1; }
    struct nfq_q_handle *queue = nfq_create_queue(handle, queue_number, &on_packet, NULL);
    if (!queue) { perror("nfq_create_queue"); return 1; }
    nfq_set_mode(queue, NFQNL_COPY_META, 0);
    nfq_set_queue_maxlen(queue, MAX_HELD);
    int fd = nfq_fd(handle);
    char buffer[65536] __attribute__((aligned));
    fprintf(stderr, "nfq-delayer: queue %d delay %d ms jitter %d ms reorder %d%%\n", queue_number, delay_ms, jitter_ms, reorder_pct);

    while (!stop) {
        int timeout = -1;
        uint64_t now = now_ns();
        for (int i = 0; i < held_count; i++) {
            int64_t wait = (int64_t)(held[i].release_ns - now) / 1000000;
            if (wait < 0) wait = 0;
            if (timeout < 0 || wait < timeout) timeout = (int)wait;
        }
        struct pollfd descriptor = { .fd = fd, .events = POLLIN };
        int ready = poll(&descriptor, 1, timeout);
        if (ready > 0) {
            int length = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (length > 0) nfq_handle_packet(handle, buffer, length);
        }
        now = now_ns();
        int kept = 0;
        for (int i = 0; i < held_count; i++) {
            if (held[i].release_ns <= now) {
                nfq_set_verdict(queue, held[i].id, NF_ACCEPT, 0, NULL);
            } else {
                held[kept++] = held[i];
            }
        }
        held_count = kept;
    }
    for (int i = 0; i < held_count; i++) nfq_set_verdict(queue, held[i].id, NF_ACCEPT, 0, NULL);
    nfq_destroy_queue(queue);
    nfq_close(handle);
    return 0;
}
