"""Builds a wheel of each package under vendor/ into wheels/, with nothing but the
standard library (no build backend to download): `python3 tools/build_wheels.py`."""
import base64
import hashlib
import os
import sys
import zipfile

VERSIONS = {"corpus_textkit": "1.2.0", "corpus_units": "0.3.1"}
root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
out = os.path.join(root, "wheels")
os.makedirs(out, exist_ok=True)


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


for package in sorted(os.listdir(os.path.join(root, "vendor"))):
    version = VERSIONS[package]
    dist = package.replace("_", "-")
    info = f"{package}-{version}.dist-info"
    files = {}
    src = os.path.join(root, "vendor", package)
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    files[os.path.relpath(path, os.path.dirname(src)).replace(os.sep, "/")] = f.read()
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: corpus\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{n},{digest(b)},{len(b)}\n" for n, b in files.items()) + f"{info}/RECORD,,\n"
    wheel = os.path.join(out, f"{package}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in files.items():
            z.writestr(n, b)
        z.writestr(f"{info}/RECORD", record)
    print(wheel, file=sys.stderr)
