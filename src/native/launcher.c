/*
 * agentd-launcher: start the agentd core under the single-instance lock and report its readiness.
 *
 *   agentd-launcher [--foreground [--init]] --pidfile PATH [--timeout MS] -- /abs/path/node [args...]
 *
 * Daemon mode: take an exclusive flock on PATH, double-fork into a new session, exec the core with
 * the lock on fd 3 (AGENTD_LOCK_FD=3) and a readiness pipe on fd 4 (AGENTD_READY_FD=4), then wait
 * for the core's one line on that pipe. Foreground mode: take the lock, put it on fd 3 and exec the
 * core in this very process (same pid, same stdio), with no readiness pipe. Foreground with --init
 * (what `ctl start --foreground` uses when it is PID 1, in a container): stay as the core's parent,
 * a tiny init — child subreaper, every signal worth passing on forwarded to the core, every orphan
 * below it reaped — and exit with the core's status (128 + N when signal N killed it).
 *
 * Stdout carries exactly one line, and the exit status mirrors it (a contract, see launch.ts):
 *   READY <pid>    0  the core reported ready
 *   ERROR <text>   1  the core failed (its own text, led by its catalogue code: ERROR E_CONFIG_INVALID …), died, or missed the deadline and was stopped
 *   ERROR <text>   2  usage error (synopsis on stderr)
 *   RUNNING <pid>  3  the lock is held by a running core (pid 0 if its pidfile is unreadable)
 *   ERROR <text>   4  a system call of the launcher itself failed
 * On ERROR exit 1 the lock is free again when the launcher exits, so an immediate retry works.
 * Past --timeout the core gets SIGTERM, and may answer `STOPPING <ms>[ <why>]` on the pipe: the time
 * its plugins' graceful stop may take, which it is given before SIGKILL, and what it was still
 * waiting for, which the ERROR line ends with (`… and was stopped: <why>`).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_READY = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_RUNNING = 3, EXIT_SYSTEM = 4 };
enum { LOCK_FD = 3, READY_FD = 4, FIRST_FREE_FD = 5 };
enum { LOCK_RETRIES = 10, LOCK_RETRY_US = 500, LOCK_WAIT_MS = 5000, TERM_WAIT_MS = 2000 };

extern char **environ;

struct options {
  int foreground;
  int init;
  const char *pidfile;
  long timeout_ms;
  char **argv; /* what to execve; argv[0] absolute */
  pid_t parent; /* who started us: `ctl`, which waits on us in the foreground */
};

/* ---- parent-side helpers (never called between fork and exec) ---- */

static void say(const char *fmt, ...) {
  char line[4200];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(STDOUT_FILENO, line + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += (int)w;
  }
}

static void __attribute__((noreturn)) die_system(const char *what, int err) {
  say("ERROR launcher: %s: %s (errno %d)", what, strerror(err), err);
  exit(EXIT_SYSTEM);
}

