/*
 * agentd_native.node: the few system calls Node does not expose, as synchronous N-API functions.
 * Failures throw errors shaped like Node's own system errors: message "<syscall> <CODE>: <text>",
 * `code` (errno name), `errno` (negative, as in Node), `syscall`, and `path`/`address`/`port` when
 * they help. See addon.ts for the typed surface and what each function is for.
 */
#include <node_api.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

/* ---- errors ---- */

static napi_value throw_system(napi_env env, int err, const char *syscall_name, const char *code,
                               const char *text, const char *path, const char *address, int port) {
  char msg[PATH_MAX + 256];
  char lowered[160];
  snprintf(lowered, sizeof lowered, "%s", text);
  lowered[0] = (char)tolower((unsigned char)lowered[0]);
  int n = snprintf(msg, sizeof msg, "%s %s: %s", syscall_name, code, lowered);
  if (path) snprintf(msg + n, sizeof msg - (size_t)n, " %s", path);
  else if (address) snprintf(msg + n, sizeof msg - (size_t)n, " %s:%d", address, port);

  napi_value js_code, js_msg, error, v;
  CHECK(napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code));
  CHECK(napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg));
  CHECK(napi_create_error(env, js_code, js_msg, &error));
  CHECK(napi_create_int32(env, -err, &v));
  CHECK(napi_set_named_property(env, error, "errno", v));
  CHECK(napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, error, "syscall", v));
  if (path) {
    CHECK(napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, error, "path", v));
  }
  if (address) {
    CHECK(napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, error, "address", v));
    CHECK(napi_create_int32(env, port, &v));
    CHECK(napi_set_named_property(env, error, "port", v));
  }
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall_name, const char *path) {
  const char *code = strerrorname_np(err);
  return throw_system(env, err, syscall_name, code ? code : "UNKNOWN", strerror(err), path, NULL, 0);
}

/* ---- arguments ---- */

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return 0;
  }
  return 1;
}

static int get_int(napi_env env, napi_value v, const char *name, int min, int max, int *out) {
  napi_valuetype t;
  double d;
  char msg[96];
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t != napi_number) {
    snprintf(msg, sizeof msg, "%s must be a number", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  /* Range first: it also rejects NaN and infinities before the integer cast below sees them. */
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= min && d <= max) || d != (double)(long long)d) {
    snprintf(msg, sizeof msg, "%s must be an integer from %d to %d", name, min, max);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return 0;
  }
  *out = (int)d;
  return 1;
}

static int get_fd(napi_env env, napi_value v, const char *name, int *out) {
  return get_int(env, v, name, 0, INT_MAX, out);
}

/* A string that fits in cap bytes with its NUL; longer ones are refused, never truncated. */
static int get_str(napi_env env, napi_value v, const char *name, char *buf, size_t cap) {
  napi_valuetype t;
  size_t len;
  char msg[96];
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t != napi_string) {
    snprintf(msg, sizeof msg, "%s must be a string", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return 0;
  if (len >= cap) {
    snprintf(msg, sizeof msg, "%s is longer than %zu bytes", name, cap - 1);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return 0;
  }
  return napi_get_value_string_utf8(env, v, buf, cap, &len) == napi_ok;
}

static napi_value make_int(napi_env env, int value) {
  napi_value v;
  CHECK(napi_create_int32(env, value, &v));
  return v;
}

static napi_value set_int(napi_env env, napi_value obj, const char *key, long long value) {
  napi_value v;
  CHECK(napi_create_int64(env, value, &v));
  CHECK(napi_set_named_property(env, obj, key, v));
  return obj;
}

/* ---- lockHolder(path) ---- */

static napi_value lock_holder(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[PATH_MAX];
  if (!get_args(env, info, 1, argv) || !get_str(env, argv[0], "path", path, sizeof path)) return NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? make_int(env, 0) : throw_errno(env, errno, "open", path);
  int r;
  while ((r = flock(fd, LOCK_SH | LOCK_NB)) < 0 && errno == EINTR) {}
  if (r == 0) { /* nobody holds it; closing the fd releases our probe at once */
    close(fd);
    return make_int(env, 0);
  }
  if (errno != EWOULDBLOCK) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "flock", path);
  }
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  close(fd);
  long pid = -1;
  if (n > 0) {
    buf[n] = '\0';
    char *end;
    pid = strtol(buf, &end, 10);
    if (end == buf || pid <= 0 || pid > INT_MAX) pid = -1;
  }
  return make_int(env, (int)pid);
}

