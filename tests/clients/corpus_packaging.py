"""The packaging services of the corpus (tests/corpus: py-requirements,
py-requirements-individually, node-package-patterns), at stage dev: requirements
installed by serverless-python-requirements from a local wheelhouse, and packages shaped
by package.patterns, checked through the functions themselves (over HTTP and with
Lambda's Invoke).

Usage: corpus_packaging.py wheels SERVICE_DIR...   (builds each copy's wheelhouse before
                                                    its deploy, with its tools/build_wheels.py)
       corpus_packaging.py check HTTP_BASE
Exits non-zero with the failing check on the first failure."""
import json
import os
import subprocess
import sys

import boto3
from corpus_common import call, check


if sys.argv[1] == "wheels":
    for d in sys.argv[2:]:
        subprocess.run([sys.executable, os.path.join(d, "tools", "build_wheels.py")], check=True)
        check(any(n.endswith(".whl") for n in os.listdir(os.path.join(d, "wheels"))), f"wheels built in {d}")
    print("corpus packaging wheels done")
    sys.exit(0)

BASE = sys.argv[2].rstrip("/")
lam = boto3.client("lambda")



def invoke(name, payload):
    out = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    check("FunctionError" not in out, f"{name} ran without error")
    return json.loads(out["Payload"].read())


# --- py-requirements: one requirements.txt for every function ---------------------------
status, body = call("POST", f"{BASE}/py-requirements/dev/slugify", {"title": "Héllo, Wörld! Serverless   on one box"})
check(status == 200 and body == {"slug": "hello-world-serverless-on-one-box", "words": 6, "textkit": "1.2.0"},
      f"requirements: the installed package serves the API ({body})")
status, body = call("POST", f"{BASE}/py-requirements/dev/slugify", {"title": "a very long title " * 10, "maxLength": 20})
check(body["slug"] == "a-very-long-title-a", "requirements: arguments reach the package")
status, body = call("POST", f"{BASE}/py-requirements/dev/slugify", {})
check(status == 400, "requirements: validation")
got = invoke("py-requirements-dev-inspect", {})
files = got["files"]
check(got["module"] == "corpus_textkit/__init__.py", "requirements: installed at the package root, as the plugin does")
check(any(f.startswith("corpus_textkit-1.2.0.dist-info/") for f in files), "requirements: with its dist-info")
check(not any(f.startswith(("vendor/", "wheels/", "tools/")) for f in files) and "handler.py" in files, f"requirements: package.patterns left out the wheelhouse and the tools ({files})")

# --- py-requirements-individually: fileName, individually, per-function patterns ---------
status, body = call("GET", f"{BASE}/py-requirements-individually/dev/convert/10/km?to=mi")
check(status == 200 and body["value"] == 6.214 and body["unit"] == "mi" and body["units"] == "0.3.1",
      f"individually: the converter uses its requirement ({body})")
files = body["files"]
check("converter/handler.py" in files and not any(f.startswith("reporter/") for f in files),
      "individually: the converter's package leaves out the reporter")
check("corpus_units/__init__.py" in files and "corpus_textkit/__init__.py" in files,
      "individually: requirements/prod.txt was installed into the package")
check(not any(f.startswith(("requirements/", "vendor/", "wheels/")) for f in files), "individually: service patterns apply too")
status, body = call("GET", f"{BASE}/py-requirements-individually/dev/convert/10/parsec?to=mi")
check(status == 422, "individually: the function's own 422")
status, body = call("GET", f"{BASE}/py-requirements-individually/dev/convert/10/km")
check(status == 400 and body == {"message": "Missing required request parameters: [to]"}, "individually: required query string")
got = invoke("py-requirements-individually-dev-report", {"title": "Weekly Report: May", "km": 42.195})
check(got["title"] == "weekly-report-may" and got["distanceMi"] == 26.219, f"individually: the reporter ({got})")
check("reporter/handler.py" in got["files"] and not any(f.startswith("converter/") for f in got["files"]),
      "individually: the reporter's package leaves out the converter")

# --- node-package-patterns: '!**' then what each function needs -------------------------
status, body = call("GET", f"{BASE}/node-package-patterns/dev/package")
check(status == 200 and body["files"] == ["package.json", "src/api/index.js", "src/lib/files.js", "src/lib/prices.js"],
      f"node-patterns: the API's package is the shared library, package.json and its own directory ({body['files']})")
check(body["version"] == "2.4.0" and body["label"] == "node-package-patterns@dev", "node-patterns: package.json is readable")
status, body = call("GET", f"{BASE}/node-package-patterns/dev/prices/coffee-250g")
check(status == 200 and body == {"sku": "coffee-250g", "currency": "GBP", "amount": "10.79", "vatIncluded": True},
      "node-patterns: a price with VAT")
status, body = call("GET", f"{BASE}/node-package-patterns/dev/prices/mug?vat=false")
check(body["amount"] == "12.00", "node-patterns: without VAT")
status, body = call("GET", f"{BASE}/node-package-patterns/dev/prices/nope")
check(status == 404, "node-patterns: unknown sku")
got = invoke("node-package-patterns-dev-nightly", {"withVat": False})
check([p["amount"] for p in got["repriced"]] == ["4.50", "8.99", "12.00"], "node-patterns: the job runs")
check(got["files"] == ["package.json", "src/jobs/nightly.js", "src/lib/files.js", "src/lib/prices.js"],
      f"node-patterns: the job's package excludes its test file ({got['files']})")

print("all corpus packaging checks passed")
