/*
 * minimesh-nft-batch: hands nf_tables netlink batches to the kernel for the node agent's
 * nftables mode (apps/node-agent/src/nftables/nft-netlink-batch.ts encodes them). `nft` reads every
 * chain of the ruleset into its cache before it sends a rule or element command (nft 1.0.6:
 * ~60–100 ms at 30,000 chains); a batch that names its table, chains and sets needs no cache.
 *
 * Protocol, one batch after another (the agent may write the next before the answer): stdout
 * says "ready" once the netlink socket is open (a failure before it means nothing was sent);
 * stdin carries frames of a 4-byte length (host byte order) and that many bytes (BATCH_BEGIN,
 * the messages, BATCH_END, as the kernel takes them); stdout answers each frame with one line:
 * "ok", or "err ERRNO SEQ" for the first message the kernel refused (SEQ is its nlmsg_seq; 0
 * and the batch's own errors name the batch). The kernel runs a batch while sendmsg() runs
 * (nfnetlink_rcv_batch), so every answer it has is already queued when sendmsg() returns;
 * messages carry no NLM_F_ACK, so an empty queue means the whole batch was committed. Exit
 * status 0 at the end of stdin; 1 when the socket cannot be opened.
 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static int read_full(void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(0, (char *)buf + got, len - got);
    if (n == 0) return got == 0 ? 0 : -1;
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    got += (size_t)n;
  }
  return 1;
}

/*
 * The first error among the queued answers: 0 when there is none. ENOBUFS (answers lost because
 * the receive buffer overflowed) is reported only when no error message could be read: answers
 * come only for errors, so the batch failed either way, and a readable error says more.
 */
static int drain(int fd, uint32_t *seq) {
  static char buf[1 << 16];
  int first = 0, lost = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        lost = 1;
        continue;
      }
      if (first == 0) {
        first = errno;
        *seq = 0;
      }
      break;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error != 0 && first == 0) {
        first = -e->error;
        *seq = e->msg.nlmsg_seq;
      }
    }
  }
  if (first == 0 && lost) {
    first = ENOBUFS;
    *seq = 0;
  }
  return first;
}

int main(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) {
    fprintf(stderr, "minimesh-nft-batch: netlink socket: %s\n", strerror(errno));
    return 1;
  }
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    fprintf(stderr, "minimesh-nft-batch: bind: %s\n", strerror(errno));
    return 1;
  }
  int one = 1, rcvbuf = 4 << 20;
  /* Errors without a copy of the refused message. */
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready\n");

  char *batch = NULL;
  size_t cap = 0;
  int sndbuf = 0;
  for (;;) {
    uint32_t len;
    int r = read_full(&len, sizeof len);
    if (r == 0) return 0;
    if (r < 0) return 2;
    if (len > cap) {
      free(batch);
      cap = len;
      batch = malloc(cap);
      if (batch == NULL) return 3;
    }
    if (read_full(batch, len) != 1) return 2;
    /* The whole batch goes in one sendmsg(): the socket's send buffer must hold it. */
    if ((int)len + 4096 > sndbuf) {
      sndbuf = (int)len + 4096;
      if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    uint32_t seq = 0;
    int err = 0;
    while (sendto(fd, batch, len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (err == 0) err = drain(fd, &seq);
    if (err == 0) printf("ok\n");
    else printf("err %d %u\n", err, seq);
    /* A first sync's batch (tens of MB) is not kept between syncs: freed, it goes back to the system. */
    if (cap > (1u << 20)) {
      free(batch);
      batch = NULL;
      cap = 0;
    }
  }
}