static void __attribute__((noreturn)) usage(const char *why) {
  say("ERROR usage: %s", why);
  fprintf(stderr, "usage: agentd-launcher [--foreground] --pidfile PATH [--timeout MS] -- /abs/path/node [args...]\n");
  exit(EXIT_USAGE);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_us(long us) {
  struct timespec ts = { us / 1000000L, (us % 1000000L) * 1000L };
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

/* The pid written in the pidfile, 0 when missing or unreadable. */
static pid_t read_pid(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *end;
  long pid = strtol(buf, &end, 10);
  return (end != buf && pid > 0 && pid <= INT_MAX) ? (pid_t)pid : 0;
}

/* 1 while someone holds the flock, 0 when free (or no file). A LOCK_SH probe on a fresh fd, so it
 * never disturbs the holder and is released at once. */
static int lock_held(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int r;
  while ((r = flock(fd, LOCK_SH | LOCK_NB)) < 0 && errno == EINTR) {}
  int held = r < 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

/* Polls rather than blocking in flock(): a blocking flock cut short by an alarm races with the
 * alarm firing before the call starts. Returns 1 once free, 0 at the deadline. */
static int wait_lock_free(const char *path, long timeout_ms) {
  long deadline = now_ms() + timeout_ms;
  for (long pause = 200;; pause = pause < 10000 ? pause * 2 : pause) {
    if (!lock_held(path)) return 1;
    if (now_ms() >= deadline) return 0;
    sleep_us(pause);
  }
}

static int read_line(int fd, char *buf, size_t cap, long deadline);

/* Room for a STOPPING line's reason: the core caps its list of plugins below this. */
#define STOPPING_MAX 1024

/* The ms of a `STOPPING <ms>[ <why>]` line, else 0; `why` (when not NULL) gets the text after the
 * ms, or "" when there is none. */
static long stopping_ms(const char *line, char *why, size_t cap) {
  if (strncmp(line, "STOPPING ", 9) != 0) return 0;
  char *end;
  errno = 0;
  long ms = strtol(line + 9, &end, 10);
  if (errno || (*end != '\0' && *end != ' ') || end == line + 9 || ms <= 0 || ms > INT_MAX) return 0;
  if (why) snprintf(why, cap, "%s", *end == ' ' ? end + 1 : "");
  return ms;
}

/* SIGTERM, then SIGKILL, but only while the lock is still held by that pid: a core that already
 * exited must never cost an unrelated process that reused its pid a signal. Returns 1 once free.
 * A core that heard a SIGTERM answers `STOPPING <ms>` on the readiness pipe (ready_fd, or -1):
 * how long stopping its plugins may take (their stopTimeout). It gets that long before SIGKILL,
 * so that no plugin is killed halfway through a graceful stop; `said_ms` is such an answer to an
 * earlier SIGTERM. A core that does not answer (frozen, or not that far) gets TERM_WAIT_MS. The
 * answer's reason (the plugins it was still starting) goes to `why`, when there is one. */
static int stop_daemon(const char *pidfile, pid_t pid, int ready_fd, long said_ms, char *why, size_t why_cap) {
  if (!lock_held(pidfile)) return 1;
  if (pid <= 0 || read_pid(pidfile) != pid) return 0;
  kill(pid, SIGTERM);
  long until = now_ms() + said_ms + TERM_WAIT_MS;
  char line[STOPPING_MAX + 32];
  long ms = said_ms == 0 && ready_fd >= 0 && read_line(ready_fd, line, sizeof line, until) > 0 ? stopping_ms(line, why, why_cap) : 0;
  if (ms > 0) until = now_ms() + ms + TERM_WAIT_MS;
  long left = until - now_ms();
  if (wait_lock_free(pidfile, left > 0 ? left : 1)) return 1;
  if (read_pid(pidfile) == pid) kill(pid, SIGKILL);
  return wait_lock_free(pidfile, TERM_WAIT_MS);
}

/* The lock is only ours if the file we locked is still the one at `path`: the pidfile is unlinked
 * under its lock (by a stopping core, or by ctl after a killed one), and a lock on an unlinked
 * file would let a second core start beside us on a new one. */
static int still_linked(int fd, const char *path) {
  struct stat held, now;
  return fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev && held.st_ino == now.st_ino;
}

/* A `ctl status` probe holds LOCK_SH for microseconds, so "held" is only believed after a few
 * tries over ~5 ms. Returns the locked fd, or -1 when another core holds it. */
static int take_lock(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) die_system("cannot open the pidfile", errno);
  for (int i = 0;; i++) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      if (still_linked(fd, path)) return fd;
      close(fd);
      fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) die_system("cannot open the pidfile", errno);
      i = -1;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) die_system("cannot lock the pidfile", errno);
    if (i == LOCK_RETRIES) break;
    sleep_us(LOCK_RETRY_US);
  }
  close(fd);
  return -1;
}

