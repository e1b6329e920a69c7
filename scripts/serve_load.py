#!/usr/bin/env python3
"""A bounded load run of `kehu serve` on loopback while a pre-auth flood runs.

N operators (OpenSSH `ssh -tt` in pseudo-terminals of 100x30, from 127.0.0.1) type scripted keys
(cursor moves, a search typed and erased) for DURATION seconds, each key timed from the write to
the first bytes of its frame. Meanwhile attackers on 127.0.0.2-127.0.0.41 hold silent sockets,
send only an SSH banner, send garbage, and try a key that is not authorized, reconnecting
whenever the server closes them; and every 2 s an authorised `ssh -T` login is tried and must
get in. Prints `name value unit` lines: key -> frame p50/p99 over all sessions and the worst
session's p99, server CPU (% of one core) and peak resident memory, flood connections made and
closed by the server, refused wrong-key logins, sources backed off, and authorised logins
tried / failed.

Usage: serve_load.py KEHU_BINARY DB_DIR [SESSIONS=50] [DURATION=60] [AS_OF=2024-06-30]
The database must exist (e.g. `kehu demo --db DIR --customers 2000 --seed 7`)."""
import multiprocessing, os, pty, re, select, shutil, socket, statistics, subprocess, sys, tempfile
import threading, time

KEYS = [b"j", b"j", b"k", b"k", b"/", b"l", b"i", b"\x7f", b"\x7f", b"\x1b"]
UNTIMED = {b"\x1b"}  # a lone Esc waits 50 ms by design (it could start a sequence)

def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def ssh_args(port, key, extra):
    return ["ssh", *extra, "-p", str(port), "-i", key, "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
            "-o", "BatchMode=yes", "127.0.0.1"]

