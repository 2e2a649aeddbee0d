#!/usr/bin/env python3
"""
dbproxy.py: a MySQL-protocol proxy that loses the answer to one COMMIT,
for tests/integration/test_faults.sh (section 3b, "lost answers").

    python3 dbproxy.py LISTEN_PORT TARGET_HOST TARGET_PORT CTL_DIR

It forwards every connection to TARGET_HOST:TARGET_PORT and reads the
client's packets.  On a COMMIT ending a transaction that sent MATCH (one
shot, armed by writing "MODE\nSECONDS\nMATCH" to CTL_DIR/arm) it does MODE:

    drop-ack       forwards the COMMIT, drops every answer after it;
    drop-ack-down  the same, and refuses new connections for SECONDS;
    hold-commit    keeps the COMMIT until the client has hung up, then
                   delivers it SECONDS later (a COMMIT still on the wire).

Each is logged as a line in CTL_DIR/events.  It is the one piece of the
test harness in python: it has to parse the wire protocol.
"""
import os, socket, sys, threading, time

LPORT, THOST, TPORT, CTL = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
lock = threading.Lock()
down_until = 0.0


def event(msg):
    with lock:
        with open(os.path.join(CTL, "events"), "a") as f:
            f.write(msg + "\n")


def take_arm(seen):
    p = os.path.join(CTL, "arm")
    with lock:
        try:
            with open(p) as f:
                mode, secs, match = (f.read().split("\n") + ["", "", ""])[:3]
        except FileNotFoundError:
            return None
        if match.encode() not in seen:
            return None
        os.unlink(p)
        return mode, float(secs or 0)


def pump_down(c, u, st):
    while True:
        try:
            d = u.recv(65536)
        except OSError:
            d = b""
        if not d:
            break
        if st["mute"]:
            continue
        try:
            c.sendall(d)
        except OSError:
            break
    if not st["mute"]:
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c):
    global down_until
    try:
        u = socket.create_connection((THOST, TPORT))
    except OSError:
        c.close()
        return
    st = {"mute": False}
    threading.Thread(target=pump_down, args=(c, u, st), daemon=True).start()
    buf, seen = b"", b""
    while True:
        try:
            d = c.recv(65536)
        except OSError:
            d = b""
        if not d:
            break
        buf += d
        while len(buf) >= 4:
            n = int.from_bytes(buf[:3], "little")
            if len(buf) < 4 + n:
                break
            pkt, buf = buf[: 4 + n], buf[4 + n :]
            body = pkt[4:]
            # COM_QUERY and COM_STMT_PREPARE carry SQL text.
            if body[:1] in (b"\x03", b"\x16"):
                seen += body[1:] + b"\n"
            if body != b"\x03COMMIT":
                u.sendall(pkt)
                continue
            arm = take_arm(seen)
            seen = b""
            if arm is None:
                u.sendall(pkt)
                continue
            mode, secs = arm
            if mode in ("drop-ack", "drop-ack-down"):
                st["mute"] = True
                if mode == "drop-ack-down":
                    down_until = time.time() + secs
                u.sendall(pkt)
                event(mode)
                continue
            event("hold")
            try:
                while c.recv(65536):
                    pass
            except OSError:
                pass
            time.sleep(secs)
            try:
                u.sendall(pkt)
                event("late COMMIT sent")
            except OSError:
                event("late COMMIT not sent: session closed")
            time.sleep(1)
            u.close()
            c.close()
            return
    try:
        u.shutdown(socket.SHUT_WR)
    except OSError:
        pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", LPORT))
ls.listen(64)
while True:
    c, _ = ls.accept()
    if time.time() < down_until:
        c.close()
        event("refused")
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
