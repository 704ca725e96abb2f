import json
import os

import corpus_textkit


def slugify(event, context):
    body = json.loads(event.get("body") or "{}")
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        return {"statusCode": 400, "body": json.dumps({"message": "title is required"})}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"slug": corpus_textkit.slugify(title, max_length=body.get("maxLength", 60)),
                            "words": corpus_textkit.word_count(title), "textkit": corpus_textkit.__version__}),
    }


def inspect(event, context):
    root = os.environ["LAMBDA_TASK_ROOT"]
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
    return {"files": files, "module": os.path.relpath(corpus_textkit.__file__, root)}
