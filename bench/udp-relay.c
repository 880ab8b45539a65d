/* The raw baseline of make bench's forwarder section: a minimal UDP relay
 * that does what natter-forwarder's datagram path does and nothing else.
 * recvmmsg a batch → for each datagram: check the 6-byte relay header
 * (version 2, type 6, index u32), look the index up (open addressing),
 * check the source address and port, send the inner datagram on to the
 * route's destination → sendmmsg the batch. No budget, no counters, no
 * metrics. Bounded in time.
 *
 *   udp-relay PORT SECONDS INDEX SRC_IP SRC_PORT DST_IP DST_PORT [INDEX SRC_IP SRC_PORT DST_IP DST_PORT]…
 *
 * Built by scripts/bench with: gcc -O2 -o udp-relay bench/udp-relay.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64 /* natter-forwarder reads 64 datagrams per recvmmsg too */
#define MAX_LEN 1500
#define HEADER 6
#define VERSION 2 /* the protocol version (WireConstants.protocolVersion), the header's first byte */
#define SLOTS 1024

struct route {
    uint32_t index; /* 0 = empty (indexes are non-zero) */
    struct sockaddr_in source, destination;
};

static struct route table[SLOTS];

static struct route *lookup(uint32_t index) {
    for (uint32_t i = 0; i < SLOTS; i++) {
        struct route *r = &table[(index * 2654435761u + i) % SLOTS];
        if (r->index == index) return r;
        if (r->index == 0) return NULL;
    }
    return NULL;
}

static void address(struct sockaddr_in *a, const char *ip, const char *port) {
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)atoi(port));
    if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) { fprintf(stderr, "udp-relay: bad address %s\n", ip); exit(2); }
}

int main(int argc, char **argv) {
    if (argc < 8 || (argc - 3) % 5 != 0) {
        fprintf(stderr, "usage: udp-relay PORT SECONDS (INDEX SRC_IP SRC_PORT DST_IP DST_PORT)…\n");
        return 2;
    }
    for (int k = 3; k < argc; k += 5) {
        uint32_t index = (uint32_t)strtoul(argv[k], NULL, 10);
        for (uint32_t i = 0; i < SLOTS; i++) {
            struct route *r = &table[(index * 2654435761u + i) % SLOTS];
            if (r->index == 0) {
                r->index = index;
                address(&r->source, argv[k + 1], argv[k + 2]);
                address(&r->destination, argv[k + 3], argv[k + 4]);
                break;
            }
        }
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local;
    address(&local, "0.0.0.0", argv[1]);
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("udp-relay: bind"); return 1; }
    /* The receive buffer natter-forwarder asks for (ForwarderServer.datagramReceiveBufferBytes),
       so both relays ride out the same scheduling hiccups. */
    int receive_buffer = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    struct timeval timeout = {0, 500000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    time_t deadline = time(NULL) + atoi(argv[2]);
    fprintf(stderr, "udp-relay listening on port %s\n", argv[1]);

    static uint8_t buffers[BATCH][MAX_LEN];
    struct sockaddr_in sources[BATCH];
    struct mmsghdr in[BATCH], out[BATCH];
    struct iovec in_iov[BATCH], out_iov[BATCH];
    while (time(NULL) < deadline) {
        for (int i = 0; i < BATCH; i++) {
            in_iov[i].iov_base = buffers[i];
            in_iov[i].iov_len = MAX_LEN;
            memset(&in[i].msg_hdr, 0, sizeof in[i].msg_hdr);
            in[i].msg_hdr.msg_iov = &in_iov[i];
            in[i].msg_hdr.msg_iovlen = 1;
            in[i].msg_hdr.msg_name = &sources[i];
            in[i].msg_hdr.msg_namelen = sizeof sources[i];
        }
        int n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        int m = 0;
        for (int i = 0; i < n; i++) {
            uint8_t *p = buffers[i];
            if (in[i].msg_len <= HEADER || p[0] != VERSION || p[1] != 6) continue;
            uint32_t index = ((uint32_t)p[2] << 24) | ((uint32_t)p[3] << 16) | ((uint32_t)p[4] << 8) | p[5];
            struct route *r = lookup(index);
            if (!r || r->source.sin_addr.s_addr != sources[i].sin_addr.s_addr || r->source.sin_port != sources[i].sin_port) continue;
            out_iov[m].iov_base = p + HEADER;
            out_iov[m].iov_len = in[i].msg_len - HEADER;
            memset(&out[m].msg_hdr, 0, sizeof out[m].msg_hdr);
            out[m].msg_hdr.msg_iov = &out_iov[m];
            out[m].msg_hdr.msg_iovlen = 1;
            out[m].msg_hdr.msg_name = &r->destination;
            out[m].msg_hdr.msg_namelen = sizeof r->destination;
            m++;
        }
        for (int done = 0; done < m;) {
            int k = sendmmsg(fd, out + done, (unsigned)(m - done), 0);
            if (k <= 0) break; /* a vanished receiver must not stop the relay */
            done += k;
        }
    }
    return 0;
}
