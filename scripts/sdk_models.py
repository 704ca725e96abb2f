#!/usr/bin/env python3
"""Writes crates/sdk-calls/models/<service>.json: the parts of botocore's service models
that shape requests and answers (no documentation, no validation), for the operations
Squall serves (the rows of crates/api/src/actions.rs). Run again after botocore moves
or Squall serves more operations: python3 scripts/sdk_models.py"""
import json
import os
import re
import sys

import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Squall's services whose wire protocol is not JSON, by botocore's name.
SERVICES = ["s3", "iam", "sts", "sns", "scheduler", "lambda"]
SHAPE_KEYS = {"type", "members", "member", "key", "value", "payload", "flattened", "locationName",
              "xmlNamespace", "timestampFormat", "streaming", "jsonvalue", "event", "eventstream"}
MEMBER_KEYS = {"shape", "location", "locationName", "flattened", "xmlNamespace", "xmlAttribute",
               "timestampFormat", "jsonvalue", "idempotencyToken", "hostLabel"}


def served():
    text = open(os.path.join(ROOT, "crates/api/src/actions.rs")).read()
    rows = {}
    for service, operation in re.findall(r'row\(\s*"([\w-]+)",\s*"(\w+)"', text):
        rows.setdefault(service, set()).add(operation)
    return rows


def trim(service, operations):
    model = botocore.session.get_session().get_component("data_loader").load_service_model(service, "service-2")
    shapes, out_ops = {}, {}

    def reach(name):
        if name in shapes:
            return
        shape = model["shapes"][name]
        kept = {k: v for k, v in shape.items() if k in SHAPE_KEYS}
        shapes[name] = kept
        if "members" in kept:
            kept["members"] = {m: {k: v for k, v in ref.items() if k in MEMBER_KEYS}
                               for m, ref in kept["members"].items()}
            for ref in kept["members"].values():
                reach(ref["shape"])
        for part in ("member", "key", "value"):
            if part in kept:
                kept[part] = {k: v for k, v in kept[part].items() if k in MEMBER_KEYS}
                reach(kept[part]["shape"])

    for name in sorted(operations):
        op = model["operations"].get(name)
        if op is None:
            sys.exit(f"{service} has no operation {name} in botocore {botocore.__version__}")
        http = op["http"]
        entry = {"method": http["method"], "uri": http["requestUri"]}
        if "responseCode" in http:
            entry["code"] = http["responseCode"]
        if "input" in op:
            entry["input"] = {k: v for k, v in op["input"].items() if k in {"shape", "locationName", "xmlNamespace"}}
            reach(op["input"]["shape"])
        if "output" in op:
            entry["output"] = op["output"]["shape"]
            if "resultWrapper" in op["output"]:
                entry["wrapper"] = op["output"]["resultWrapper"]
            reach(op["output"]["shape"])
        out_ops[name] = entry
    meta = model["metadata"]
    return {
        "botocore": botocore.__version__,
        "protocol": meta["protocol"],
        "apiVersion": meta["apiVersion"],
        "operations": out_ops,
        "shapes": dict(sorted(shapes.items())),
    }


def main():
    rows = served()
    for service in SERVICES:
        trimmed = trim(service, rows[service])
        path = os.path.join(ROOT, "crates/sdk-calls/models", f"{service}.json")
        with open(path, "w") as f:
            json.dump(trimmed, f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(f"{path}: {len(trimmed['operations'])} operations, {len(trimmed['shapes'])} shapes")


if __name__ == "__main__":
    main()
