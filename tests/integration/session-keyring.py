#!/usr/bin/env python3
"""usage: session-keyring.py NAME CMD [ARG...]

Join a new session keyring called NAME that only its possessors may view
(perm 0x3f000000), then exec CMD. A container that inherits the session
keyring (xrun --no-new-keyring) sees NAME in /proc/keys; one that gets a new
session keyring does not.
"""
import ctypes
import os
import sys

SYS_KEYCTL = 250  # x86_64
KEYCTL_JOIN_SESSION_KEYRING = 1
KEYCTL_SETPERM = 5
KEY_POS_ALL = 0x3F000000

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
serial = libc.syscall(SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, sys.argv[1].encode())
if serial < 0:
    raise OSError(ctypes.get_errno(), "keyctl join session keyring")
if libc.syscall(SYS_KEYCTL, KEYCTL_SETPERM, ctypes.c_long(serial), KEY_POS_ALL) < 0:
    raise OSError(ctypes.get_errno(), "keyctl setperm")
os.execvp(sys.argv[2], sys.argv[2:])
