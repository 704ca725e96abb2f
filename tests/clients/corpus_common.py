"""What every corpus client shares: `check` (print the check, exit non-zero on the first
failure) and `wait_for` (poll until something is there, bounded)."""
import sys
import time


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def wait_for(what, fn, seconds=20):
    """Polls fn() until it returns something truthy, or fails the check after `seconds`."""
    deadline = time.time() + seconds
    while True:
        got = fn()
        if got or time.time() > deadline:
            check(got, what)
            return got
        time.sleep(0.25)