/* A copy of environ with our two variables replaced (never duplicated), built before fork. */
static char **build_envp(int with_ready_fd) {
  size_t n = 0;
  while (environ[n]) n++;
  char **envp = malloc((n + 3) * sizeof *envp);
  if (!envp) die_system("cannot allocate the environment", errno);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(environ[i], "AGENTD_LOCK_FD=", 15) == 0 || strncmp(environ[i], "AGENTD_READY_FD=", 16) == 0) continue;
    envp[k++] = environ[i];
  }
  envp[k++] = "AGENTD_LOCK_FD=3";
  if (with_ready_fd) envp[k++] = "AGENTD_READY_FD=4";
  envp[k] = NULL;
  return envp;
}

/* Upper bound for the close() loop used when close_range(2) is missing (Linux < 5.9). Computed
 * before fork because opendir() allocates. Single-threaded, so no fd appears behind our back. */
static int close_limit(void) {
  int max = -1;
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      int fd = atoi(e->d_name);
      if (fd > max) max = fd;
    }
    closedir(d);
    return max + 16; /* room for the /dev/null and the dups the child opens */
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536) return (int)rl.rlim_cur;
  return 65536;
}

/* ---- async-signal-safe helpers for the forked children: no malloc, no stdio, no locale ---- */

struct sbuf { char b[PATH_MAX + 128]; size_t n; };

static void sb_str(struct sbuf *s, const char *p) {
  while (*p && s->n < sizeof s->b - 1) s->b[s->n++] = *p++;
}

static void sb_uint(struct sbuf *s, unsigned long v) {
  char tmp[24];
  int i = 0;
  do tmp[i++] = (char)('0' + v % 10); while ((v /= 10) && i < (int)sizeof tmp);
  while (i > 0 && s->n < sizeof s->b - 1) s->b[s->n++] = tmp[--i];
}

static void sb_write(int fd, const struct sbuf *s) {
  for (size_t off = 0; off < s->n;) {
    ssize_t w = write(fd, s->b + off, s->n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += (size_t)w;
  }
}

/* "ERROR <what>[ <arg>]: errno <n>" on the readiness pipe, which the launcher relays as is. */
static void __attribute__((noreturn)) child_fail(int fd, const char *what, const char *arg, int err) {
  struct sbuf s = { .n = 0 };
  sb_str(&s, "ERROR ");
  sb_str(&s, what);
  if (arg) { sb_str(&s, " "); sb_str(&s, arg); }
  sb_str(&s, ": errno ");
  sb_uint(&s, (unsigned long)err);
  sb_str(&s, "\n");
  sb_write(fd, &s);
  _exit(127);
}

/* pwrite first, then ftruncate to that length: a reader sees the old content or the new pid,
 * never an empty file in between. */
static void write_pid(int fd, pid_t pid) {
  struct sbuf s = { .n = 0 };
  sb_uint(&s, (unsigned long)pid);
  sb_str(&s, "\n");
  if (pwrite(fd, s.b, s.n, 0) == (ssize_t)s.n) (void)!ftruncate(fd, (off_t)s.n);
}

static void close_from(int low, int limit) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)low, ~0U, 0) == 0) return;
#endif
  for (int fd = low; fd < limit; fd++) close(fd);
}

struct child_plan {
  int lock_fd, ready_fd;
  char **argv, **envp;
  int close_limit;
};

