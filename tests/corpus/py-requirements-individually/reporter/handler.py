import os

import corpus_textkit
import corpus_units


def report(event, context):
    root = os.environ["LAMBDA_TASK_ROOT"]
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
                   if "__pycache__" not in d)
    title = corpus_textkit.slugify(event.get("title", "Weekly report"))
    return {"title": title, "distanceMi": corpus_units.convert(event.get("km", 0), "km", "mi"), "files": files}