/* ---- removeStaleFiles(pidfile, socket) ---- */

/* Removes what a dead core left (a core killed with SIGKILL cannot remove its own files), and only
 * under the lock: while we hold it no core can start, and the inode check makes sure the file we
 * locked is still the one at that path. A short-lived LOCK_SH probe (lockHolder) is retried past. */
static napi_value remove_stale_files(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char pidfile[PATH_MAX], sock[PATH_MAX];
  if (!get_args(env, info, 2, argv) || !get_str(env, argv[0], "pidfile", pidfile, sizeof pidfile)
      || !get_str(env, argv[1], "socket", sock, sizeof sock)) return NULL;
  napi_value result;
  CHECK(napi_get_boolean(env, false, &result));
  int fd = open(pidfile, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno == ENOENT ? result : throw_errno(env, errno, "open", pidfile);
  int locked = 0;
  for (int i = 0; i < 10 && !locked; i++) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) locked = 1;
    else if (errno == EINTR) i--;
    else if (errno == EWOULDBLOCK) usleep(500);
    else break;
  }
  struct stat held, now;
  if (locked && fstat(fd, &held) == 0 && stat(pidfile, &now) == 0 && held.st_dev == now.st_dev && held.st_ino == now.st_ino) {
    if (unlink(sock) < 0 && errno != ENOENT) { int err = errno; close(fd); return throw_errno(env, err, "unlink", sock); }
    if (unlink(pidfile) < 0 && errno != ENOENT) { int err = errno; close(fd); return throw_errno(env, err, "unlink", pidfile); }
    CHECK(napi_get_boolean(env, true, &result));
  }
  close(fd);
  return result;
}

/* ---- peerCredentials(fd) ---- */

static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  napi_value argv[1], obj;
  int fd;
  if (!get_args(env, info, 1, argv) || !get_fd(env, argv[0], "fd", &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return throw_errno(env, errno, "getsockopt", NULL);
  CHECK(napi_create_object(env, &obj));
  if (!set_int(env, obj, "pid", cred.pid) || !set_int(env, obj, "uid", cred.uid) || !set_int(env, obj, "gid", cred.gid)) return NULL;
  return obj;
}

/* ---- sdNotify(state) ---- */

static napi_value sd_notify(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char state[4096];
  if (!get_args(env, info, 1, argv) || !get_str(env, argv[0], "state", state, sizeof state)) return NULL;
  const char *target = getenv("NOTIFY_SOCKET");
  if (!target || !*target) {
    CHECK(napi_get_boolean(env, false, &result));
    return result;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t len = strlen(target);
  if (len >= sizeof addr.sun_path) return throw_errno(env, ENAMETOOLONG, "connect", target);
  memcpy(addr.sun_path, target, len);
  /* '@' names the abstract namespace: a leading NUL, and the length says where the name ends. */
  if (target[0] == '@') addr.sun_path[0] = '\0';
  socklen_t addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (target[0] == '@' ? 0 : 1));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", NULL);
  ssize_t n;
  while ((n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addrlen)) < 0 && errno == EINTR) {}
  int err = errno;
  close(fd);
  if (n < 0) return throw_errno(env, err, "sendto", target);
  CHECK(napi_get_boolean(env, true, &result));
  return result;
}

/* ---- socketPair() ---- */

static napi_value socket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  napi_value arr;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return throw_errno(env, errno, "socketpair", NULL);
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok ||
      napi_set_element(env, arr, 0, make_int(env, sv[0])) != napi_ok ||
      napi_set_element(env, arr, 1, make_int(env, sv[1])) != napi_ok) {
    close(sv[0]);
    close(sv[1]);
    return NULL;
  }
  return arr;
}

/* ---- sendFd(socket, fd) / recvFd(socket) ---- */

/* Waits for readiness when the socket is non-blocking (Node sets O_NONBLOCK on fds it wraps), so
 * both functions behave the same on blocking and non-blocking sockets. */
static int wait_ready(int fd, short events) {
  struct pollfd p = { .fd = fd, .events = events };
  int r;
  while ((r = poll(&p, 1, -1)) < 0 && errno == EINTR) {}
  return r;
}

