#!/usr/bin/env python3
"""Measures `kehu serve` on loopback with OpenSSH's client: resident memory of the server with
1 and N idle consoles, the keystroke round trip (key written to ssh -> frame bytes back), and
how many consoles one server held at once. Prints `name value unit` lines.

Usage: serve_measure.py KEHU_BINARY DB_DIR [SESSIONS] [AS_OF]
The database must exist (e.g. `kehu demo --db DIR --customers 2000 --seed 7`)."""
import os, pty, re, select, shutil, statistics, subprocess, sys, tempfile, time

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def read_some(fd, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""

class Console:
    """One `ssh -tt` in a pseudo-terminal of 100x30."""
    def __init__(self, port, key):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp("ssh", ["ssh", "-tt", "-p", str(port), "-i", key, "-o", "StrictHostKeyChecking=no",
                              "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
                              "-o", "LogLevel=ERROR", "127.0.0.1"])
        import fcntl, struct, termios
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))

    def wait_for(self, needle, limit=60.0):
        seen, end = b"", time.time() + limit
        while time.time() < end:
            seen += read_some(self.fd, 0.1)
            if needle in seen:
                return seen
        raise SystemExit(f"no {needle!r} from a console: {seen[-300:]!r}")

    def drain(self, quiet=0.2):
        while read_some(self.fd, quiet):
            pass

    def close(self):
        try:
            os.write(self.fd, b"q")
        except OSError:
            pass

def main():
    binary, db = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    as_of = sys.argv[4] if len(sys.argv) > 4 else "2024-06-30"
    tmp = tempfile.mkdtemp()
    key = os.path.join(tmp, "op")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key], check=True)
    ak = os.path.join(tmp, "authorized_keys")
    shutil.copy(key + ".pub", ak)
    os.chmod(ak, 0o600)  # kehu serve refuses a keys file others may write
    log = open(os.path.join(tmp, "serve.log"), "w+")
    server = subprocess.Popen([binary, "--db", db, "--as-of", as_of, "serve", "--listen", "127.0.0.1:0",
                               "--authorized-keys", ak, "--host-key", os.path.join(tmp, "hk"),
                               "--max-sessions", str(n + 2)], stderr=log, stdout=subprocess.DEVNULL)
    port, end = None, time.time() + 120
    while port is None and time.time() < end:
        log.seek(0)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
        port = int(m.group(1)) if m else None
        time.sleep(0.05)
    if port is None:
        raise SystemExit("the server did not start")
    print(f"serve_rss_no_session {rss_mb(server.pid):.1f} MB")
    consoles = [Console(port, key)]
    consoles[0].wait_for(b"customers")
    consoles[0].drain()
    rss1 = rss_mb(server.pid)
    print(f"serve_rss_1_session {rss1:.1f} MB")

    # Keystroke round trip: j (cursor down) written to ssh until the frame's bytes come back.
    c = consoles[0]
    times = []
    for i in range(200):
        key_byte = b"j" if i % 2 == 0 else b"k"
        t0 = time.perf_counter()
        os.write(c.fd, key_byte)
        if not read_some(c.fd, 5.0):
            raise SystemExit("no frame after a key")
        times.append((time.perf_counter() - t0) * 1000)
        c.drain(0.02)
    times.sort()
    print(f"serve_key_roundtrip_p50 {statistics.median(times):.2f} ms")
    print(f"serve_key_roundtrip_p99 {times[int(len(times) * 0.99) - 1]:.2f} ms")

    for _ in range(n - 1):
        consoles.append(Console(port, key))
        consoles[-1].wait_for(b"customers")
    for c2 in consoles:
        c2.drain(0.05)
    time.sleep(1)
    rssn = rss_mb(server.pid)
    log.seek(0)
    held = log.read().count("logged in")
    print(f"serve_sessions_held {held} sessions")
    print(f"serve_rss_{n}_sessions {rssn:.1f} MB")
    print(f"serve_rss_per_idle_session {(rssn - rss1) / max(n - 1, 1):.2f} MB")
    # With everyone connected, the round trip again.
    times = []
    for i in range(100):
        t0 = time.perf_counter()
        os.write(c.fd, b"j" if i % 2 == 0 else b"k")
        read_some(c.fd, 5.0)
        times.append((time.perf_counter() - t0) * 1000)
        c.drain(0.02)
    times.sort()
    print(f"serve_key_roundtrip_p50_with_{n} {statistics.median(times):.2f} ms")
    for c2 in consoles:
        c2.close()
    time.sleep(1)
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
