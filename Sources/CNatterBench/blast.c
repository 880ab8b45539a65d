#define _GNU_SOURCE
#include "CNatterBench.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define BATCH 32
#define MAX_LEN 1400
#define MAX_BURST 64

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Reads everything queued on fd (non-blocking); counts this step's datagrams. */
static uint64_t drain(int fd, uint32_t step, int inner_len) {
    static uint8_t buffers[BATCH][MAX_LEN];
    struct mmsghdr messages[BATCH];
    struct iovec iovecs[BATCH];
    uint64_t count = 0;
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iovecs[i].iov_base = buffers[i];
            iovecs[i].iov_len = MAX_LEN;
            memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
            messages[i].msg_hdr.msg_iov = &iovecs[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, messages, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) return count;
        for (int i = 0; i < n; i++)
            if ((int)messages[i].msg_len == inner_len && get32(buffers[i]) == step) count++;
    }
}

int bench_blast_step(int send_fd, int recv_fd, const uint8_t *prefix, int prefix_len, int inner_len, uint32_t step,
                     double rate, double seconds, int drain_ms, bench_step_result *result) {
    static uint8_t packets[BATCH][MAX_LEN];
    struct mmsghdr messages[BATCH];
    struct iovec iovecs[BATCH];
    int length = prefix_len + inner_len;
    if (length > MAX_LEN || inner_len < 8) return -1;
    for (int i = 0; i < BATCH; i++) {
        memcpy(packets[i], prefix, (size_t)prefix_len);
        memset(packets[i] + prefix_len, 0x42, (size_t)inner_len);
        put32(packets[i] + prefix_len, step);
    }
    uint64_t total = (uint64_t)(rate * seconds);
    uint64_t sent = 0, received = 0;
    double start = now_seconds(), give_up = start + seconds * 2 + 1;
    drain(recv_fd, 0xffffffffu, inner_len); /* stragglers of an earlier step */
    while (sent < total) {
        double now = now_seconds();
        if (now > give_up) break;
        uint64_t due = (uint64_t)((now - start) * rate) + 1;
        if (due > sent + MAX_BURST) {
            /* Descheduled for a while (the machine is shared): do not catch up in one burst, which
             * would measure the relay's queue, not its rate; the lost time lowers the achieved rate. */
            start += (double)(due - sent - MAX_BURST) / rate;
            due = sent + MAX_BURST;
        }
        if (due > total) due = total;
        if (due > sent) {
            int n = (int)(due - sent < BATCH ? due - sent : BATCH);
            for (int i = 0; i < n; i++) {
                put32(packets[i] + prefix_len + 4, (uint32_t)(sent + (uint64_t)i));
                iovecs[i].iov_base = packets[i];
                iovecs[i].iov_len = (size_t)length;
                memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
                messages[i].msg_hdr.msg_iov = &iovecs[i];
                messages[i].msg_hdr.msg_iovlen = 1;
            }
            int done = sendmmsg(send_fd, messages, (unsigned)n, 0);
            if (done < 0) {
                if (errno == EINTR || errno == ENOBUFS || errno == ECONNREFUSED) continue;
                return -errno;
            }
            sent += (uint64_t)done;
        }
        received += drain(recv_fd, step, inner_len);
    }
    result->send_seconds = now_seconds() - start;
    double end = now_seconds() + drain_ms / 1000.0;
    while (now_seconds() < end) {
        received += drain(recv_fd, step, inner_len);
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
    result->sent = sent;
    result->received = received;
    return 0;
}