static napi_value send_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int sock, fd;
  if (!get_args(env, info, 2, argv) || !get_fd(env, argv[0], "socket", &sock) || !get_fd(env, argv[1], "fd", &fd)) return NULL;
  char byte = 0;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  for (;;) {
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return NULL;
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_ready(sock, POLLOUT) >= 0) continue;
    return throw_errno(env, errno, "sendmsg", NULL);
  }
}

static napi_value recv_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int sock;
  if (!get_args(env, info, 1, argv) || !get_fd(env, argv[0], "socket", &sock)) return NULL;
  char byte;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  /* Room for several fds, so that a sender passing more than one cannot make us lose (leak) them. */
  union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int) * 16)]; } control;
  struct msghdr msg;
  ssize_t n;
  for (;;) {
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_ready(sock, POLLIN) >= 0) continue;
    return throw_errno(env, errno, "recvmsg", NULL);
  }
  if (n == 0) return throw_system(env, 4095, "recvmsg", "EOF", "end of file: the peer closed the socket", NULL, NULL, 0);
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (fd < 0) fd = got;
      else close(got);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) {
    if (fd >= 0) close(fd);
    return throw_errno(env, EMSGSIZE, "recvmsg", NULL);
  }
  if (fd < 0) return throw_errno(env, EBADMSG, "recvmsg", NULL);
  return make_int(env, fd);
}

/* ---- listenTcp(host, port, backlog) ---- */

static napi_value listen_tcp(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char host[256], service[8];
  int port, backlog;
  if (!get_args(env, info, 3, argv) || !get_str(env, argv[0], "host", host, sizeof host) ||
      !get_int(env, argv[1], "port", 0, 65535, &port) || !get_int(env, argv[2], "backlog", INT_MIN, INT_MAX, &backlog))
    return NULL;
  if (backlog <= 0) backlog = 511; /* Node's default */
  snprintf(service, sizeof service, "%d", port);
  struct addrinfo hints, *list;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int gai = getaddrinfo(*host ? host : NULL, service, &hints, &list);
  if (gai == EAI_SYSTEM) return throw_errno(env, errno, "getaddrinfo", NULL);
  if (gai != 0) {
    const char *code = gai == EAI_NONAME ? "ENOTFOUND" : gai == EAI_AGAIN ? "EAI_AGAIN" : "EAI_FAIL";
    return throw_system(env, 0, "getaddrinfo", code, gai_strerror(gai), NULL, host, port);
  }
  /* Try each address in turn (as Node's own bind does not): "localhost" may give ::1 first. */
  int err = EADDRNOTAVAIL;
  const char *failed = "bind";
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) { err = errno; failed = "socket"; continue; }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) { err = errno; failed = "setsockopt"; }
    else if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) { err = errno; failed = "bind"; }
    else if (listen(fd, backlog) < 0) { err = errno; failed = "listen"; }
    else { freeaddrinfo(list); return make_int(env, fd); }
    close(fd);
  }
  freeaddrinfo(list);
  const char *code = strerrorname_np(err);
  return throw_system(env, err, failed, code ? code : "UNKNOWN", strerror(err), NULL, host, port);
}

/* ---- socketAddress(fd) ---- */

static napi_value socket_address(napi_env env, napi_callback_info info) {
  napi_value argv[1], obj, v;
  int fd;
  if (!get_args(env, info, 1, argv) || !get_fd(env, argv[0], "fd", &fd)) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return throw_errno(env, errno, "getsockname", NULL);
  char text[INET6_ADDRSTRLEN];
  int port;
  const char *family;
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
    family = "IPv4";
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
    family = "IPv6";
  } else {
    return throw_errno(env, EAFNOSUPPORT, "getsockname", NULL);
  }
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "address", v));
  CHECK(napi_set_named_property(env, obj, "port", make_int(env, port)));
  CHECK(napi_create_string_utf8(env, family, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "family", v));
  return obj;
}

/* ---- closeFd(fd) ---- */

static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!get_args(env, info, 1, argv) || !get_fd(env, argv[0], "fd", &fd)) return NULL;
  /* On Linux the fd is gone even when close() reports EINTR; retrying could close a reused fd. */
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close", NULL);
  return NULL;
}

/* ---- readerGone(fd) ---- */

/* Whether whoever reads what we write to fd (a pipe's reader, a socket's peer, a terminal) is
 * gone, learnt without writing: a pipe's write end polls POLLERR once it has no reader. So a
 * follow with nothing new to print (`ctl logs -f | head -1`) still ends when its reader does, as
 * GNU `tail -f` does. */
