#!/usr/bin/env python3
"""Run a command on a pseudo-terminal of a known size, type what we are given, and print what came back.

usage: pty_drive.py [--wait-for TEXT] ROWS COLS INPUT_FILE -- CMD...   (INPUT_FILE: one chunk a
line, sent 0.5 s apart; \\x10 style escapes allowed). Typing starts 1 s after the start, or with
--wait-for once TEXT has come out (at most 30 s: a loaded machine starts slowly, and keys typed
before the command has put the terminal in raw mode would be lost). Prints the output
(repr-free, raw) and exits with CMD's exit code; a command still running 20 s after the last
chunk is killed (so a test fails instead of hanging)."""
import os, pty, select, signal, struct, sys, termios, fcntl, time

def main():
    wait_for = None
    if sys.argv[1] == "--wait-for":
        wait_for = sys.argv[2].encode()
        del sys.argv[1:3]
    rows, cols, infile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    chunks = [l.rstrip("\n").encode().decode("unicode_escape").encode("latin-1")
              for l in open(infile)]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = b""
    def read_for(seconds):
        nonlocal out
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    return False
                if not data:
                    return False
                out += data
        return True
    read_for(1.0)
    started = time.time()
    while wait_for is not None and wait_for not in out and time.time() - started < 30:
        if not read_for(0.1):
            break
    for c in chunks:
        os.write(fd, c)
        read_for(0.5)
    deadline = time.time() + 20
    while time.time() < deadline and read_for(0.2):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))

main()
