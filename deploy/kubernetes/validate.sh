#!/usr/bin/env bash
# Validates every manifest in deploy/kubernetes offline, with no cluster:
#  1. each resource against Kubernetes' schemas, strictly (unknown fields are errors), with
#     the PyPI package kubernetes-validate (installed with pip when missing; it ships the
#     schemas, so nothing else is fetched). A kind it has no schema for fails too.
#  2. the references between them: selectors match the pod template's labels, Services'
#     named target ports exist, and every Secret and ConfigMap key used is defined.
# Exits non-zero on any failure. KUBERNETES_VERSION picks the schemas (default 1.30.0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${KUBERNETES_VERSION:-1.30.0}"

if ! python3 -c 'import kubernetes_validate' >/dev/null 2>&1; then
  printf 'validate: installing kubernetes-validate with pip\n' >&2
  python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate
fi

shopt -s nullglob
manifests=("$here"/*.yaml)
if [ ${#manifests[@]} -eq 0 ]; then
  printf 'validate: no manifests in %s\n' "$here" >&2
  exit 1
fi

# 1. Schemas. kubernetes-validate only warns (and exits 0) for a kind it has no schema
# for, so a WARN line fails too.
status=0
out="$(python3 -m kubernetes_validate --strict -k "$version" "${manifests[@]}" 2>&1)" || status=$?
printf '%s\n' "$out"
if [ "$status" -ne 0 ] || grep -qE '^(WARN|ERROR|FATAL)' <<<"$out"; then
  printf 'validate: schema validation failed\n' >&2
  exit 1
fi

# 2. References between the resources.
python3 - "${manifests[@]}" <<'PY'
import sys
import yaml

docs = []
for path in sys.argv[1:]:
    with open(path) as f:
        docs += [(path, d) for d in yaml.safe_load_all(f) if d]

def named(kind):
    return {d["metadata"]["name"]: d for _, d in docs if d["kind"] == kind}

def keys(d):
    return set(d.get("data") or {}) | set(d.get("stringData") or {})

secrets, configs = named("Secret"), named("ConfigMap")
errors = []
pods = []  # (workload name, pod template labels, container ports by name)
for path, d in docs:
    if d["kind"] not in ("Deployment", "StatefulSet", "DaemonSet"):
        continue
    name = d["metadata"]["name"]
    spec = d["spec"]
    labels = spec["template"]["metadata"].get("labels") or {}
    selector = spec["selector"].get("matchLabels") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        errors.append(f"{name}: selector {selector} does not match the pod labels {labels}")
    pod = spec["template"]["spec"]
    ports = {}
    for c in pod["containers"]:
        for p in c.get("ports") or []:
            if "name" in p:
                ports[p["name"]] = p["containerPort"]
        mounts = {m["name"] for m in c.get("volumeMounts") or []}
        volumes = {v["name"] for v in pod.get("volumes") or []}
        for m in sorted(mounts - volumes):
            errors.append(f"{name}/{c['name']}: mounts volume {m}, which the pod does not define")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = ((c.get(probe) or {}).get("httpGet") or {}).get("port")
            if isinstance(port, str) and port not in ports:
                errors.append(f"{name}/{c['name']}: {probe} names port {port}, which is not declared")
        for src in c.get("envFrom") or []:
            for kind, table in (("configMapRef", configs), ("secretRef", secrets)):
                ref = src.get(kind)
                if ref and ref["name"] not in table and not ref.get("optional"):
                    errors.append(f"{name}/{c['name']}: envFrom {kind} {ref['name']} is not defined")
        for e in c.get("env") or []:
            vf = e.get("valueFrom") or {}
            for kind, table in (("secretKeyRef", secrets), ("configMapKeyRef", configs)):
                ref = vf.get(kind)
                if ref and (ref["name"] not in table or ref["key"] not in keys(table[ref["name"]])):
                    errors.append(f"{name}/{c['name']}: env {e['name']} uses {ref['name']}/{ref['key']}, which is not defined")
    for v in pod.get("volumes") or []:
        s = v.get("secret")
        if s:
            if s["secretName"] not in secrets:
                errors.append(f"{name}: volume {v['name']} uses Secret {s['secretName']}, which is not defined")
                continue
            for item in s.get("items") or []:
                if item["key"] not in keys(secrets[s["secretName"]]):
                    errors.append(f"{name}: volume {v['name']} uses key {item['key']}, which Secret {s['secretName']} lacks")
    pods.append((name, labels, ports))

for _, d in docs:
    kind, name = d["kind"], d["metadata"]["name"]
    if kind == "Service":
        selector = d["spec"].get("selector") or {}
        match = [p for p in pods if all(p[1].get(k) == v for k, v in selector.items())]
        if not match:
            errors.append(f"service/{name}: selector {selector} matches no pod template")
        for port in d["spec"]["ports"]:
            target = port.get("targetPort")
            if isinstance(target, str) and not all(target in p[2] for p in match):
                errors.append(f"service/{name}: targetPort {target} is not a named container port")
    if kind == "PodDisruptionBudget":
        selector = d["spec"]["selector"].get("matchLabels") or {}
        if not any(all(p[1].get(k) == v for k, v in selector.items()) for p in pods):
            errors.append(f"poddisruptionbudget/{name}: selector {selector} matches no pod template")

for e in errors:
    print(f"ERROR {e}")
if errors:
    sys.exit(1)
print(f"INFO references consistent across {len(docs)} resources")
PY
printf 'validate: %d manifest files valid for Kubernetes %s\n' "${#manifests[@]}" "$version" >&2
