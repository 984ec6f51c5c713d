#!/usr/bin/env python3
"""Run a command on a pseudo-terminal of a known size, type what we are given, and print what came back.

usage: pty_drive.py ROWS COLS INPUT_FILE -- CMD...   (INPUT_FILE: one chunk a line, sent 0.5 s apart;
\\x10 style escapes allowed). Prints the output (repr-free, raw) and exits with CMD's exit code."""
import os, pty, select, struct, sys, termios, fcntl, time

def main():
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
    for c in chunks:
        os.write(fd, c)
        read_for(0.5)
    deadline = time.time() + 20
    while time.time() < deadline and read_for(0.2):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        done, status = os.waitpid(pid, 0)
    if not done:
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))

main()