static napi_value reader_gone(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int fd, n;
  if (!get_args(env, info, 1, argv) || !get_fd(env, argv[0], "fd", &fd)) return NULL;
  struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
  do n = poll(&p, 1, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "poll", NULL);
  napi_get_boolean(env, n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0, &result);
  return result;
}

/* ---- becomeSubreaper() ---- */

static napi_value become_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return throw_errno(env, errno, "prctl", NULL);
  return NULL;
}

/* ---- reapChild(pid) ---- */

/* Only ever for a pid the caller knows libuv does not wait for: reaping one of libuv's children
 * here would swallow its exit event. */
static napi_value reap_child(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int pid;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX, &pid)) return NULL;
  pid_t got;
  do got = waitpid(pid, NULL, WNOHANG); while (got < 0 && errno == EINTR);
  napi_value v;
  /* ECHILD: not (or no longer) our child, which is an answer too, not an error. */
  if (got < 0 && errno != ECHILD) return throw_errno(env, errno, "waitpid", NULL);
  CHECK(napi_get_boolean(env, got == pid, &v));
  return v;
}

/* ---- watchParent(pid, graceMs) ---- */

struct parent_watch { pid_t parent; int grace_ms; };

static void sleep_ms(int ms) {
  struct timespec left = { ms / 1000, (long)(ms % 1000) * 1000000L };
  while (nanosleep(&left, &left) < 0 && errno == EINTR) {}
}

/* Blocks until `parent` is no longer this process's parent. A pidfd (Linux 5.3) becomes readable
 * when the process exits, so the thread sleeps in poll() with no wake-up at all while the parent
 * lives: a host must not tick ten times a second for nothing. Opened before the getppid() check,
 * the pidfd is known to be that parent's and not a later process's that reused the pid. Older
 * kernels fall back to looking once a second. */
static void wait_parent_gone(pid_t parent) {
#ifdef SYS_pidfd_open
  int fd = (int)syscall(SYS_pidfd_open, parent, 0);
  if (fd >= 0) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (getppid() == parent && poll(&p, 1, -1) < 0 && errno == EINTR) {}
    close(fd);
    return;
  }
#endif
  while (getppid() == parent) sleep_ms(1000);
}

/* Runs apart from the event loop, so that a process whose JavaScript is stuck in a loop still
 * goes when its parent does. Its signal mask is full: Node's signals go to the other threads. */
static void *watch_parent(void *arg) {
  struct parent_watch w = *(struct parent_watch *)arg;
  free(arg);
  wait_parent_gone(w.parent);
  sleep_ms(w.grace_ms);
  kill(0, SIGKILL);
  return NULL;
}

static napi_value watch_parent_fn(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int parent, grace;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "pid", 1, INT_MAX, &parent)
      || !get_int(env, argv[1], "graceMs", 0, INT_MAX, &grace)) return NULL;
  struct parent_watch *w = malloc(sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "malloc", NULL);
  w->parent = parent;
  w->grace_ms = grace;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t thread;
  int err = pthread_create(&thread, NULL, watch_parent, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) { free(w); return throw_errno(env, err, "pthread_create", NULL); }
  pthread_detach(thread);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor fns[] = {
    { "lockHolder", NULL, lock_holder, NULL, NULL, NULL, napi_enumerable, NULL },
    { "removeStaleFiles", NULL, remove_stale_files, NULL, NULL, NULL, napi_enumerable, NULL },
    { "peerCredentials", NULL, peer_credentials, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sdNotify", NULL, sd_notify, NULL, NULL, NULL, napi_enumerable, NULL },
    { "socketPair", NULL, socket_pair, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sendFd", NULL, send_fd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "recvFd", NULL, recv_fd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "listenTcp", NULL, listen_tcp, NULL, NULL, NULL, napi_enumerable, NULL },
    { "socketAddress", NULL, socket_address, NULL, NULL, NULL, napi_enumerable, NULL },
    { "closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "readerGone", NULL, reader_gone, NULL, NULL, NULL, napi_enumerable, NULL },
    { "becomeSubreaper", NULL, become_subreaper, NULL, NULL, NULL, napi_enumerable, NULL },
    { "reapChild", NULL, reap_child, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watchParent", NULL, watch_parent_fn, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok) return NULL;
  return exports;
}
