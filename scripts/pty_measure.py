#!/usr/bin/env python3
"""Measures the real console in a pseudo-terminal: time to the first frame, to searchable and to
the classes shown (from KEHU_TRACE, written to a file), resident memory once loaded and at its
peak, and bytes written per navigation key (what an SSH link carries).
Usage: pty_measure.py KEHU_BINARY DB_DIR [AS_OF]"""
import fcntl, os, pty, re, select, struct, subprocess, sys, tempfile, termios, time

def status_kb(pid, field):
    """A field of /proc/PID/status in kB (VmRSS, VmHWM), or None."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith(field + ":"))
    except (OSError, StopIteration):
        return None

def trace_ms(path, step):
    """The ms of `kehu: STEP after N ms` in the trace file, or None."""
    with open(path) as f:
        m = re.search(rf"kehu: {re.escape(step)} after (\d+) ms", f.read())
    return int(m.group(1)) if m else None

def read_until_quiet(fd, quiet=0.3, limit=30.0):
    """Reads until nothing arrives for `quiet` seconds; returns the bytes."""
    out, deadline = b"", time.time() + limit
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out

def main():
    binary, db = sys.argv[1], sys.argv[2]
    as_of = sys.argv[3] if len(sys.argv) > 3 else "2026-11-25"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", KEHU_TRACE="1")
    trace = tempfile.NamedTemporaryFile(prefix="kehu-trace-", suffix=".txt", delete=False)
    start = time.time()
    proc = subprocess.Popen([binary, "--db", db, "--as-of", as_of], stdin=slave, stdout=slave,
                            stderr=trace, env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    seen, first_frame = b"", None
    while time.time() - start < 120:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                seen += os.read(master, 65536)
            except OSError:
                sys.exit(f"kehu exited before its first frame: {seen[-500:]!r}")
            if seen.endswith(b"\x1b[6n"):
                os.write(master, b"\x1b[1;1R")  # answer the cursor-position query as a terminal does
            # The status line names the database once the first frame is drawn on the
            # alternate screen (a loading note before it names the database too).
            screen = seen.split(b"\x1b[?1049h", 1)
            if len(screen) == 2 and db.encode() in screen[1]:
                first_frame = time.time() - start
                break
    print(f"first_frame {first_frame * 1e3:.0f} ms" if first_frame else "first_frame timeout")
    # Loading goes on behind the first frame: drain the screen until the trace says ready.
    while time.time() - start < 900 and trace_ms(trace.name, "ready") is None:
        read_until_quiet(master, quiet=0.2, limit=0.5)
    read_until_quiet(master)
    for step, name in [("searchable", "searchable"), ("ready", "classes_shown")]:
        ms = trace_ms(trace.name, step)
        print(f"{name} {ms} ms" if ms is not None else f"{name} timeout")
    rss, peak = status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "VmHWM")
    if rss is not None:
        print(f"resident_memory {rss / 1024:.0f} MB")
    if peak is not None:
        print(f"resident_memory_peak {peak / 1024:.0f} MB")
    # 80x24: the list shows 21 rows, so 20 `j` stay inside the page and the next ones scroll it.
    keys = [("down", b"j", 20), ("scroll_down", b"j", 10), ("page_down", b"\x1b[6~", 5), ("up", b"k", 20)]
    for name, key, n in keys:
        sizes = []
        for _ in range(n):
            os.write(master, key)
            sizes.append(len(read_until_quiet(master, quiet=0.15)))
        sizes.sort()
        print(f"bytes_per_key_{name}_median {sizes[len(sizes) // 2]} B")
        print(f"bytes_per_key_{name}_max {sizes[-1]} B")
    os.write(master, b"q")
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    print(f"exit_status {proc.returncode}")
    if os.environ.get("KEHU_KEEP_TRACE"):
        print(open(trace.name).read(), file=sys.stderr)
    os.unlink(trace.name)

if __name__ == "__main__":
    main()
