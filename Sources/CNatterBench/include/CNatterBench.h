#ifndef CNATTERBENCH_H
#define CNATTERBENCH_H
#include <stdint.h>

/// One step of the relayed-datagram rate search (natter-bench forwarder-rate):
/// sends `rate` datagrams per second for `seconds` from `send_fd` (connected to
/// the relay) with sendmmsg, each `prefix` (the relay header, `prefix_len` bytes)
/// followed by an inner datagram of `inner_len` bytes that starts with `step`
/// and a sequence number; meanwhile, and for `drain_ms` after, reads `recv_fd`
/// with recvmmsg and counts the datagrams of this step that came back.
typedef struct {
    uint64_t sent;
    uint64_t received;
    double send_seconds;  ///< how long sending took (> seconds when the generator could not keep up)
} bench_step_result;

int bench_blast_step(int send_fd, int recv_fd, const uint8_t *prefix, int prefix_len, int inner_len, uint32_t step,
                     double rate, double seconds, int drain_ms, bench_step_result *result);



/// epoll for natter-bench forwarder-peers (Glibc's module does not export it):
/// each descriptor is registered with a caller's index, which bench_epoll_wait returns.
int bench_epoll_create(void);
int bench_epoll_set(int epoll_fd, int fd, uint32_t index, int want_write, int add);
/// Fills `indexes` and `flags` (bit 0 readable or hung up, bit 1 writable); returns the count.
int bench_epoll_wait(int epoll_fd, uint32_t *indexes, uint32_t *flags, int capacity, int timeout_ms);
#endif