def read_some(fd, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""

class Operator(threading.Thread):
    def __init__(self, port, key, until, index, keys=None):
        super().__init__(daemon=True)
        self.keys = keys or KEYS
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp("ssh", ssh_args(port, key, ["-tt"]))
        import fcntl, struct, termios
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.until, self.index, self.times, self.lost, self.ready = until, index, [], 0, False

    def run(self):
        seen, end = b"", time.time() + 120
        while b"customers" not in seen and time.time() < end:
            seen += read_some(self.fd, 0.2)
        if b"customers" not in seen:
            return
        self.ready = True
        while read_some(self.fd, 0.2):
            pass
        i = self.index
        while time.time() < self.until:
            k = self.keys[i % len(self.keys)]
            i += 1
            t0 = time.perf_counter()
            try:
                os.write(self.fd, k)
            except OSError:
                return
            got = read_some(self.fd, 2.0)
            if k not in UNTIMED:
                if got:
                    self.times.append((time.perf_counter() - t0) * 1000)
                else:
                    self.lost += 1
            while read_some(self.fd, 0.03):
                pass
            time.sleep(0.15)  # a brisk typist: about five keys a second

    def close(self):
        try:
            os.write(self.fd, b"\x1bq")
        except OSError:
            pass

class Flood(threading.Thread):
    """One attacker address: keeps `held` sockets open, each silent, banner-only or garbage."""
    def __init__(self, port, host, until, stats, lock):
        super().__init__(daemon=True)
        self.port, self.host, self.until, self.stats, self.lock = port, host, until, stats, lock

    def run(self):
        socks = []
        n = 0
        while time.time() < self.until:
            while len(socks) < 6:
                n += 1
                try:
                    s = socket.socket()
                    s.bind((self.host, 0))
                    s.settimeout(1)
                    s.connect(("127.0.0.1", self.port))
                    s.setblocking(False)
                    if n % 3 == 1:
                        s.send(b"SSH-2.0-flood\r\n")
                    elif n % 3 == 2:
                        s.send(os.urandom(64))
                    socks.append(s)
                    with self.lock:
                        self.stats["flood_connections"] += 1
                except OSError:
                    with self.lock:
                        self.stats["flood_connect_failed"] += 1
                    time.sleep(0.2)
                    break
            r, _, _ = select.select(socks, [], [], 0.2)
            for s in r:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    socks.remove(s)
                    s.close()
                    with self.lock:
                        self.stats["flood_closed_by_server"] += 1
        for s in socks:
            s.close()

def flood_process(port, hosts, until, results):
    stats = {"flood_connections": 0, "flood_connect_failed": 0, "flood_closed_by_server": 0}
    lock = threading.Lock()
    threads = [Flood(port, f"127.0.0.{h}", until, stats, lock) for h in hosts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(stats)

def wrong_keys(port, key, until, stats, lock):
    i = 0
    while time.time() < until:
        host = f"127.0.0.{2 + i % 40}"
        i += 1
        r = subprocess.run(ssh_args(port, key, ["-T", "-b", host]), stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
        with lock:
            stats["wrong_key_tries"] += 1
            if r.returncode != 0 and b"needs a terminal" not in r.stdout:
                stats["wrong_key_refused"] += 1

def main():
    binary, db = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    duration = float(sys.argv[4]) if len(sys.argv) > 4 else 60
    as_of = sys.argv[5] if len(sys.argv) > 5 else "2024-06-30"
    tmp = tempfile.mkdtemp()
    key, bad = os.path.join(tmp, "op"), os.path.join(tmp, "mallory")
    for k in (key, bad):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "op", "-f", k], check=True)
    ak = os.path.join(tmp, "authorized_keys")
    shutil.copy(key + ".pub", ak)
    os.chmod(ak, 0o600)
    log = open(os.path.join(tmp, "serve.log"), "w+")
    server = subprocess.Popen([binary, "--db", db, "--as-of", as_of, "serve", "--listen", "127.0.0.1:0",
                               "--authorized-keys", ak, "--host-key", os.path.join(tmp, "hk"),
                               "--max-sessions", str(n + 4)], stderr=log, stdout=subprocess.DEVNULL)
    port, end = None, time.time() + 120
    while port is None and time.time() < end:
        log.seek(0)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
        port = int(m.group(1)) if m else None
        time.sleep(0.05)
    if port is None:
        raise SystemExit("the server did not start")

    stats = {k: 0 for k in ["flood_connections", "flood_connect_failed", "flood_closed_by_server",
                            "wrong_key_tries", "wrong_key_refused", "auth_tries", "auth_failed"]}
    lock = threading.Lock()
    # The flood starts first, in processes of its own (not to hold the operators' threads
    # up in this interpreter): the operators log in through it. FLOOD=0 runs without it.
    flood_until = time.time() + duration + 60
    flooding = os.environ.get("FLOOD", "1") != "0"
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=flood_process, args=(port, hosts, flood_until, results))
             for hosts in (range(2, 22), range(22, 42))] if flooding else []
    for p in procs:
        p.start()
    if flooding:
        threading.Thread(target=wrong_keys, args=(port, bad, flood_until, stats, lock), daemon=True).start()
    time.sleep(2)
    until = time.time() + 60 + duration  # room for every console to log in and draw
    ops = [Operator(port, key, until, i) for i in range(n)]
    for o in ops:
        o.start()
    start_wait = time.time() + 60
    while time.time() < start_wait and not all(o.ready for o in ops):
        time.sleep(0.2)
    ready = sum(o.ready for o in ops)
    cpu0, t0, peak = proc_cpu(server.pid), time.time(), 0.0
    # Authorised logins through the flood, every 2 s, while the operators type.
    while time.time() < until:
        r = subprocess.run(ssh_args(port, key, ["-T"]), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=60)
        stats["auth_tries"] += 1
        if b"needs a terminal" not in r.stdout:
            stats["auth_failed"] += 1
        peak = max(peak, rss_mb(server.pid))
        time.sleep(2)
    cpu = (proc_cpu(server.pid) - cpu0) / (time.time() - t0) * 100
    for p in procs:
        for k, v in results.get(timeout=60).items():
            stats[k] += v
        p.join(timeout=10)
    for o in ops:
        o.join(timeout=5)
    times = sorted(t for o in ops for t in o.times)
    per = [sorted(o.times) for o in ops if o.times]
    p99 = lambda xs: xs[max(int(len(xs) * 0.99) - 1, 0)]
    print(f"load_sessions_ready {ready} of {n}")
    print(f"load_keys_timed {len(times)} keys")
    print(f"load_keys_without_frame {sum(o.lost for o in ops)} keys")
    if times:
        print(f"load_key_to_frame_p50 {statistics.median(times):.2f} ms")
        print(f"load_key_to_frame_p99 {p99(times):.2f} ms")
        print(f"load_worst_session_p50 {max(statistics.median(x) for x in per):.2f} ms")
        print(f"load_worst_session_p99 {max(p99(x) for x in per):.2f} ms")
    print(f"load_server_cpu {cpu:.0f} % of one core")
    print(f"load_server_rss_peak {peak:.1f} MB")
    for k, v in stats.items():
        print(f"load_{k} {v} count")
    log.seek(0)
    text = log.read()
    backed = set(re.findall(r"(127\.0\.0\.\d+): \d+ connections without a login", text))
    print(f"load_sources_backed_off {len(backed)} addresses")
    print(f"load_operator_address_backed_off {'127.0.0.1' in backed}")
    print(f"load_logins_logged {text.count('logged in')} count")
    for o in ops:
        o.close()
    time.sleep(1)
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
