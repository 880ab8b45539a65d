#include "CNatterBench.h"
#include <sys/epoll.h>

int bench_epoll_create(void) { return epoll_create1(0); }

int bench_epoll_set(int epoll_fd, int fd, uint32_t index, int want_write, int add) {
    struct epoll_event event = {0};
    event.events = want_write ? EPOLLOUT : EPOLLIN;
    event.data.u32 = index;
    return epoll_ctl(epoll_fd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
}

int bench_epoll_wait(int epoll_fd, uint32_t *indexes, uint32_t *flags, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int n = epoll_wait(epoll_fd, events, capacity, timeout_ms);
    for (int i = 0; i < n; i++) {
        indexes[i] = events[i].data.u32;
        flags[i] = ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ? 1u : 0u) | ((events[i].events & EPOLLOUT) ? 2u : 0u);
    }
    return n;
}
