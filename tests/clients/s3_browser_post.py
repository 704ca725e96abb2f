"""A real browser uploads to Squall: headless Chromium loads a page (served here on another
origin) holding a form boto3 presigned with SigV4, picks a file and submits it; S3
redirects the browser to the page's success_action_redirect. Then the page's script posts
a FormData with fetch() across origins, which the bucket's CORS rules allow, and reads
the 201 document and the exposed ETag. The objects are then read back with boto3.

Needs node, Debian's chromium and playwright-core (scripts/setup.sh installs them). Run by
the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure."""
import html
import http.server
import json
import os
import subprocess
import threading
import time
from pathlib import Path

from botocore.config import Config
from s3_common import check, client

RUN = str(int(time.time() * 1000))[-7:]
s3 = client(config=Config(signature_version="s3v4", retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
bucket = f"browser-{RUN}"
s3.create_bucket(Bucket=bucket)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
origin = f"http://127.0.0.1:{server.server_address[1]}"
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
    "AllowedOrigins": [origin], "AllowedMethods": ["POST", "GET"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]})

form = s3.generate_presigned_post(
    bucket, "browser/${filename}",
    Fields={"success_action_redirect": f"{origin}/done"},
    Conditions=[["starts-with", "$key", "browser/"], {"success_action_redirect": f"{origin}/done"},
                ["content-length-range", 1, 1 << 20]])
fetched = s3.generate_presigned_post(
    bucket, "fetched/${filename}", Fields={"success_action_status": "201"},
    Conditions=[["starts-with", "$key", "fetched/"], {"success_action_status": "201"}])
hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                 for k, v in form["fields"].items())
PAGES = {
    "/": f"""<!doctype html><html><body>
<form action="{endpoint}/{bucket}" method="post" enctype="multipart/form-data">{hidden}
<input type="file" name="file"><button id="send" type="submit">Upload</button></form></body></html>""",
    "/done": "<!doctype html><html><body>uploaded</body></html>",
    "/fetch": f"""<!doctype html><html><body><script>
window.upload = async () => {{
  const fd = new FormData();
  for (const [k, v] of Object.entries({json.dumps(fetched["fields"])})) fd.append(k, v);
  fd.append('file', new Blob(['fetched by the page'], {{type: 'text/plain'}}), 'page.txt');
  const r = await fetch({json.dumps(endpoint + "/" + bucket)}, {{method: 'POST', body: fd}});
  return {{status: r.status, body: await r.text(), etag: r.headers.get('ETag')}};
}};
</script></body></html>""",
}


class Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGES.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write((body or "").encode())

    def log_message(self, *args):
        pass


server.RequestHandlerClass = Pages
threading.Thread(target=server.serve_forever, daemon=True).start()

modules = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "squall/browser/node_modules"
script = Path(__file__).with_name("browser_post.cjs")
run = subprocess.run(["node", str(script), origin], capture_output=True, text=True, timeout=120,
                     env={**os.environ, "NODE_PATH": str(modules)})
check(run.returncode == 0, f"Chromium ran both uploads ({run.stderr[-2000:]})")
seen = json.loads(run.stdout.strip().splitlines()[-1])
server.shutdown()

done = seen["done"]
check(done.startswith(f"{origin}/done?bucket={bucket}&key=browser%2Freport.txt&etag=%22"),
      f"the form's answer redirected the browser to the page, with the object's key ({done})")
check(seen["landed"].strip() == "uploaded", "and the browser loaded it")
got = s3.get_object(Bucket=bucket, Key="browser/report.txt")
check(got["Body"].read() == b"sent by a real browser form", "the file the browser picked is the object")
etag = got["ETag"].strip('"')
check(f"etag=%22{etag}%22" in done, "with the ETag the redirect carried")

f = seen["fetched"]
check(f["status"] == 201, f"fetch() across origins got 201 ({f})")
check("<Key>fetched/page.txt</Key>" in f["body"], "and read the PostResponse document (CORS allowed it)")
check(f["etag"] and f["etag"].startswith('"'), f"and the ETag the CORS rule exposes ({f['etag']})")
got = s3.get_object(Bucket=bucket, Key="fetched/page.txt")
check(got["Body"].read() == b"fetched by the page", "the page's Blob is the object")

print("all browser POST upload checks passed")