/* Runs in the first child. Everything it needs was prepared by the parent. */
static void __attribute__((noreturn)) daemon_child(const struct child_plan *p) {
  if (setsid() < 0) child_fail(p->ready_fd, "cannot setsid", NULL, errno);
  pid_t pid = fork();
  if (pid < 0) child_fail(p->ready_fd, "cannot fork", NULL, errno);
  if (pid > 0) {
    /* The grandchild writes this too; writing it here as well means the pidfile names the core as
     * soon as the launcher has reaped us, which the launcher's timeout path relies on. */
    write_pid(p->lock_fd, pid);
    _exit(0);
  }

  /* The grandchild: not a session leader, so it can never acquire a controlling terminal. Drop
   * dispositions and the mask the launcher's caller may have left (nohup, shells ignoring SIGINT). */
  struct sigaction dfl;
  dfl.sa_handler = SIG_DFL;
  dfl.sa_flags = 0;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  sigprocmask(SIG_SETMASK, &dfl.sa_mask, NULL);

  if (chdir("/") < 0) child_fail(p->ready_fd, "cannot chdir to", "/", errno);
  umask(077);

  /* Move every fd we keep to >= 5 before any dup2 onto 0..4: a source fd sitting in 0..4 would
   * otherwise be clobbered by an earlier dup2 before it is copied. dup2 onto 0..4 then clears
   * FD_CLOEXEC on the targets; the high copies keep it and are closed below. */
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) child_fail(p->ready_fd, "cannot open", "/dev/null", errno);
  int ready_hi = fcntl(p->ready_fd, F_DUPFD_CLOEXEC, FIRST_FREE_FD);
  if (ready_hi < 0) child_fail(p->ready_fd, "cannot dup the readiness pipe", NULL, errno);
  int lock_hi = fcntl(p->lock_fd, F_DUPFD_CLOEXEC, FIRST_FREE_FD);
  int null_hi = fcntl(null_fd, F_DUPFD_CLOEXEC, FIRST_FREE_FD);
  if (lock_hi < 0 || null_hi < 0) child_fail(ready_hi, "cannot dup fds", NULL, errno);
  if (dup2(null_hi, STDIN_FILENO) < 0 || dup2(null_hi, STDOUT_FILENO) < 0 || dup2(null_hi, STDERR_FILENO) < 0 ||
      dup2(lock_hi, LOCK_FD) < 0 || dup2(ready_hi, READY_FD) < 0)
    child_fail(ready_hi, "cannot set up fds", NULL, errno);
  /* Also closes the launcher's read end, its stdout pipe and anything its caller leaked to us. */
  close_from(FIRST_FREE_FD, p->close_limit);

  write_pid(LOCK_FD, getpid());
  execve(p->argv[0], p->argv, p->envp);
  child_fail(READY_FD, "cannot exec", p->argv[0], errno);
}

/* ---- the launching parent ---- */

/* One line from the readiness pipe by `deadline`: 1, 0 at EOF with nothing, -1 at the deadline.
 * Bytes past the line's end are kept for the next call: the core's STOPPING and ERROR lines may
 * arrive in one read. The launcher reads one pipe only, so one buffer will do. */
static int read_line(int fd, char *buf, size_t cap, long deadline) {
  static char pending[512];
  static size_t have = 0;
  size_t n = 0;
  for (;;) {
    for (size_t i = 0; i < have; i++) {
      if (pending[i] == '\n') {
        buf[n] = '\0';
        memmove(pending, pending + i + 1, have - i - 1);
        have -= i + 1;
        return 1;
      }
      if (pending[i] != '\r' && n < cap - 1) buf[n++] = pending[i];
    }
    have = 0;
    long left = deadline - now_ms();
    if (left <= 0) return -1;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die_system("cannot poll the readiness pipe", errno);
    if (r == 0) continue; /* re-checks the deadline */
    ssize_t got = read(fd, pending, sizeof pending);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) die_system("cannot read the readiness pipe", errno);
    if (got == 0) {
      buf[n] = '\0';
      return n > 0; /* a last line without its newline still counts */
    }
    have = (size_t)got;
  }
}

static const char *log_dir(const char *pidfile, char *out, size_t cap) {
  const char *slash = strrchr(pidfile, '/');
  if (!slash) return ".";
  size_t len = slash == pidfile ? 1 : (size_t)(slash - pidfile);
  if (len >= cap) len = cap - 1;
  memcpy(out, pidfile, len);
  out[len] = '\0';
  return out;
}

static int run_daemon(const struct options *o, int lock_fd) {
  /* We own the lock: drop a stale pid so that nobody reads it while the new core starts. */
  if (ftruncate(lock_fd, 0) < 0) die_system("cannot truncate the pidfile", errno);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) die_system("cannot create the readiness pipe", errno);
  struct child_plan plan = { .lock_fd = lock_fd, .ready_fd = pipefd[1], .argv = o->argv,
                             .envp = build_envp(1), .close_limit = close_limit() };
  fflush(NULL); /* nothing buffered may be flushed twice by a child */

  pid_t child = fork();
  if (child < 0) die_system("cannot fork", errno);
  if (child == 0) daemon_child(&plan);

  /* Our copies must go: the core's inherited lock fd alone keeps the lock, and the core's write
   * end alone keeps the pipe open, so EOF means the core is gone. */
  close(lock_fd);
  close(pipefd[1]);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  pid_t daemon = read_pid(o->pidfile);

  char line[4096];
  long deadline = now_ms() + o->timeout_ms;
  long said_ms = 0;
  char why[STOPPING_MAX] = "";
  int got;
  /* STOPPING: a SIGTERM from someone else (`ctl stop`) aborts the start; ERROR follows. */
  while ((got = read_line(pipefd[0], line, sizeof line, deadline)) > 0 && stopping_ms(line, NULL, 0) > 0) said_ms = stopping_ms(line, why, sizeof why);
  if (got > 0 && strncmp(line, "READY ", 6) == 0) {
    close(pipefd[0]);
    say("%s", line);
    return EXIT_READY;
  }
  if (got < 0) {
    int stopped = stop_daemon(o->pidfile, daemon, pipefd[0], said_ms, why, sizeof why);
    close(pipefd[0]);
    const char *sep = why[0] ? ": " : "";
    if (stopped) say("ERROR agentd did not report ready within %ld ms and was stopped%s%s", o->timeout_ms, sep, why);
    else say("ERROR agentd did not report ready within %ld ms and could not be stopped (pid %d)%s%s", o->timeout_ms, (int)daemon, sep, why);
    return EXIT_FAILED;
  }
  close(pipefd[0]);
  char dir[PATH_MAX];
  if (got == 0) say("ERROR agentd exited during start-up before reporting ready; see %s/agentd.log", log_dir(o->pidfile, dir, sizeof dir));
  else if (strncmp(line, "ERROR ", 6) == 0) say("%s", line);
  else say("ERROR agentd sent an invalid readiness line: %.200s", line);
  /* The core exits after writing ERROR, but the pipe may close before its lock is dropped: wait,
   * so that an immediate retry never sees "already running". A core that lingers is stopped. */
  if (!wait_lock_free(o->pidfile, LOCK_WAIT_MS)) stop_daemon(o->pidfile, daemon, -1, 0, NULL, 0);
  return EXIT_FAILED;
}

/* In the foreground `ctl` relays our signals and our exit status to its supervisor. If it dies
 * (SIGKILL from supervisord or the OOM killer), the core is told to stop gracefully rather than
 * run on unsupervised, holding the lock that the supervisor's next start needs. Survives execve. */
static void stop_with_parent(const struct options *o) {
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) die_system("cannot ask for SIGTERM when ctl dies", errno);
  /* Gone before the prctl: nobody is left to relay anything. */
  if (getppid() != o->parent) exit(EXIT_FAILED);
}

static int run_foreground(const struct options *o, int lock_fd) {
  stop_with_parent(o);
  write_pid(lock_fd, getpid());
  if (lock_fd != LOCK_FD) {
    if (dup2(lock_fd, LOCK_FD) < 0) die_system("cannot move the lock fd", errno);
    close(lock_fd);
  } else if (fcntl(LOCK_FD, F_SETFD, 0) < 0) {
    die_system("cannot clear FD_CLOEXEC on the lock fd", errno);
  }
  if (chdir("/") < 0) die_system("cannot chdir to /", errno);
  fflush(NULL);
  execve(o->argv[0], o->argv, build_envp(0));
  say("ERROR cannot exec %s: errno %d", o->argv[0], errno);
  return EXIT_FAILED;
}

/* What --init passes on to the core: everything an operator or a container runtime sends to ask
 * for something (SIGABRT: the systemd watchdog). Not SIGUSR1: it would open the core's inspector. */
static const int FORWARDED[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2, SIGABRT };

static int run_init(const struct options *o, int lock_fd) {
  /* Orphans below the core (a plugin's killed grandchildren, the hosts of a core that died) come
   * to us instead of to PID 1, which in a container is `ctl`, i.e. Node, which never reaps them. */
  if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die_system("cannot become a child subreaper", errno);
  /* Its SIGTERM is one of the forwarded signals, so it reaches the core like any other. */
  stop_with_parent(o);
  sigset_t wanted, saved;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGCHLD);
  for (size_t i = 0; i < sizeof FORWARDED / sizeof FORWARDED[0]; i++) sigaddset(&wanted, FORWARDED[i]);
  /* Blocked before the fork, so that none is lost between it and sigwaitinfo. */
  if (sigprocmask(SIG_BLOCK, &wanted, &saved) < 0) die_system("cannot block signals", errno);
  char **envp = build_envp(0);
  fflush(NULL);

  pid_t core = fork();
  if (core < 0) die_system("cannot fork", errno);
  if (core == 0) {
    /* Async-signal-safe calls only from here to execve. */
    sigprocmask(SIG_SETMASK, &saved, NULL);
    if (lock_fd != LOCK_FD) {
      if (dup2(lock_fd, LOCK_FD) < 0) _exit(127);
    } else if (fcntl(LOCK_FD, F_SETFD, 0) < 0) {
      _exit(127);
    }
    write_pid(LOCK_FD, getpid());
    if (chdir("/") < 0) _exit(127);
    execve(o->argv[0], o->argv, envp);
    struct sbuf s = { .n = 0 };
    sb_str(&s, "agentd-launcher: cannot exec ");
    sb_str(&s, o->argv[0]);
    sb_str(&s, ": errno ");
    sb_uint(&s, (unsigned long)errno);
    sb_str(&s, "\n");
    sb_write(STDERR_FILENO, &s);
    _exit(127);
  }
  /* The core's copy alone holds the lock, so it is free the moment the core is gone. */
  close(lock_fd);

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&wanted, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      die_system("cannot wait for signals", errno);
    }
    if (sig != SIGCHLD) {
      kill(core, sig);
      continue;
    }
    /* Signals coalesce: one SIGCHLD may stand for several exits, so reap until none is left. */
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR) continue;
      if (pid <= 0) break;
      if (pid != core) continue;
      /* Whatever is still running below is reparented on (to PID 1, which in a container ends it
       * all when it exits right after us). */
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
  }
}

static void parse(int argc, char **argv, struct options *o) {
  o->foreground = 0;
  o->init = 0;
  o->pidfile = NULL;
  o->timeout_ms = 30000;
  o->argv = NULL;
  o->parent = getppid();
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { o->argv = argv + i + 1; break; }
    if (strcmp(a, "--foreground") == 0) { o->foreground = 1; continue; }
    if (strcmp(a, "--init") == 0) { o->init = 1; continue; }
    if (i + 1 >= argc) usage("missing value after an option, or unknown option");
    if (strcmp(a, "--pidfile") == 0) { o->pidfile = argv[++i]; continue; }
    if (strcmp(a, "--timeout") == 0) {
      char *end;
      errno = 0;
      o->timeout_ms = strtol(argv[++i], &end, 10);
      if (errno || *end || end == argv[i] || o->timeout_ms <= 0 || o->timeout_ms > INT_MAX) usage("--timeout takes a positive number of milliseconds");
      continue;
    }
    usage("unknown option");
  }
  if (!o->pidfile || !*o->pidfile) usage("--pidfile is required");
  if (!o->argv || !o->argv[0]) usage("the program to run goes after --");
  if (o->argv[0][0] != '/') usage("the program after -- must be an absolute path");
  if (o->init && !o->foreground) usage("--init goes with --foreground");
}

int main(int argc, char **argv) {
  /* With 0..2 closed by our caller, the pidfile or the pipe would land there and our stdout
   * report would be written into them. */
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) return EXIT_SYSTEM;

  struct options o;
  parse(argc, argv, &o);
  int lock_fd = take_lock(o.pidfile);
  if (lock_fd < 0) {
    say("RUNNING %d", (int)read_pid(o.pidfile));
    return EXIT_RUNNING;
  }
  if (o.init) return run_init(&o, lock_fd);
  return o.foreground ? run_foreground(&o, lock_fd) : run_daemon(&o, lock_fd);
}
